"""`hearth eval json`: how often a model's JSON answers parse and follow their schema.

Runs a case set through the real engine (constrained by default, `--unconstrained` for the
baseline), prints a Markdown table and saves it with every answer under `<data>/evals/json/`
(and to `--out`). When a run of the other mode on the same model, set and cases was saved before,
the table also shows the per-token cost of constraining.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("json", help="score JSON-mode answers: parse rate, schema conformance, speed")
    parser.add_argument("-m", "--model", required=True, help="catalog name or .gguf path")
    parser.add_argument("--set", dest="case_set", choices=("builtin", "jsonschemabench"), default="builtin",
                        help="builtin: 528 generated nested-JSON cases; jsonschemabench: 524 real schemas")
    parser.add_argument("--unconstrained", action="store_true", help="no mask: the baseline to compare with")
    parser.add_argument("--limit", type=int, default=None, help="run N cases, evenly spread over the set")
    parser.add_argument("--out", metavar="FILE", help="also write the table here (.json: everything)")
    parser.add_argument("--bench-dir", type=Path, default=None,
                        help="JSONSchemaBench folder (default: ../shared/jsonschemabench)")
    parser.add_argument("--max-tokens", type=int, default=512,
                        help="the longest answer (default: what the app and `hearth chat` allow)")
    parser.add_argument("--no-runaway-guard", action="store_true",
                        help="let values grow as long as the grammar allows (the guard's 'before')")
    parser.add_argument("--dry-multiplier", type=float, default=0.0, help="DRY repetition penalty (0: off)")
    parser.add_argument("--ctx", type=int, default=8192, help="context length (long schemas need room)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--gpu-layers", type=int, default=None)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from desktop.cli.chat import load_client
    from desktop.engine.types import SamplingParams
    from desktop.errors import HearthError
    from desktop.engine import json_evaluation as evaluation

    if args.limit is not None and args.limit <= 0:
        raise HearthError("--limit must be a positive number of cases")
    if args.max_tokens <= 0:
        raise HearthError("--max-tokens must be positive")
    items, declared = _items(args)
    chosen = evaluation.spread(items, args.limit)
    mode = "unconstrained" if args.unconstrained else "constrained"
    if not 0 <= args.dry_multiplier <= 10:
        raise HearthError("--dry-multiplier must be between 0 and 10")
    params = SamplingParams(temperature=0.0, repeat_penalty=1.0, max_tokens=args.max_tokens, seed=0,
                            dry_multiplier=args.dry_multiplier)
    guard = not args.no_runaway_guard
    client = load_client(args)
    try:
        model = client.model.name if client.model else str(args.model)

        def progress(i: int, o: Any) -> None:
            mark = "ok" if o.valid else (o.error or o.finish)
            print(f"[{i}/{len(chosen)}] {o.id}: {mark}"[:160], file=sys.stderr, flush=True)

        outcomes = evaluation.run_all(client, chosen, not args.unconstrained, params, progress, guard)
    finally:
        client.close()
    summary = evaluation.summarize(outcomes)
    if declared is not None and not args.unconstrained:
        summary["declared_coverage_all"] = round(declared, 3)
    record = {"model": model, "set": args.case_set, "mode": mode, "limit": args.limit,
              "max_tokens": args.max_tokens, "runaway_guard": guard, "dry_multiplier": args.dry_multiplier,
              "ids": [o.id for o in outcomes], "summary": summary,
              "groups": dict(evaluation.by_group(outcomes)), "outcomes": evaluation.outcome_dicts(outcomes),
              "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    _add_overhead(record)
    text = _render(record)
    print(text)
    saved = _save(record, text, args.out)
    print(f"\nsaved: {saved}", file=sys.stderr)
    return 0


def _items(args: argparse.Namespace) -> tuple[list, float | None]:
    from desktop.jsonmode.constraint import Constraint
    from desktop.errors import HearthError
    from desktop.jsonmode import builtin_set, schemabench
    from desktop.jsonmode.compile import check
    from desktop.engine.json_evaluation import Item

    if args.case_set == "builtin":
        return [Item(c.id, c.shape, c.prompt, c.schema) for c in builtin_set.cases()], None
    schemas = schemabench.load(args.bench_dir)
    accepted = 0
    for s in schemas:  # declared coverage on the whole set: compile checks only, fast
        try:
            check(Constraint("json_schema", schema=s.schema))
            accepted += 1
        except HearthError:
            pass
    return [Item(s.id, s.subset, schemabench.PROMPT, s.schema) for s in schemas], accepted / len(schemas)


def _runs_dir() -> Path:
    from desktop.paths import data_dir

    path = data_dir() / "evals" / "json"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _add_overhead(record: dict) -> None:
    """Per-token cost of the mask, against the latest saved run of the other mode on the same cases."""
    other = "unconstrained" if record["mode"] == "constrained" else "constrained"
    for path in sorted(_runs_dir().glob("*.json"), reverse=True):
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if (old.get("model"), old.get("set"), old.get("mode"), old.get("ids")) == (
                record["model"], record["set"], other, record["ids"]):
            pair = {record["mode"]: record["summary"], other: old["summary"]}
            c, u = pair["constrained"]["decode_tok_s_median"], pair["unconstrained"]["decode_tok_s_median"]
            if c > 0 and u > 0:  # runs at different times: bench/json_bench.py alternates for a fair ratio
                record["summary"]["overhead_ms_per_token"] = round(1000 / c - 1000 / u, 2)
                record["summary"]["speed_ratio"] = round(c / u, 3)
            return


def _render(record: dict) -> str:
    from desktop.engine.json_evaluation import table

    summary = record["summary"]
    labels = {"overhead_ms_per_token": "overhead ms/token (vs saved other-mode run)",
              "speed_ratio": "speed vs other mode", "declared_coverage_all": "declared (all schemas)"}
    extra = [(label, key) for key, label in labels.items() if key in summary]
    settings = "" if record.get("runaway_guard", True) else ", runaway guard off"
    if record.get("dry_multiplier"):
        settings += f", DRY {record['dry_multiplier']}"
    head = (f"JSON eval: {record['model']} - {record['set']} - {record['mode']} - "
            f"{summary['cases']} cases, max_tokens {record['max_tokens']}, greedy{settings}")
    groups = table(list(record["groups"].items()))
    return f"{head}\n\n{table([('all', summary)], extra)}\n\nBy {'subset' if record['set'] != 'builtin' else 'shape'}:\n\n{groups}"


def _save(record: dict, text: str, out: str | None) -> Path:
    stem = f"{record['when'].replace(':', '')}-{re.sub(r'[^A-Za-z0-9._-]+', '_', record['model'])}-{record['set']}-{record['mode']}"
    saved = _runs_dir() / f"{stem}.json"  # not with_suffix: model names contain dots ("0.5B")
    _write(saved, json.dumps(record, ensure_ascii=False, indent=1))
    _write(saved.with_name(f"{stem}.md"), text + "\n")
    if out:
        _write(Path(out), json.dumps(record, ensure_ascii=False, indent=1) if out.endswith(".json") else text + "\n")
    return saved


def _write(path: Path, content: str) -> None:
    """Whole file or nothing: write beside it, then rename over it."""
    from desktop.errors import HearthError

    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(content, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise HearthError(f"cannot write {path}: {exc.strerror or exc}") from None
