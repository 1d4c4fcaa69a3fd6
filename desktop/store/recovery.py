"""Start-up check of the database file: a damaged or foreign file is set aside, never deleted.

If the file at the store's path cannot be used (not SQLite, another program's database, or SQLite's
own page check finds damage), it is renamed to `<name>.corrupt-<UTC timestamp>` together with its `-wal`
and `-shm` companions (a stale log applied to a fresh file would damage that too). Unless it is
another program's database, every row still readable in it is salvaged into the fresh store
(desktop/store/salvage.py). The returned notice tells the user what happened and where the file is.
"""
from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from desktop.errors import HearthError
from desktop.store.schema import APPLICATION_ID, LATEST_VERSION

SQLITE_HEADER = b"SQLite format 3\x00"
COMPANIONS = ("-wal", "-shm")
# SQLite's full page check reads the whole file (~2 s for 570 MB on a busy 2-core machine), so a
# large store is checked in full only after damage was met while it was in use (see request_check).
FULL_CHECK_BYTES = 128 * 1024 * 1024
CHECK_MARKER = ".needs-check"
SALVAGE_MARKER = ".salvaging"  # names the set-aside file while its salvage runs


def request_check(path: Path) -> None:
    """Remember that SQLite reported damage, so the next start checks the whole file."""
    try:
        path.with_name(path.name + CHECK_MARKER).touch()
    except OSError:
        pass  # the error itself is still reported; a later start can only check less


def is_damage(exc: sqlite3.Error) -> bool:
    return (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF in (11, 26)  # CORRUPT, NOTADB


FOREIGN = "it is another program's SQLite database"


def problem_with(path: Path) -> str | None:
    """Why the file at `path` cannot be used as Hearth's store, or None when it can.

    Raises HearthError for a store written by a newer Hearth: that file is fine, this program is old."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    with open(path, "rb") as fh:
        if fh.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            return "it is not a SQLite database"
    try:
        # Read-only: the check must not checkpoint or delete a -wal that might need keeping.
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise HearthError(f"cannot open the session store {path}: {exc}") from exc
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if app_id != APPLICATION_ID and (tables or version):
            return FOREIGN
        if version > LATEST_VERSION:
            raise HearthError(f"the session store {path} was written by a newer Hearth (schema version "
                              f"{version}, this one knows up to {LATEST_VERSION}); update Hearth")
        marker = path.with_name(path.name + CHECK_MARKER)
        if path.stat().st_size <= FULL_CHECK_BYTES or marker.exists():
            result = [row[0] for row in conn.execute("PRAGMA quick_check")]
            if result != ["ok"]:
                return f"SQLite found damage ({result[0]})"
            marker.unlink(missing_ok=True)
    except sqlite3.DatabaseError as exc:
        return f"SQLite cannot read it ({exc})"
    except UnicodeDecodeError:  # SQLite's message quoted damaged bytes of the schema
        return "SQLite cannot read its schema"
    except MemoryError:  # SQLITE_NOMEM: a damaged page claiming a huge size (seen in an FTS5 table)
        return "SQLite cannot read it (a damaged page)"
    finally:
        conn.close()
    return None


def recover(path: Path, reason: str) -> str:
    """Set the unusable file aside and salvage what it still holds into a fresh store at `path`;
    returns the notice to show."""
    backup = set_aside(path)
    if reason == FOREIGN:
        return _plain(path, reason, backup)
    return _salvage_into(path, backup, reason)


def resume(path: Path) -> str | None:
    """Salvage again when the last salvage was cut short (Hearth killed, the machine off): its
    damaged file is already set aside and no store took its place, so
    without this the conversations would seem gone. Returns the notice, or None."""
    marker = path.with_name(path.name + SALVAGE_MARKER)
    try:
        name = marker.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    backup = path.with_name(name)
    if path.exists() or not name or not backup.is_file():
        marker.unlink(missing_ok=True)  # it finished after all (the marker outlived it), or the file is gone
        return None
    return _salvage_into(path, backup, "the salvage of its damaged file was interrupted")


def _plain(path: Path, reason: str, backup: Path) -> str:
    return (f"The session store {path} could not be used ({reason}). It was kept as {backup} "
            f"and a fresh, empty store was started.")


def _salvage_into(path: Path, backup: Path, reason: str) -> str:
    from desktop.store.salvage import salvage

    marker = path.with_name(path.name + SALVAGE_MARKER)
    try:
        marker.write_text(backup.name, encoding="utf-8")
    except OSError:
        pass  # salvage itself may still work; only an interrupted one would not be resumed
    try:
        report = salvage(backup, path, kept_as=backup)
    except HearthError as exc:
        return f"{_plain(path, reason, backup)} Salvage failed: {exc}"
    finally:
        marker.unlink(missing_ok=True)
    if not report.messages and not report.sessions:
        return _plain(path, reason, backup)
    return f"The session store {path} was damaged ({reason}). {report.line()}."


def set_aside(path: Path) -> Path:
    """Rename the unusable file (and its companions) out of the way; returns its new name."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    backup = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while backup.exists():
        n += 1
        backup = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    try:
        path.rename(backup)
        path.with_name(path.name + CHECK_MARKER).unlink(missing_ok=True)
        log = path.with_name(path.name + "-wal")
        if log.exists() and log.stat().st_size == 0:  # what a read-only look leaves: nothing to keep
            for suffix in COMPANIONS:
                path.with_name(path.name + suffix).unlink(missing_ok=True)
        for suffix in COMPANIONS:
            companion = path.with_name(path.name + suffix)
            if companion.exists():
                companion.rename(backup.with_name(backup.name + suffix))
    except OSError as exc:
        raise HearthError(f"the session store {path} is unusable and could not be moved "
                          f"aside: {exc}; move it away by hand and start Hearth again") from exc
    return backup
