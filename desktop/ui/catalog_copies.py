"""Catalog models found elsewhere on disk: a file with the catalog entry's size and sha256.

Why: a user who loaded SmolLM2 from their Downloads folder saw it listed as "not downloaded" and
was offered the download again. Files of the right size are hashed once (on a worker thread, the
result kept per path, size and modification time), so the catalog tab can say "on this computer"
and use that file.
"""
from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from desktop.models.catalog import CATALOG, CatalogModel
from desktop.ui.background import in_background

_HASHES: dict[tuple[str, int, int], str] = {}  # (path, size, mtime_ns) -> sha256
_LOCK = threading.Lock()


def sha256_of(path: Path) -> str:
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    with _LOCK:
        if key in _HASHES:
            return _HASHES[key]
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    with _LOCK:
        _HASHES[key] = digest.hexdigest()
    return _HASHES[key]


def find_copies(files: list[Path], catalog: tuple[CatalogModel, ...] = CATALOG) -> dict[str, Path]:
    """Catalog name -> a file among `files` that is that model (same size, same sha256)."""
    found: dict[str, Path] = {}
    for entry in catalog:
        if entry.sha256 is None or entry.size_bytes is None:
            continue
        for path in files:
            try:
                if path.stat().st_size == entry.size_bytes and sha256_of(path) == entry.sha256:
                    found[entry.name] = path
                    break
            except OSError:
                continue
    return found


class CopyFinder(QObject):
    """`look(files)` hashes candidates on a worker thread; `found(dict)` comes back on the UI thread."""

    found = Signal(object)

    def look(self, files: list[Path]) -> None:
        in_background("hearth-catalog-copies", lambda: find_copies(files), self.found)
