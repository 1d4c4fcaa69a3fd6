"""`hearth chat`'s engine against plain llama-cpp-python: same model, same threads, same prompts.

Each run is a two-turn conversation, alternating sides (Hearth, plain, Hearth, plain, ...) so
machine noise hits both alike. Turn one starts a new conversation whose system message differs
from the last one's (it is numbered), so only the chat template's opening can come from a cache:
its time to first token is evaluating the prompt. Turn two follows up on the answer: what each
side's prompt cache saves shows there. Between turns the bench waits for Hearth's engine to
settle (its work between requests), as a person reading the answer would; plain llama-cpp-python
does nothing between requests. Time to first token is timed by the caller on both sides (for
Hearth: template, tokenizer and the pipe to the worker process included); decode speed is each
side's own count from its first to its last token. Reports medians and ratios. Goals (issue 2): decode tokens/s
ratio >= 0.97, time-to-first-token ratio <= 1.10.

    .venv/bin/python bench/chat_bench.py [-m smollm2-135m] [--runs 7] [--max-tokens 128] [--parallel 1]
        [--gpu-layers 0]

`--parallel N` loads Hearth's engine with N slots (`hearth serve`'s default is 4): one answer alone
then still goes through the batching loop's slot bookkeeping, whose per-token cost this measures.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.plain_llama import PlainLlama
from desktop.chat_messages import ChatMessage
from desktop.engine import Done, LoadOptions, SamplingParams, Token
from desktop.engine.client import EngineClient
from desktop.models import resolve

TOPICS = ["the ocean", "a mountain village", "the history of tea", "how bridges carry weight",
          "a lighthouse keeper", "winter in a city", "the life of bees", "an old train station",
          "the first computers", "a desert at night", "a library", "the moon landing"]
SAMPLING = dict(temperature=0.7, top_p=0.95, top_k=40, min_p=0.05, repeat_penalty=1.1)
FOLLOW_UP = "Thank you. Now give the story a title and say who its main character is."


def prompt(i: int) -> list[dict]:
    return [{"role": "system", "content": f"{i}. You are a helpful storyteller."},
            {"role": "user", "content": f"Write a long, detailed story about {TOPICS[i % len(TOPICS)]}."}]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-m", "--model", default="smollm2-135m")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--ctx", type=int, default=2048)
    parser.add_argument("--parallel", type=int, default=1, help="Hearth's slots (desktop.engine.slots)")
    parser.add_argument("--gpu-layers", type=int, default=0, help="layers both sides offload (-1: all; default 0)")
    args = parser.parse_args()

    path = str(resolve(args.model))
    plain = PlainLlama(path, args.ctx, args.threads, n_gpu_layers=args.gpu_layers)
    hearth = EngineClient()
    hearth.load(LoadOptions(path, n_ctx=args.ctx, n_threads=args.threads, n_gpu_layers=args.gpu_layers,
                            parallel=args.parallel))
    results = {"hearth": [], "plain": []}
    params = {"max_tokens": args.max_tokens, **SAMPLING}

    def hearth_turn(messages: list[dict], seed: int) -> dict:
        """Timed at this end, as plain's is: from the call to the first piece of text, so the
        worker's template, tokenizer and the pipe between the processes are all counted."""
        start, first, done = time.perf_counter(), None, None
        for event in hearth.chat([ChatMessage.from_dict(m) for m in messages], SamplingParams(seed=seed, **params)):
            if isinstance(event, Token) and first is None and event.text:
                first = time.perf_counter()
            done = event
        if not isinstance(done, Done):
            raise SystemExit(f"the engine failed: {done.message}")
        hearth.settle()
        return {"ttft_s": (first or time.perf_counter()) - start, "decode_tok_s": done.decode_tok_s,
                "text": done.text}

    def plain_turn(messages: list[dict], seed: int) -> dict:
        return plain.stream_chat(messages, seed=seed, **params)

    try:
        for i in range(args.runs + 1):  # run 0 warms both up and is not counted
            seed = 1000 + i
            run = {}
            for side, turn in (("hearth", hearth_turn), ("plain", plain_turn)):
                first = turn(prompt(i), seed)
                run[side] = (first, first["text"])
            for side, turn in (("hearth", hearth_turn), ("plain", plain_turn)):
                first, answer = run[side]
                follow = turn([*prompt(i), {"role": "assistant", "content": answer},
                               {"role": "user", "content": FOLLOW_UP}], seed)
                if i:
                    results[side].append({**first, "follow_ttft_s": follow["ttft_s"]})
                    print(json.dumps({"run": i, "side": side, "decode_tok_s": round(first["decode_tok_s"], 2),
                                      "ttft_s": round(first["ttft_s"], 4)}), file=sys.stderr, flush=True)
    finally:
        hearth.close()

    def median(side: str, key: str) -> float:
        return statistics.median(r[key] for r in results[side])

    report = {
        "model": Path(path).name, "threads": args.threads, "runs": args.runs, "max_tokens": args.max_tokens,
        "parallel": args.parallel, "gpu_layers": args.gpu_layers,
        "hearth_decode_tok_s": round(median("hearth", "decode_tok_s"), 2),
        "plain_decode_tok_s": round(median("plain", "decode_tok_s"), 2),
        "hearth_ttft_s": round(median("hearth", "ttft_s"), 4),
        "plain_ttft_s": round(median("plain", "ttft_s"), 4),
        "hearth_follow_ttft_s": round(median("hearth", "follow_ttft_s"), 4),
        "plain_follow_ttft_s": round(median("plain", "follow_ttft_s"), 4),
    }
    report["decode_ratio"] = round(report["hearth_decode_tok_s"] / report["plain_decode_tok_s"], 3)
    report["ttft_ratio"] = round(report["hearth_ttft_s"] / report["plain_ttft_s"], 3)
    report["follow_ttft_ratio"] = round(report["hearth_follow_ttft_s"] / report["plain_follow_ttft_s"], 3)
    rows = (("decode tok/s", "decode_tok_s", "decode_ratio", ">=0.97"),
            ("TTFT s, new conversation", "ttft_s", "ttft_ratio", "<=1.10"),
            ("TTFT s, follow-up", "follow_ttft_s", "follow_ttft_ratio", "<=1.10"))
    print(f"{'':26}{'Hearth':>10}{'plain':>10}{'ratio':>8}{'goal':>8}")
    for label, key, ratio, goal in rows:
        print(f"{label:26}{report[f'hearth_{key}']:>10}{report[f'plain_{key}']:>10}{report[ratio]:>8}{goal:>8}")
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
