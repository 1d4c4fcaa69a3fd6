"""`hearth eval regressions -m MODEL`: replay users' reports against a model, pass/fail per case.

Cases come from this machine's feedback outbox, or from a JSONL file of cases or reports
(`--cases`, e.g. reports a maker received), and can be written out as a test set (`--export`).
"""
from __future__ import annotations

import argparse
import json
import sys

from desktop.errors import HearthError
from desktop.feedback.schema import MATCH_MODES


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("regressions", help="replay reported cases (expected answers, data samples)")
    parser.add_argument("-m", "--model", help="catalog name or .gguf path to replay against")
    parser.add_argument("--cases", metavar="FILE", help="JSONL of cases or reports (default: the outbox)")
    parser.add_argument("--export", metavar="FILE", help="write the cases as a JSONL test set")
    parser.add_argument("--match", choices=MATCH_MODES, help="override every case's match mode")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.add_argument("--n-ctx", type=int, default=4096, help="context length to load the model with")
    parser.add_argument("--any-model", action="store_true",
                        help="replay cases recorded on another model file too (a warning instead of a refusal)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from desktop.feedback.regressions import cases_from_store, export_cases, load_cases

    if args.cases:
        cases = load_cases(args.cases)
    else:
        from desktop.store import Store

        with Store.open() as store:
            cases = cases_from_store(store)
    if args.export:
        count = export_cases(cases, args.export)
        print(f"wrote {count} case{'s' if count != 1 else ''} to {args.export}", file=sys.stderr)
        if not args.model:
            return 0
    if not args.model:
        raise HearthError("pass the model to replay against: -m NAME or -m FILE.gguf")
    if not cases:
        raise HearthError("no regression cases: bug reports with an expected answer and data "
                          "contributions become cases (or pass --cases FILE)")
    return _replay(args, cases)


def _replay(args: argparse.Namespace, cases: list) -> int:
    from desktop.engine import LoadOptions
    from desktop.engine.client import EngineClient
    from desktop.feedback.regressions import replay
    from desktop.models.fetch import resolve

    path = resolve(args.model)
    sha256 = _check_same_model(cases, path, args.any_model)
    client = EngineClient()
    try:
        info = client.load(LoadOptions(str(path), n_ctx=args.n_ctx))

        def show(result) -> None:
            if args.format == "table":
                verdict = "pass" if result.passed else f"FAIL  {result.reason}"
                print(f"{result.case_id[:12]}  {result.match:<8} {result.seconds:6.1f}s  {verdict}", flush=True)

        results = replay(client, cases, match=args.match, on_result=show)
    finally:
        client.close()
    passed = sum(r.passed for r in results)
    if args.format == "json":
        print(json.dumps({"model": info.name, "model_file": path.name, "model_sha256": sha256, "passed": passed, "total": len(results),
                          "cases": [r.__dict__ for r in results]}, ensure_ascii=False, indent=2))
    else:
        print(f"{passed}/{len(results)} cases pass on {path.name}")
    return 0 if passed == len(results) else 1


def _check_same_model(cases: list, path, any_model: bool) -> str:
    """Refuse to replay cases recorded on another model file (a different sha256): their expected
    answers were judged on that model. `--any-model` (comparing models is the point) warns instead.
    Returns the sha256 of the file replayed on."""
    from desktop.cli.models import note_hashing
    from desktop.models.identity import sha256_of

    sha256 = sha256_of(path, on_hashing=note_hashing)
    other = [c for c in cases if c.model_sha256 and c.model_sha256 != sha256]
    unrecorded = sum(1 for c in cases if not c.model_sha256)
    if other:
        first = other[0]
        what = (f"{len(other)} of {len(cases)} case{'s' if len(cases) != 1 else ''} "
                f"{'were' if len(other) != 1 else 'was'} recorded on another model (case {first.id[:12]}: "
                f"{first.model_file or 'a file'} with sha256 {first.model_sha256[:12]}…), not {path.name} "
                f"(sha256 {sha256[:12]}…)")
        if not any_model:
            raise HearthError(f"{what}; pass --any-model to replay them on it anyway")
        print(f"hearth: warning: {what}; replaying anyway (--any-model)", file=sys.stderr)
    if unrecorded:
        print(f"hearth: warning: {unrecorded} case{'s do' if unrecorded != 1 else ' does'} not record the model's "
              "sha256, so the model cannot be checked", file=sys.stderr)
    return sha256
