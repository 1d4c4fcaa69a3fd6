"""Can an answer decoded beside others differ from the same answer decoded alone?

Each prompt is answered alone (one request at a time) and then with all the prompts sent at once
to an engine with as many slots, same seed and settings; the answers are compared token for token
(as text). Greedy and sampled both: sampling turns a tiny difference in the numbers into another
word sooner.

    .venv/bin/python bench/batch_determinism.py [--model smollm2-135m] [--slots 4] [--prompts 8]
"""
from __future__ import annotations

import argparse
from concurrent.futures import ThreadPoolExecutor

from desktop.chat_messages import ChatMessage
from desktop.engine import LoadOptions, SamplingParams
from desktop.engine.client import EngineClient
from desktop.models import resolve

QUESTIONS = ["Explain how a bicycle stays upright.", "Write a haiku about rain.", "List five uses of vinegar.",
             "What is a prime number?", "Describe the water cycle.", "Give three tips for sleeping well.",
             "Why is the sky blue?", "Write a short poem about a fox.", "How do vaccines work?",
             "Name the planets of the solar system."]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--slots", type=int, default=4)
    parser.add_argument("--prompts", type=int, default=8)
    parser.add_argument("--tokens", type=int, default=96)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    questions = [QUESTIONS[i % len(QUESTIONS)] for i in range(args.prompts)]
    with EngineClient() as client:
        client.load(LoadOptions(str(resolve(args.model)), n_ctx=1024, n_threads=args.threads, parallel=args.slots))
        for label, temperature in (("greedy", 0.0), ("sampled t=0.8", 0.8)):
            def answer(question: str, temperature: float = temperature):
                params = SamplingParams(temperature=temperature, seed=11, max_tokens=args.tokens)
                return client.chat([ChatMessage(role="user", content=question)], params).collect()

            alone = [answer(q) for q in questions]
            with ThreadPoolExecutor(max_workers=len(questions)) as pool:
                together = list(pool.map(answer, questions))
            differ = [i for i, (a, b) in enumerate(zip(alone, together)) if a.text != b.text]
            batched = sum(1 for d in together if d.batched)
            print(f"{args.model} {label}: {len(differ)} of {len(questions)} answers differ decoded beside others "
                  f"({batched} batched); first difference at characters "
                  f"{[next((k for k, (x, y) in enumerate(zip(alone[i].text, together[i].text)) if x != y), -1) for i in differ]}",
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
