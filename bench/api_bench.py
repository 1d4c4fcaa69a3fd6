"""Streamed decode speed through `hearth serve`'s API against plain llama-cpp-python.

Same model, same threads, same prompt, sampling and seed; runs alternate (API, engine, the two
references, API, ...) so that load on the machine hits all of them alike; medians are compared. Decode speed is
what a streaming client sees: (tokens - 1) / (time of last token - time of first token), measured
at the client, so HTTP, SSE framing, the worker process and the event loop are all inside it.

    .venv/bin/python bench/api_bench.py [--model smollm2-135m] [--threads 1] [--tokens 128] [--runs 5]

References: llama-cpp-python's streaming `create_chat_completion` (what a user of the library
calls) and its bare `generate()` token loop (the floor of its overhead). Goal: API / reference >= 0.95.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import requests

from desktop.api.server import ApiServer
from desktop.chat_messages import ChatMessage
from desktop.engine import LoadOptions, SamplingParams, Token
from desktop.engine.client import EngineClient
from desktop.engine.runtime_check import apply_proven
from desktop.models import resolve

PROMPT = [{"role": "user", "content": "Write a long, detailed story about a lighthouse keeper and a storm."}]
SAMPLING = {"temperature": 0.0, "top_k": 40, "top_p": 0.95, "min_p": 0.05, "repeat_penalty": 1.1, "seed": 7}
CHATML = f"<|im_start|>user\n{PROMPT[0]['content']}<|im_end|>\n<|im_start|>assistant\n"
RESULTS = Path(__file__).resolve().parent / "results"


def rate(stamps: list[float]) -> float:
    """Tokens per second between the first and the last token."""
    if len(stamps) < 2 or stamps[-1] == stamps[0]:
        return 0.0
    return (len(stamps) - 1) / (stamps[-1] - stamps[0])


def through_api(url: str, tokens: int) -> tuple[float, int]:
    body = {"model": "bench", "messages": PROMPT, "max_tokens": tokens, "stream": True, **SAMPLING}
    stamps: list[float] = []
    usage = 0
    with requests.post(f"{url}/v1/chat/completions", json=body, stream=True, timeout=600) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if not line.startswith(b"data: {"):
                continue
            chunk = json.loads(line[6:])
            if chunk.get("usage"):
                usage = chunk["usage"]["completion_tokens"]
            if chunk["choices"] and chunk["choices"][0]["delta"].get("content"):
                stamps.append(time.perf_counter())
    # the worker sends one piece per token unless a stop string or UTF-8 holds text back
    return (usage - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0, usage


def through_engine(client: EngineClient, tokens: int) -> tuple[float, int]:
    params = SamplingParams(max_tokens=tokens, **SAMPLING)
    stamps = [time.perf_counter() for event in client.chat([ChatMessage.from_dict(m) for m in PROMPT], params) if isinstance(event, Token)]
    return rate(stamps), len(stamps)


def through_llama_cpp(llm, tokens: int) -> tuple[float, int]:
    llm.reset()  # no prompt cache advantage: the engine evaluates the prompt afresh too
    stream = llm.create_chat_completion(
        PROMPT, max_tokens=tokens, stream=True, temperature=SAMPLING["temperature"],
        top_k=SAMPLING["top_k"], top_p=SAMPLING["top_p"], min_p=SAMPLING["min_p"],
        repeat_penalty=SAMPLING["repeat_penalty"], seed=SAMPLING["seed"])
    stamps = [time.perf_counter() for chunk in stream if chunk["choices"][0]["delta"].get("content")]
    return rate(stamps), len(stamps)


def through_llama_cpp_generate(llm, tokens: int) -> tuple[float, int]:
    """The lowest-overhead path llama-cpp-python has: its token generator, no chat API around it."""
    import llama_cpp

    llm.reset()
    prompt = llm.tokenize(CHATML.encode(), add_bos=False, special=True)
    stamps: list[float] = []
    generator = llm.generate(prompt, temp=SAMPLING["temperature"], top_k=SAMPLING["top_k"],
                             top_p=SAMPLING["top_p"], min_p=SAMPLING["min_p"],
                             repeat_penalty=SAMPLING["repeat_penalty"])
    for token in generator:
        if llama_cpp.llama_vocab_is_eog(llm._model.vocab, token) or len(stamps) >= tokens:
            break
        llm.detokenize([token])
        stamps.append(time.perf_counter())
    generator.close()
    return rate(stamps), len(stamps)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--ctx", type=int, default=2048)
    args = parser.parse_args()

    import llama_cpp

    path = resolve(args.model)
    apply_proven(str(path))  # in this process: the CPU code the engine runs here
    reference = llama_cpp.Llama(model_path=str(path), n_ctx=args.ctx, n_threads=args.threads,
                                n_threads_batch=args.threads, verbose=False)
    client = EngineClient()
    client.load(LoadOptions(str(path), n_ctx=args.ctx, n_threads=args.threads))
    runs: dict[str, list[float]] = {"api": [], "engine": [], "llama_cpp": [], "llama_cpp_generate": []}
    counts: dict[str, list[int]] = {k: [] for k in runs}
    with ApiServer(client, port=0) as server:
        through_api(server.url, 8)  # warm-up: first-request costs are not decode speed
        through_llama_cpp(reference, 8)
        for i in range(args.runs):
            for name, measure in (("api", lambda: through_api(server.url, args.tokens)),
                                  ("engine", lambda: through_engine(client, args.tokens)),
                                  ("llama_cpp", lambda: through_llama_cpp(reference, args.tokens)),
                                  ("llama_cpp_generate",
                                   lambda: through_llama_cpp_generate(reference, args.tokens))):
                tok_s, n = measure()
                runs[name].append(tok_s)
                counts[name].append(n)
            print(f"run {i + 1}/{args.runs}: " + "  ".join(f"{k} {v[-1]:.1f} tok/s" for k, v in runs.items()),
                  flush=True)
    client.close()
    medians = {k: statistics.median(v) for k, v in runs.items()}
    summary = {
        "model": path.name, "threads": args.threads, "tokens": args.tokens, "runs": args.runs,
        "median_tok_s": {k: round(v, 2) for k, v in medians.items()},
        "tokens_generated": counts,
        "ratio_api_vs_llama_cpp": round(medians["api"] / medians["llama_cpp"], 3),
        "ratio_api_vs_llama_cpp_generate": round(medians["api"] / medians["llama_cpp_generate"], 3),
        "ratio_engine_vs_llama_cpp": round(medians["engine"] / medians["llama_cpp"], 3),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "api_bench.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))
    print(f"API / llama-cpp-python chat: {summary['ratio_api_vs_llama_cpp']:.3f}, "
          f"API / llama-cpp-python generate(): {summary['ratio_api_vs_llama_cpp_generate']:.3f} "
          "(goal >= 0.95)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
