"""SQLite failures said in one line a user can act on.

SQLite reports problems by result code; the table below turns the ones a user can meet (a full disk,
another process holding the lock, a read-only or damaged file) into a `HearthError`. The transaction
that failed has been rolled back by then, so everything committed before is still there and the
store stays usable once the cause is gone.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from desktop.errors import HearthError

# Primary SQLite result codes (https://sqlite.org/rescode.html) -> what happened and what to do.
MESSAGES: dict[int, str] = {
    5: "the session store {path} is busy (another Hearth process kept it locked); try again",
    6: "the session store {path} is locked by another connection; try again",
    8: "the session store {path} is read-only; check the permissions of its folder",
    10: "could not read or write the session store {path} (disk I/O error); check the disk",
    11: "the session store {path} is damaged; restart Hearth: it keeps the damaged file and salvages what it can into a fresh store",
    13: "the disk holding {path} is full, so the last change was not saved; free some space and try again",
    14: "cannot open the session store {path}; check that its folder exists and is writable",
    26: "{path} is not a Hearth session store; restart Hearth: it keeps the file as a backup and starts a fresh one",
}


def as_hearth_error(exc: sqlite3.Error, path: Path) -> HearthError:
    code = getattr(exc, "sqlite_errorcode", None)
    template = MESSAGES.get(code & 0xFF) if code is not None else None
    if template is None:
        return HearthError(f"session store {path}: {exc}")
    return HearthError(template.format(path=path))
