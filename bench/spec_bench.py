"""Speculative decoding: greedy decode speed with prompt-lookup drafting against plain decoding.

Two engines on the same model and threads, one with `draft="prompt-lookup"`, answer the same
prompts greedily, alternating request by request. Two sets: input-grounded prompts (fields of a
document as JSON, a paragraph rewritten, a function edited), where answers copy their input, and
free-form chat, where they do not. Reported per set: decode tokens/s (all tokens over all decode
time of the set, median over runs) for both and the ratio, the share of drafted tokens kept, and
how many answers are token-identical to plain decoding (llama.cpp's numbers for a position decoded
in a batch can differ slightly from the same position decoded alone, see desktop.engine.speculative).

    flock /tmp/hearth-bench.lock .venv/bin/python bench/spec_bench.py --models smollm2-135m,qwen2.5-coder-0.5b --threads 2
"""
from __future__ import annotations

import argparse
import os
import statistics

from desktop.chat_messages import ChatMessage
from desktop.engine import LoadOptions, SamplingParams
from desktop.engine.client import EngineClient
from desktop.engine.types import Done
from desktop.jsonmode.constraint import Constraint
from desktop.models import resolve

INVOICE = ("Invoice 2024-118, issued 2 June 2024 by Northwind Traders Ltd, 14 Harbour Road, Bristol BS1 4RN, "
           "to Maria Lopez, 7 Calle Mayor, Seville. Items: 12 oak dining chairs at 89.50 EUR each, delivery "
           "210.50 EUR. Total due 1,284.50 EUR by 30 June 2024. Payment by bank transfer to IBAN GB29 NWBK 6016 "
           "1331 9268 19, reference NT-2024-118.")
NOTICE = ("The Riverside Library will close for renovation from Monday 3 March until Friday 28 March. During "
          "this time, books can be returned to the drop box at the Market Street entrance, and the mobile "
          "library will visit the town square every Tuesday and Thursday from 10 am to 4 pm. Members with "
          "reserved books will be contacted by email when their books are ready for collection.")
FUNCTION = '''def total_price(items, discount):
    total = 0
    for item in items:
        total = total + item["price"] * item["quantity"]
    if discount > 0:
        total = total - total * discount / 100
    return round(total, 2)
'''
GROUNDED = [
    (f"Extract the invoice number, issue date, seller, buyer, total and due date from this text as JSON.\n\n{INVOICE}", None),
    (f"Extract the invoice number, seller, buyer and total from this text as JSON.\n\n{INVOICE}", Constraint(kind="json")),
    (f"Rewrite this notice, replacing 'Riverside Library' with 'Town Library' and keeping everything else:\n\n{NOTICE}", None),
    (f"Summarise this notice in two sentences, keeping the dates and times:\n\n{NOTICE}", None),
    (f"Rename the variable `total` to `amount` in this function and return the whole function:\n\n{FUNCTION}", None),
    (f"Add type hints and a docstring to this function and return it whole:\n\n{FUNCTION}", None),
]
CHAT = [("Tell me a short story about a lighthouse keeper.", None), ("Why is the sky blue?", None),
        ("Give three tips for learning a new language.", None), ("Write a haiku about autumn rain.", None),
        ("Explain how a bicycle stays upright.", None), ("What should I pack for a weekend of hiking?", None)]


def answer(client: EngineClient, prompt: str, constraint: Constraint | None, tokens: int) -> Done:
    params = SamplingParams(temperature=0.0, max_tokens=tokens)
    done = client.chat([ChatMessage(role="user", content=prompt)], params, constraint=constraint).collect()
    if not isinstance(done, Done):
        raise SystemExit(f"the engine failed: {done}")
    client.settle()  # its follow-up preparation must not run beside the other engine's answer
    return done


def speed(answers: list[Done]) -> float:
    """Tokens over decode time for a set (decode_tok_s is per answer, after its first token)."""
    seconds = sum((d.completion_tokens - 1) / d.decode_tok_s for d in answers if d.decode_tok_s > 0)
    return sum(d.completion_tokens - 1 for d in answers if d.decode_tok_s > 0) / seconds if seconds else 0.0


def run_model(model: str, threads: int, tokens: int, runs: int) -> None:
    path = str(resolve(model))
    with EngineClient() as plain, EngineClient() as drafting:
        plain.load(LoadOptions(path, n_ctx=2048, n_threads=threads))
        drafting.load(LoadOptions(path, n_ctx=2048, n_threads=threads, draft="prompt-lookup"))
        for name, prompts in (("grounded", GROUNDED), ("chat", CHAT)):
            plain_speeds, draft_speeds, identical, kept, drafted = [], [], 0, 0, 0
            for run in range(runs):
                plain_answers, draft_answers = [], []
                for prompt, constraint in prompts:  # alternating, so load changes hit both alike
                    plain_answers.append(answer(plain, prompt, constraint, tokens))
                    draft_answers.append(answer(drafting, prompt, constraint, tokens))
                plain_speeds.append(speed(plain_answers))
                draft_speeds.append(speed(draft_answers))
                if run == 0:
                    identical = sum(a.text == b.text for a, b in zip(plain_answers, draft_answers))
                    kept = sum(d.accepted for d in draft_answers)
                    drafted = sum(d.drafted for d in draft_answers)
            p, d = statistics.median(plain_speeds), statistics.median(draft_speeds)
            print(f"{model} {threads} threads, {name} ({len(prompts)} prompts, {tokens} tokens, {runs} runs): "
                  f"plain {p:.1f} tok/s, prompt-lookup {d:.1f} tok/s, ratio {d / p:.2f}; "
                  f"drafted {drafted}, kept {kept} ({kept / max(drafted, 1):.0%}); "
                  f"identical to plain {identical} of {len(prompts)}; load average {os.getloadavg()[0]:.1f}",
                  flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="smollm2-135m,qwen2.5-coder-0.5b")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for model in args.models.split(","):
        run_model(model, args.threads, args.tokens, args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
