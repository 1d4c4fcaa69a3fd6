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


def read_chats(store, path: str | Path) -> list[int]:
    """Import a chats file (Hearth JSON, OpenAI JSONL, ChatGPT's conversations.json): the new ids."""
    return import_file(store, path)
