"""Download any GGUF file from the Hugging Face hub: a repository id and a file name.

For users with internet; offline the hub probe fails at once and the form says so in one line,
pointing at the offline default. The file goes through the same safe path as catalog models
(`desktop.models.fetch.ensure_model`): it appears in the models folder only when complete.
"""
from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from desktop.models.catalog import CatalogModel
from desktop.models.fetch import ensure_model
from desktop.ui.download_progress import DownloadProgress

_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def hub_entry(repo_id: str, file_name: str) -> CatalogModel:
    """A one-off catalog entry for a hub file, so it downloads like the built-in models."""
    return CatalogModel(name=f"{repo_id}/{file_name}", title=file_name, file_name=Path(file_name).name,
                        architecture="", size_bytes=None, sha256=None, license="", description="",
                        hf_repo=repo_id, hf_file=file_name)


class HubDownloadForm(QWidget):
    """Repository id + file name + Download; `downloaded(path)` when the file is on disk."""

    downloaded = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.repo_edit = QLineEdit()
        self.repo_edit.setPlaceholderText("Qwen/Qwen2.5-0.5B-Instruct-GGUF")
        self.file_edit = QLineEdit()
        self.file_edit.setPlaceholderText("qwen2.5-0.5b-instruct-q4_k_m.gguf")
        self.download_button = QPushButton()
        self.download_button.clicked.connect(self.start_download)
        self.repo_edit.returnPressed.connect(self.start_download)
        self.file_edit.returnPressed.connect(self.start_download)
        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.hide()
        self.progress = DownloadProgress()
        self.progress.finished.connect(self._on_finished)
        self.progress.finished.connect(lambda _path: self.download_button.setEnabled(True))
        self.progress.failed.connect(lambda _msg: self.download_button.setEnabled(True))
        self._repo_label, self._file_label = QLabel(), QLabel()
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self._repo_label, self.repo_edit)
        form.addRow(self._file_label, self.file_edit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.download_button)
        layout.addWidget(self.error)
        layout.addWidget(self.progress)
        self.retranslate()

    def start_download(self) -> None:
        """Check the fields, then download in the background; a bad field gets one inline line."""
        repo, name = self.repo_edit.text().strip(), self.file_edit.text().strip()
        problem = None
        if not _REPO_ID.match(repo):
            problem = self.tr("Enter a repository id such as Qwen/Qwen2.5-0.5B-Instruct-GGUF.")
        elif not name.lower().endswith(".gguf"):
            problem = self.tr("Enter the name of a .gguf file in that repository.")
        self.error.setText(problem or "")
        self.error.setVisible(problem is not None)
        if problem:
            return
        entry = hub_entry(repo, name)
        self.download_button.setEnabled(False)
        self.progress.start(f"{repo}/{name}", lambda progress, cancel: ensure_model(entry, progress, cancel))

    def _on_finished(self, path: str) -> None:
        self.downloaded.emit(path)

    def retranslate(self) -> None:
        self._repo_label.setText(self.tr("Repository"))
        self._file_label.setText(self.tr("File"))
        self.download_button.setText(self.tr("Download from Hugging Face"))
        self.repo_edit.setAccessibleName(self.tr("Hugging Face repository id"))
        self.file_edit.setAccessibleName(self.tr("GGUF file name"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
