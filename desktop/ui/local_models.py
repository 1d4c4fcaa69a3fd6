"""The models on this computer, as a table: the models folder plus recently opened files.

Each file is read with the GGUF reader (`desktop.models.gguf_info`, header only, tens of
milliseconds) on a background thread, so a slow disk never freezes the window. A file the reader
rejects stays in the list with its specific problem, so the user learns why it cannot be loaded.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from desktop.errors import HearthError
from desktop.models.gguf_info import GgufInfo, inspect_gguf
from desktop.paths import models_dir
from desktop.ui.background import in_background
from desktop.ui.download_progress import human_size


@dataclass
class LocalModel:
    path: Path
    info: GgufInfo | None
    problem: str | None = None  # why the GGUF reader rejected the file


def human_count(n: int | None) -> str:
    """135M, 1.5B: parameter counts as model names write them."""
    if not n:
        return "?"
    for unit, scale in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if n >= scale:
            value = n / scale
            return f"{value:.1f}{unit}" if value < 10 else f"{value:.0f}{unit}"
    return str(n)


def candidate_files(recent: list[str]) -> list[Path]:
    """*.gguf in the models folder, then recently opened files that still exist; no duplicates."""
    found: dict[Path, Path] = {}  # resolved -> as listed (a link keeps its own name)
    for path in sorted(models_dir().glob("*.gguf"), key=lambda p: p.name.casefold()):
        found.setdefault(path.resolve(), path.absolute())
    for text in recent:
        path = Path(text)
        if path.is_file():
            found.setdefault(path.resolve(), path.absolute())
    return list(found.values())


def read_models(files: list[Path]) -> list[LocalModel]:
    models = []
    for path in files:
        try:
            models.append(LocalModel(path, inspect_gguf(path)))
        except HearthError as exc:
            models.append(LocalModel(path, None, str(exc)))
    return models


class ModelScanner(QObject):
    """Reads the candidate files on a worker thread; `scanned(list[LocalModel])` on the UI thread."""

    scanned = Signal(object)

    def scan(self, recent: list[str]) -> None:
        files = candidate_files(recent)
        in_background("hearth-model-scan", lambda: read_models(files), self.scanned)


class LocalModelTable(QTableWidget):
    """One row per model file: name, architecture, parameters, quantization, size, context, license."""

    COLUMNS = 7

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, self.COLUMNS, parent)
        self.models: list[LocalModel] = []
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.verticalHeader().hide()
        self.setShowGrid(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.retranslate()

    def retranslate(self) -> None:
        self.setHorizontalHeaderLabels([self.tr("Name"), self.tr("Architecture"), self.tr("Parameters"),
                                        self.tr("Quantization"), self.tr("Size"), self.tr("Context"),
                                        self.tr("License")])
        self.setAccessibleName(self.tr("Models on this computer"))
        for row, model in enumerate(self.models):
            if model.problem:
                self.item(row, 1).setText(self.tr("cannot be used"))

    def show_models(self, models: list[LocalModel], select: Path | None = None) -> None:
        self.models = models
        self.setRowCount(len(models))
        for row, model in enumerate(models):
            info = model.info
            if info is None:
                cells = [model.path.name, self.tr("cannot be used"), "", "", human_size(model.path.stat().st_size
                                                                                      if model.path.exists() else None), "", ""]
            else:
                cells = [info.name, info.architecture, human_count(info.parameters), info.quantization,
                         human_size(info.size_bytes), f"{info.context_length:,}" if info.context_length else "?",
                         info.license or "?"]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(model.problem or str(model.path))
                if model.problem:
                    item.setForeground(QColor("#cf222e"))
                if column in (2, 4, 5):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.setItem(row, column, item)
        if select is not None:
            self.select_path(select)
        elif models and not self.selectedItems():
            self.selectRow(0)

    def select_path(self, path: Path) -> bool:
        target = Path(path).resolve()
        for row, model in enumerate(self.models):
            if model.path.resolve() == target:
                self.selectRow(row)
                return True
        return False

    def current(self) -> LocalModel | None:
        rows = self.selectionModel().selectedRows()
        return self.models[rows[0].row()] if rows else None
