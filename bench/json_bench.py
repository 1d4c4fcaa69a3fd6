"""What JSON mode costs: constrained vs unconstrained decode speed, and schema compile time.

Decode: the same prompt (schema hint included), sampling and seed through the real engine, runs
alternating unconstrained / constrained so that load on the machine hits both alike; the ratio of
the medians of Done.decode_tok_s is the result (goal >= 0.90 on the Qwen 0.5B and its 151,936-token
vocabulary). On a busy machine that ratio is noisy, so the mask's own cost is also measured
exactly: the constrained answer's tokens are replayed through the processor (vocabulary only, no
model compute) and its time per token is set against the unconstrained time per token. Compile: for each of the 528 builtin schemas (and the 524 JSONSchemaBench schemas when
`../shared/jsonschemabench` is there), the caller-side `check()` and the worker-side matcher build
for the model's vocabulary, each cold; medians and 95th percentiles (goal: median <= 50 ms).

    .venv/bin/python bench/json_bench.py [--model qwen2.5-coder-0.5b] [--threads 1] [--tokens 96] [--runs 5]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from desktop.chat_messages import ChatMessage
from desktop.engine import Constraint, Done, LoadOptions, SamplingParams
from desktop.engine.client import EngineClient, as_sent
from desktop.errors import HearthError
from desktop.jsonmode import builtin_set, compile as jsonmode_compile, schemabench
from desktop.models import resolve

RESULTS = Path(__file__).resolve().parent / "results"
SCHEMA = {  # long enough answers (five objects) for a stable tokens/s figure
    "type": "object",
    "properties": {"team": {"type": "string"}, "members": {"type": "array", "minItems": 5, "maxItems": 5, "items": {
        "type": "object", "additionalProperties": False, "required": ["name", "age", "role", "skills"],
        "properties": {"name": {"type": "string", "maxLength": 30}, "age": {"type": "integer", "minimum": 18, "maximum": 70},
                       "role": {"enum": ["engineer", "designer", "manager", "analyst"]},
                       "skills": {"type": "array", "items": {"type": "string", "maxLength": 20}, "maxItems": 3}}}}},
    "required": ["team", "members"], "additionalProperties": False}
PROMPT = [ChatMessage("user", "Invent a five-person product team with names, ages, roles and skills.")]


def decode_speeds(client: EngineClient, runs: int, tokens: int) -> tuple[list[float], list[float], str]:
    constraint = Constraint("json_schema", schema=SCHEMA)
    hinted = as_sent(PROMPT, constraint)  # what the engine sends when constrained
    params = SamplingParams(temperature=0.0, repeat_penalty=1.0, max_tokens=tokens, seed=7)
    plain, masked = [], []
    answer = client.chat(PROMPT, params, constraint).collect()  # warm-up: builds the vocabulary view once
    for _ in range(runs):
        for speeds, used in ((plain, None), (masked, constraint)):
            done = client.chat(PROMPT if used else hinted, params, used).collect()
            if not isinstance(done, Done):
                raise HearthError(f"generation failed: {done.message}")
            speeds.append(done.decode_tok_s)
            print(f"  {'constrained' if used else 'unconstrained'}: {done.decode_tok_s:.1f} tok/s "
                  f"({done.completion_tokens} tokens)", file=sys.stderr)
    return plain, masked, answer.text


def mask_ms_per_token(llm, text: str, repeats: int = 5, constraint: Constraint | None = None) -> float:
    """Mean time of one processor call while replaying `text` token by token (the mean, not the
    median: throughput pays for the occasional slow step too); `constraint`: the JSON bench's own
    schema unless given."""
    import numpy as np

    from desktop.engine.constraint_processor import make_logits_processor

    prompt = llm.tokenize(b"prompt", add_bos=False)
    answer = llm.tokenize(text.encode(), add_bos=False, special=True)
    times = []
    for _ in range(repeats):
        proc = make_logits_processor(llm, constraint or Constraint("json_schema", schema=SCHEMA))
        scores = np.zeros(llm.n_vocab(), dtype=np.float32)
        for i in range(len(answer) + 1):
            ids = np.array(prompt + answer[:i], dtype=np.intc)
            start = time.perf_counter()
            proc(ids, scores)
            times.append((time.perf_counter() - start) * 1000)
    return statistics.fmean(times)


def compile_times(llm) -> dict[str, float]:
    """Cold check() and matcher build per schema, in ms."""
    import llguidance

    from desktop.engine.constraint_processor import tokenizer_for

    tokenizer = tokenizer_for(llm)
    schemas = [c.schema for c in builtin_set.cases()]
    try:
        schemas += [s.schema for s in schemabench.load()]
    except HearthError:
        pass
    checks, builds = [], []
    for schema in schemas:
        jsonmode_compile._json_grammar.cache_clear()
        start = time.perf_counter()
        try:
            grammar = jsonmode_compile.grammar_for(Constraint("json_schema", schema=schema))
        except HearthError:
            continue
        checks.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        llguidance.LLMatcher(tokenizer, grammar, log_level=0)
        builds.append((time.perf_counter() - start) * 1000)
    return {"schemas": len(checks), "check_ms_median": statistics.median(checks),
            "check_ms_p95": statistics.quantiles(checks, n=20)[-1], "matcher_ms_median": statistics.median(builds),
            "matcher_ms_p95": statistics.quantiles(builds, n=20)[-1]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen2.5-coder-0.5b")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--tokens", type=int, default=96)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from llama_cpp import Llama

    path = str(resolve(args.model))
    vocab = Llama(path, vocab_only=True, verbose=False)
    compiled = compile_times(vocab)
    print(f"compile: {json.dumps(compiled)}", file=sys.stderr)
    client = EngineClient()
    try:
        client.load(LoadOptions(path, n_ctx=2048, n_threads=args.threads))
        plain, masked, answer = decode_speeds(client, args.runs, args.tokens)
    finally:
        client.close()
    mask_ms = mask_ms_per_token(vocab, answer)
    plain_ms = 1000 / statistics.median(plain)
    result = {"model": args.model, "threads": args.threads, "runs": args.runs, "max_tokens": args.tokens,
              "unconstrained_tok_s_median": round(statistics.median(plain), 2),
              "constrained_tok_s_median": round(statistics.median(masked), 2),
              "ratio": round(statistics.median(masked) / statistics.median(plain), 3),
              "mask_ms_per_token": round(mask_ms, 3), "unconstrained_ms_per_token": round(plain_ms, 1),
              "ratio_from_mask_cost": round(plain_ms / (plain_ms + mask_ms), 3),
              **{k: round(v, 2) for k, v in compiled.items()}}
    print(json.dumps(result, indent=1))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "json_bench.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
