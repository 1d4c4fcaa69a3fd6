"""`hearth sessions ...`: list, show, search, export, import and delete stored conversations
(backups and salvage: desktop/cli/sessions_backup.py).

The same store the app uses, safe to run while the app is open. Output is text for people or
`--format json` for scripts; exports go to stdout unless `--out FILE` (written atomically).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from desktop.cli import sessions_backup

EXPORT_FORMATS = ("md", "json", "jsonl")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("sessions", help="list, search, export and import stored conversations")
    inner = parser.add_subparsers(dest="sessions_command", metavar="ACTION", required=True,
                                  parser_class=type(parser))

    p = inner.add_parser("list", help="sessions, newest first")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--trash", action="store_true", help="list the deleted sessions instead")
    p.add_argument("--limit", type=int, default=None, help="show at most this many")
    p.set_defaults(run=run_list)

    p = inner.add_parser("show", help="a session's conversation (its active branch)")
    p.add_argument("id", type=int)
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(run=run_show)

    p = inner.add_parser("export", help="one session or all as Markdown, Hearth JSON or OpenAI JSONL")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("id", type=int, nargs="?", help="the session to export")
    which.add_argument("--all", action="store_true", help="every session outside the trash")
    p.add_argument("--format", choices=EXPORT_FORMATS, required=True)
    p.add_argument("--out", type=Path, help="write to this file instead of stdout")
    p.set_defaults(run=run_export)

    p = inner.add_parser("import", help="Hearth JSON, OpenAI chat JSONL or ChatGPT conversations.json")
    p.add_argument("file", type=Path)
    p.set_defaults(run=run_import)

    p = inner.add_parser("search", help="conversations whose messages, title, folder or tags match")
    p.add_argument("query", nargs="+")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--limit", type=_positive, default=20, help="conversations per page (default 20)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--page", type=_positive, default=1, help="which page of --limit results")
    where.add_argument("--offset", type=_not_negative, help="skip this many conversations instead")
    p.set_defaults(run=run_search)

    p = inner.add_parser("delete", help="move a session to the trash (undo with restore)")
    p.add_argument("id", type=int)
    p.set_defaults(run=run_delete)

    p = inner.add_parser("restore", help="bring a session back from the trash, or the store back from a backup file")
    p.add_argument("id", help="a session id from the trash, or a backup file (see `hearth sessions backups`)")
    p.set_defaults(run=run_restore)

    p = inner.add_parser("trash", help="list the trash, or empty it for good with --empty")
    p.add_argument("--empty", action="store_true")
    p.set_defaults(run=run_trash)

    sessions_backup.register(inner)


def _open_store() -> Any:
    from desktop.store import Store

    store = Store.open()
    if store.recovery_notice:
        print(f"hearth: {store.recovery_notice}", file=sys.stderr)
    return store


def _when(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(seconds))


def _print_sessions(sessions: list, fmt: str) -> None:
    if fmt == "json":
        print(json.dumps([asdict(s) for s in sessions], ensure_ascii=False, indent=1))
        return
    for s in sessions:
        pin = "*" if s.pinned else " "
        print(f"{s.id:>6} {pin} {_when(s.updated_at)}  {s.title or '(untitled)'}")


def run_list(args: argparse.Namespace) -> int:
    with _open_store() as store:
        _print_sessions(store.list_sessions(trash=args.trash, limit=args.limit, pinned_first=False),
                        args.format)
    return 0


def run_show(args: argparse.Namespace) -> int:
    with _open_store() as store:
        session = store.get_session(args.id)
        path = store.active_path(args.id)
    if args.format == "json":
        print(json.dumps({"session": asdict(session), "messages": [asdict(m) for m in path]},
                         ensure_ascii=False, indent=1))
        return 0
    print(f"# {session.title or '(untitled)'}  (session {session.id}, {_when(session.created_at)})")
    if session.system_prompt:
        print(f"\n[system]\n{session.system_prompt}")
    for message in path:
        note = " (unfinished)" if message.streaming else ""
        print(f"\n[{message.role}]{note}\n{message.content}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from desktop.store.exporting import export

    with _open_store() as store:
        text = export(store, None if args.all else [args.id], args.format)
    if args.out is None:
        sys.stdout.write(text)
    else:
        from desktop.atomic_write import write_atomically

        write_atomically(args.out, text)
        print(f"exported to {args.out}", file=sys.stderr)
    return 0


def run_import(args: argparse.Namespace) -> int:
    from desktop.store.importing import import_file

    with _open_store() as store:
        ids = import_file(store, args.file)
    print(f"imported {len(ids)} session{'s' if len(ids) != 1 else ''}"
          + (f": {', '.join(map(str, ids))}" if ids else ""))
    return 0


def run_search(args: argparse.Namespace) -> int:
    offset = args.offset if args.offset is not None else (args.page - 1) * args.limit
    with _open_store() as store:
        hits = store.search(" ".join(args.query), limit=args.limit + 1, offset=offset)
    more, hits = len(hits) > args.limit, hits[:args.limit]
    if args.format == "json":
        print(json.dumps([{"session": asdict(h.session), "message_id": h.message_id,
                           "snippet": h.snippet, "matches": h.matches, "title_match": h.title_match}
                          for h in hits], ensure_ascii=False, indent=1))
        return 0
    for hit in hits:
        found = "title" if hit.title_match and not hit.matches else \
            f"{hit.matches} match{'es' if hit.matches != 1 else ''}" + (", title" if hit.title_match else "")
        print(f"{hit.session.id:>6}  {hit.session.title or '(untitled)'}  ({found})")
        print(f"        {' '.join(hit.snippet.split())}")
    if not hits:
        print("no matches" if offset == 0 else f"no matches after the first {offset}", file=sys.stderr)
    elif more:
        print(f"more: --offset {offset + len(hits)}" + (
            f" or --page {args.page + 1}" if args.offset is None else ""), file=sys.stderr)
    return 0


def _positive(text: str) -> int:
    value = _not_negative(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _not_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def run_delete(args: argparse.Namespace) -> int:
    with _open_store() as store:
        store.delete_session(args.id)
    print(f"session {args.id} moved to the trash (undo: hearth sessions restore {args.id})")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    if not args.id.isdigit():
        return sessions_backup.run_restore_backup(Path(args.id))
    with _open_store() as store:
        store.restore_session(int(args.id))
    print(f"session {args.id} restored")
    return 0


def run_trash(args: argparse.Namespace) -> int:
    with _open_store() as store:
        if args.empty:
            count = store.empty_trash()
            print(f"deleted {count} session{'s' if count != 1 else ''} for good")
        else:
            _print_sessions(store.list_sessions(trash=True, pinned_first=False), "text")
    return 0
