"""`hearth chat`'s engine against plain llama-cpp-python: same model, same threads, same prompts.

Runs alternate (Hearth, plain, Hearth, plain, ...) so machine noise hits both alike; each run
uses a prompt that differs from the first token on (a numbered system message), so neither side
answers from its prompt cache: TTFT measures evaluating the whole prompt. Reports medians and ratios.
Goals (issue 2): decode tokens/s ratio >= 0.97, time-to-first-token ratio <= 1.10.

    .venv/bin/python bench/chat_bench.py [-m smollm2-135m] [--runs 7] [--max-tokens 128]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.plain_llama import PlainLlama  # noqa: E402
from desktop.engine import LoadOptions, SamplingParams  # noqa: E402
from desktop.engine.client import EngineClient  # noqa: E402
from desktop.models import resolve  # noqa: E402

TOPICS = ["the ocean", "a mountain village", "the history of tea", "how bridges carry weight",
          "a lighthouse keeper", "winter in a city", "the life of bees", "an old train station",
          "the first computers", "a desert at night", "a library", "the moon landing"]
SAMPLING = dict(temperature=0.7, top_p=0.95, top_k=40, min_p=0.05, repeat_penalty=1.1)


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
    args = parser.parse_args()

    path = str(resolve(args.model))
    plain = PlainLlama(path, args.ctx, args.threads)
    hearth = EngineClient()
    hearth.load(LoadOptions(path, n_ctx=args.ctx, n_threads=args.threads, n_gpu_layers=0))
    results = {"hearth": [], "plain": []}
    try:
        for i in range(args.runs + 1):  # run 0 warms both up and is not counted
            seed = 1000 + i
            done = hearth.chat(prompt(i), SamplingParams(max_tokens=args.max_tokens, seed=seed, **SAMPLING)).collect()
            h = {"ttft_s": done.ttft_s, "decode_tok_s": done.decode_tok_s, "completion_tokens": done.completion_tokens}
            p = plain.stream_chat(prompt(i), args.max_tokens, seed, temperature=SAMPLING["temperature"],
                                  top_p=SAMPLING["top_p"], top_k=SAMPLING["top_k"], min_p=SAMPLING["min_p"],
                                  repeat_penalty=SAMPLING["repeat_penalty"])
            if i:
                results["hearth"].append(h)
                results["plain"].append(p)
    finally:
        hearth.close()

    def median(side: str, key: str) -> float:
        return statistics.median(r[key] for r in results[side])

    report = {
        "model": Path(path).name, "threads": args.threads, "runs": args.runs, "max_tokens": args.max_tokens,
        "hearth_decode_tok_s": round(median("hearth", "decode_tok_s"), 2),
        "plain_decode_tok_s": round(median("plain", "decode_tok_s"), 2),
        "hearth_ttft_s": round(median("hearth", "ttft_s"), 4),
        "plain_ttft_s": round(median("plain", "ttft_s"), 4),
    }
    report["decode_ratio"] = round(report["hearth_decode_tok_s"] / report["plain_decode_tok_s"], 3)
    report["ttft_ratio"] = round(report["hearth_ttft_s"] / report["plain_ttft_s"], 3)
    print(f"{'':14}{'Hearth':>10}{'plain':>10}{'ratio':>8}{'goal':>8}")
    print(f"{'decode tok/s':14}{report['hearth_decode_tok_s']:>10}{report['plain_decode_tok_s']:>10}"
          f"{report['decode_ratio']:>8}{'>=0.97':>8}")
    print(f"{'TTFT s':14}{report['hearth_ttft_s']:>10}{report['plain_ttft_s']:>10}"
          f"{report['ttft_ratio']:>8}{'<=1.10':>8}")
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
