"""`hearth sessions backup | backups | restore FILE | salvage`: keeping the store safe by hand.

The same operations the app runs by itself (daily backups, salvage of a damaged store at start-up),
for scripts and for a user with a damaged file from elsewhere. `restore` is shared with restoring a
session from the trash: a number is a session, anything else a backup file.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path


def register(inner: argparse._SubParsersAction) -> None:
    p = inner.add_parser("backup", help="back the store up now (SQLite online backup, safe while in use)")
    p.add_argument("--out", type=Path, help="write the backup here instead of the backups folder")
    p.set_defaults(run=run_backup)

    p = inner.add_parser("backups", help="the backups kept, newest first, with their dates and sizes")
    p.set_defaults(run=run_backups)

    p = inner.add_parser("salvage", help="recover every readable conversation from a damaged store file")
    p.add_argument("file", type=Path)
    p.add_argument("--out", type=Path,
                   help="where to write the recovered store (default: FILE.salvaged.sqlite3); "
                        "make it the current one with `hearth sessions restore OUT`")
    p.set_defaults(run=run_salvage)


def _keep() -> int:
    from desktop.ui.settings import Settings

    return Settings.load().backups_kept


def run_backup(args: argparse.Namespace) -> int:
    from desktop import paths
    from desktop.store import backup

    out = backup.backup(paths.database_path(), args.out, label="manual", keep=_keep())
    print(f"backed up to {out} ({_size(out.stat().st_size)})")
    return 0


def run_backups(args: argparse.Namespace) -> int:
    from desktop import paths
    from desktop.store import backup

    found = backup.list_backups(paths.database_path())
    for item in found:
        print(f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(item.taken_at))}  "
              f"{_size(item.size):>9}  {item.path}")
    if not found:
        print(f"no backups yet in {backup.folder_for(paths.database_path())}")
    return 0


def run_restore_backup(file: Path) -> int:
    from desktop import paths
    from desktop.store import backup

    safety = backup.restore(paths.database_path(), file, keep=_keep())
    print(f"restored the conversations from {file}; the previous ones were backed up to {safety}")
    return 0


def run_salvage(args: argparse.Namespace) -> int:
    from desktop.errors import HearthError
    from desktop.store.salvage import salvage

    if not args.file.is_file():
        raise HearthError(f"there is no file {args.file}")
    out = args.out or args.file.with_name(args.file.name + ".salvaged.sqlite3")
    if out.resolve() == args.file.resolve():
        raise HearthError("--out must name a new file: the damaged file is never overwritten")
    report = salvage(args.file, out)
    if not report.sessions and not report.messages:
        out.unlink(missing_ok=True)
        raise HearthError(f"no conversations could be read from {args.file} (it is not a Hearth store, "
                          f"or too little of it is left)")
    print(f"{report.line()}; written to {out} (make it the current store: hearth sessions restore {out})")
    return 0


def _size(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:.1f} MB"  # decimal, like the app's file sizes
