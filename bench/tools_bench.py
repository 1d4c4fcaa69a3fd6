"""What forcing a tool call costs: decode speed of a constrained call against unconstrained text.

The same conversation - one user turn and the tools, rendered by the model's own template - is
answered unconstrained (whatever the model writes) and under `tool_choice: "required"` (the call
grammar, with Qwen2.5's `<tool_call>` special token), alternating so that load on the machine hits
both alike; the ratio of the medians of Done.decode_tok_s is the result (goal >= 0.90). Because
that ratio is noisy on a busy machine, the mask's own cost is also measured exactly: the call's
tokens are replayed through the processor (vocabulary only) and its time per token set against
the unconstrained time per token.

    .venv/bin/python bench/tools_bench.py [--model qwen2.5-coder-0.5b] [--threads 2] [--tokens 96] [--runs 5]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.json_bench import mask_ms_per_token
from desktop.api.tools import tool_request
from desktop.chat_messages import ChatMessage
from desktop.engine import Done, LoadOptions, SamplingParams
from desktop.engine.client import EngineClient
from desktop.errors import HearthError
from desktop.models import resolve

RESULTS = Path(__file__).resolve().parent / "results"
EMAIL = {"type": "function", "function": {"name": "send_email", "description": "Send an email", "parameters": {
    "type": "object", "additionalProperties": False, "required": ["to", "subject", "body"],
    "properties": {"to": {"type": "string", "maxLength": 60}, "subject": {"type": "string", "maxLength": 80},
                   "body": {"type": "string", "maxLength": 400},
                   "priority": {"enum": ["low", "normal", "high"]}}}}}
PROMPT = [ChatMessage("user", "Email dana@example.com to say the quarterly report is delayed to Friday because "
                              "two teams still owe their figures; apologise and list what is missing.")]


def decode_speeds(client: EngineClient, runs: int, tokens: int) -> tuple[list[float], list[float], str, object]:
    tooling = tool_request({"tools": [EMAIL], "tool_choice": "required", "parallel_tool_calls": False},
                           client.model.tool_tags_are_tokens)
    params = SamplingParams(temperature=0.0, repeat_penalty=1.0, max_tokens=tokens, seed=7)
    answer = client.chat(PROMPT, params, tooling.constraint, tooling.tools).collect()  # warm-up
    plain, forced = [], []
    for _ in range(runs):
        for speeds, constraint in ((plain, None), (forced, tooling.constraint)):
            done = client.chat(PROMPT, params, constraint, tooling.tools).collect()
            if not isinstance(done, Done):
                raise HearthError(f"generation failed: {done.message}")
            speeds.append(done.decode_tok_s)
            print(f"  {'tool call' if constraint else 'unconstrained'}: {done.decode_tok_s:.1f} tok/s "
                  f"({done.completion_tokens} tokens)", file=sys.stderr)
    return plain, forced, answer.text, tooling.constraint


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen2.5-coder-0.5b")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tokens", type=int, default=96)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from llama_cpp import Llama

    path = str(resolve(args.model))
    client = EngineClient()
    try:
        client.load(LoadOptions(path, n_ctx=2048, n_threads=args.threads))
        plain, forced, answer, constraint = decode_speeds(client, args.runs, args.tokens)
    finally:
        client.close()
    mask_ms = mask_ms_per_token(Llama(path, vocab_only=True, verbose=False), answer, constraint=constraint)
    plain_ms = 1000 / statistics.median(plain)
    result = {"model": args.model, "threads": args.threads, "runs": args.runs, "max_tokens": args.tokens,
              "unconstrained_tok_s_median": round(statistics.median(plain), 2),
              "tool_call_tok_s_median": round(statistics.median(forced), 2),
              "ratio": round(statistics.median(forced) / statistics.median(plain), 3),
              "mask_ms_per_token": round(mask_ms, 3), "unconstrained_ms_per_token": round(plain_ms, 1),
              "ratio_from_mask_cost": round(plain_ms / (plain_ms + mask_ms), 3), "call": answer}
    print(json.dumps(result, indent=1, ensure_ascii=False))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "tools_bench.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n",
                                              encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
