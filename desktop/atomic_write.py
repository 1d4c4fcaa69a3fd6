"""Files written whole or not at all.

Exports, reports, desktop entries and test sets are written to a temporary file in the target's
folder and renamed over it, so a crash, a full disk or a cancelled write never leaves half a file
where a user will find it. Any failure is one HearthError line naming the file.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Iterable

from desktop.errors import HearthError


def write_atomically(path: str | Path, content: str | bytes | Iterable[str], mode: int | None = None) -> Path:
    """Write text, bytes, or an iterable of text pieces (streamed) to `path` atomically.

    `mode` sets the file's permissions (temporary files start private, 0o600)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise HearthError(f"cannot write {path}: the folder {folder} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise HearthError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        binary = isinstance(content, bytes)
        with os.fdopen(fd, "wb" if binary else "w", encoding=None if binary else "utf-8") as fh:
            if isinstance(content, (str, bytes)):
                fh.write(content)
            else:
                for piece in content:
                    fh.write(piece)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise HearthError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
