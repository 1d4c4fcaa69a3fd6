"""Chats to and from files, for the window's File menu (the store does the formats).

Both run on the store's worker thread; the export is written to a temporary file next to the
target and renamed, so a full disk or a crash never leaves half a file behind.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from desktop.atomic_write import write_atomically
from desktop.errors import HearthError
from desktop.store.exporting import export
from desktop.store.importing import import_file

# Export formats: file suffix -> (the store's format name, file-dialog filter).
EXPORT_FORMATS = {
    ".md": ("md", QT_TRANSLATE_NOOP("ChatFiles", "Markdown (*.md)")),
    ".json": ("json", QT_TRANSLATE_NOOP("ChatFiles", "Hearth JSON, every branch (*.json)")),
    ".jsonl": ("jsonl", QT_TRANSLATE_NOOP("ChatFiles", "OpenAI chat JSONL (*.jsonl)")),
}


def export_filters() -> str:
    """The save dialog's file-type list, in the interface language."""
    return ";;".join(QCoreApplication.translate("ChatFiles", label) for _fmt, label in EXPORT_FORMATS.values())


def export_format(path: str | Path) -> str:
    """The store's format for a file name, by its suffix."""
    suffix = Path(path).suffix.lower()
    if suffix not in EXPORT_FORMATS:
        raise HearthError(f"cannot export to {Path(path).name}: use a name ending in "
                          f"{', '.join(EXPORT_FORMATS)}")
    return EXPORT_FORMATS[suffix][0]


def write_export(store, session_ids: list[int] | None, path: str | Path) -> Path:
    """Export sessions to `path` (format from its suffix), atomically."""
    path = Path(path)
    write_atomically(path, export(store, session_ids, export_format(path)))
    return path


def _messages(store, session_id: int) -> list[tuple[str, str]]:
    return [(m.role, m.content) for m in store.messages(session_id)]


def import_chats(store, path: str | Path) -> tuple[list[int], int]:
    """Import a file (all or nothing); returns the new session ids and how many of them were
    already in the store (same title, start time and messages: the same file imported twice),
    so the window can say so."""
    before: dict[tuple, list[int]] = {}
    for session in store.list_sessions():
        before.setdefault((session.title, session.created_at), []).append(session.id)
    ids = import_file(store, path)
    repeated = 0
    for sid in ids:
        new = store.get_session(sid)
        same = before.get((new.title, new.created_at), [])
        repeated += bool(same) and any(_messages(store, old) == _messages(store, sid) for old in same)
    return ids, repeated


def export_name(title: str, suffix: str = ".md") -> str:
    """A file name from a chat's title: what the save dialog proposes instead of "chat.md"."""
    name = "".join(c if c.isalnum() or c in " -_()" else " " for c in title)
    name = " ".join(name.split())[:80].strip()
    return (name or "chat") + suffix
