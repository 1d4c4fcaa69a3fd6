"""`hearth eval mmlu --data PATH` and `hearth eval ceval --data PATH`: 5-shot multiple choice,
accuracy per subject and overall, saved (and resumable) under `<data>/evals/<mmlu|ceval>/`."""
from __future__ import annotations

import argparse
import threading
from pathlib import Path

from desktop.cli.eval_progress import EXIT_CANCELLED, add_progress_option, report, run_journalled

HELP = {"mmlu": "MMLU: 57 English subjects, 5-shot (the original CSV folder: dev/ val/ test/)",
        "ceval": "C-Eval: 52 Chinese subjects, 5-shot, scored on val (its CSV folder: dev/ val/ test/)"}


def register(sub: argparse._SubParsersAction) -> None:
    for name, text in HELP.items():
        parser = sub.add_parser(name, help=text)
        parser.add_argument("-m", "--model", required=True, help="catalog name or .gguf path")
        parser.add_argument("--data", type=Path, default=None,
                            help="the data set's CSV folder (holding dev/ and test/ or val/), or a Hugging Face "
                                 "snapshot; default: the Hugging Face cache")
        parser.add_argument("--shots", type=int, default=5, help="dev questions shown before each one (default 5)")
        parser.add_argument("--subjects", default=None, help="comma-separated subjects (default: all)")
        parser.add_argument("--limit", type=int, default=None, help="the first N questions of each subject")
        parser.add_argument("--ctx", type=int, default=4096, help="context length")
        parser.add_argument("--threads", type=int, default=None)
        parser.add_argument("--gpu-layers", type=int, default=None)
        add_progress_option(parser)
        parser.set_defaults(run=run, benchmark=name)


def run(args: argparse.Namespace) -> int:
    from desktop.benchmarks import multiple_choice as mc
    from desktop.benchmarks.identity import model_identity, versions
    from desktop.benchmarks.journal import Journal
    from desktop.cli.chat import load_client
    from desktop.errors import HearthError

    style = mc.STYLES[args.benchmark]
    if args.shots < 0 or (args.limit is not None and args.limit <= 0):
        raise HearthError("--shots must be 0 or more and --limit positive")
    data = args.data if args.data is not None else mc.default_data(style)
    scored = mc.load_split(style, data, style.scored_split)
    dev = mc.load_split(style, data, "dev") if args.shots else {}
    if args.subjects:
        wanted = [s.strip() for s in args.subjects.split(",") if s.strip()]
        missing = [s for s in wanted if s not in scored]
        if missing:
            raise HearthError(f"no such subject in {data}: {', '.join(missing)}")
        scored = {s: scored[s] for s in wanted}
    questions = [q for qs in scored.values() for q in qs[: args.limit]]
    shots = {s: dev.get(s, [])[: args.shots] for s in scored}
    client = load_client(args)
    cancel = threading.Event()
    try:
        identity = model_identity(client.model)
        settings = {"shots": args.shots, "split": style.scored_split, "grammar": style.grammar,
                    "format": "raw completion, the authors' prompt", "ctx": args.ctx, "greedy": True}
        ids = [q.id for q in questions]
        header = {"benchmark": style.name, "model": identity, "versions": versions(), "settings": settings,
                  "data": str(data.resolve()), "questions": len(ids),
                  "key": {"sha256": identity["sha256"], "settings": settings, "ids": ids,  # the data's
                          "content": [repr(q) for q in questions] + [repr(s) for s in shots.values()]}}  # edits count
        journal = Journal(style.name, client.model.name, header)
        finished = run_journalled(journal, ids, style.name.upper(), "question", lambda done, after:
                                  mc.run(client, [q for q in questions if q.id not in done], shots, style,
                                         journal.add, cancel, after),
                                  cancel, args.progress_json)
    finally:
        client.close()
    if not finished:
        return EXIT_CANCELLED
    summary = mc.summarize(journal.records)
    text = mc.table(summary, f"{style.name.upper()}: {identity['name']} ({identity['quantization']}) - "
                             f"{args.shots}-shot, split {style.scored_split}, answers constrained to A-D")
    return report(journal, summary, text, args.progress_json)
