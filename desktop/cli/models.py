"""`hearth models list|fetch|path|identify`: the catalog and the model files on disk."""
from __future__ import annotations

import argparse
import json
import sys

from desktop.errors import HearthError


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("models", help="list, fetch and locate models")
    inner = parser.add_subparsers(dest="models_command", metavar="ACTION", required=True,
                                  parser_class=type(parser))
    lst = inner.add_parser("list", help="catalog models and the .gguf files already on disk")
    lst.add_argument("--format", choices=["table", "json"], default="table")
    lst.set_defaults(run=run_list)
    fetch = inner.add_parser("fetch", help="download a catalog model (resumes after an interruption)")
    fetch.add_argument("name", help="catalog name or alias (see `hearth models list`)")
    fetch.set_defaults(run=run_fetch)
    path = inner.add_parser("path", help="print a model's absolute path, fetching it if missing")
    path.add_argument("name", help="catalog name, alias or .gguf path")
    path.set_defaults(run=run_path)
    identify = inner.add_parser("identify", help="print what names a model exactly (sha256, header facts, source)")
    identify.add_argument("name", help="catalog name, alias or .gguf path")
    identify.set_defaults(run=run_identify)


def _progress_bar():
    """A tqdm bar on stderr that follows the (done, total, stage) callback."""
    from tqdm import tqdm

    bar = tqdm(total=0, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr,
               disable=None, leave=False)

    def update(done: int, total: int, stage: str) -> None:
        if bar.total != total:
            bar.total = total
        bar.set_description(stage[:40], refresh=False)
        bar.n = done
        bar.refresh()

    return bar, update


def run_list(args: argparse.Namespace) -> int:
    from desktop.models.catalog import CATALOG
    from desktop.models.fetch import is_present, model_path
    from desktop.paths import models_dir

    rows = []
    catalog_files = set()
    for m in CATALOG:
        path = model_path(m)
        catalog_files.add(path.name)
        rows.append({"name": m.name, "aliases": list(m.aliases), "title": m.title,
                     "size_bytes": m.size_bytes, "source": m.source, "present": is_present(m),
                     "path": str(path) if is_present(m) else None})
    for path in sorted(models_dir().glob("*.gguf")):
        if path.name not in catalog_files:
            rows.append({"name": path.name, "aliases": [], "title": "local file",
                         "size_bytes": path.stat().st_size, "source": "local", "present": True,
                         "path": str(path)})
    if args.format == "json":
        print(json.dumps(rows, indent=2))
        return 0
    for r in rows:
        size = f"{r['size_bytes'] / 1e6:,.0f} MB" if r["size_bytes"] else "?"
        alias = f" ({', '.join(r['aliases'])})" if r["aliases"] else ""
        state = "on disk" if r["present"] else f"fetch from {r['source']}"
        print(f"{r['name'] + alias:<32} {size:>9}  {state:<28} {r['title']}")
    return 0


def run_fetch(args: argparse.Namespace) -> int:
    from desktop.models.fetch import ensure_model

    bar, update = _progress_bar()
    try:
        path = ensure_model(args.name, progress=update)
    finally:
        bar.close()
    print(path)
    return 0


def run_path(args: argparse.Namespace) -> int:
    from desktop.models.fetch import resolve

    bar, update = _progress_bar()
    try:
        path = resolve(args.name, progress=update)
    finally:
        bar.close()
    if not path.is_file():
        raise HearthError(f"model file not found: {path}")
    print(path)
    return 0


def run_identify(args: argparse.Namespace) -> int:
    """The identity a stored answer and a report record for this model, as JSON (hashing the
    file now if it never was: once per file)."""
    from desktop.models.fetch import resolve
    from desktop.models.identity import describe, sha256_of

    from desktop.models.gguf_info import inspect_gguf

    path = resolve(args.name)
    inspect_gguf(path)  # not a model: its one-line reason, before seconds of hashing
    found = describe(path, sha256_of(path, on_hashing=note_hashing))
    print(json.dumps(found.to_report(), indent=2))
    return 0


def note_hashing(file_name: str) -> None:
    """Said on stderr before a model file is hashed in the foreground (seconds for a big file)."""
    print(f"hearth: computing the sha256 of {file_name} (once per file)", file=sys.stderr, flush=True)
