"""Where the user writes: multi-line text, Enter sends, Shift+Enter breaks the line, Stop while busy.

The context gauge shows how much of the model's context the conversation plus the draft would
use; the count comes from the engine's tokenizer, measured off the UI thread after typing pauses.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QPlainTextEdit, QProgressBar, QPushButton,
                               QVBoxLayout, QWidget)

COUNT_DELAY_MS = 300  # measure the draft this long after the last keystroke


class ComposerEdit(QPlainTextEdit):
    """Enter submits; Shift+Enter (or Ctrl+Enter in an IME-free way) inserts a line break."""

    submitted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.submitted.emit()
            return
        super().keyPressEvent(event)


class Composer(QFrame):
    sendRequested = Signal(str)
    stopRequested = Signal()
    draftChanged = Signal(str)  # after typing pauses: time to measure the draft

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Composer")
        self.busy = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        row = QHBoxLayout()
        self.edit = ComposerEdit(self)
        self.edit.setObjectName("composerEdit")
        self.edit.setTabChangesFocus(True)
        self.edit.setFixedHeight(76)
        self.edit.submitted.connect(self.submit)
        row.addWidget(self.edit, 1)
        self.send_button = QPushButton(self)
        self.send_button.setObjectName("sendButton")
        self.send_button.setProperty("role", "primary")
        self.send_button.clicked.connect(self.submit)
        self.stop_button = QPushButton(self)
        self.stop_button.setObjectName("stopButton")
        self.stop_button.setProperty("role", "danger")
        self.stop_button.clicked.connect(self.stopRequested)
        self.stop_button.hide()
        buttons = QVBoxLayout()
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        row.addLayout(buttons)
        layout.addLayout(row)

        gauge_row = QHBoxLayout()
        self.model_label = QLabel(self)
        self.model_label.setObjectName("composerModel")
        gauge_row.addWidget(self.model_label)
        gauge_row.addStretch(1)
        self.gauge = QProgressBar(self)
        self.gauge.setObjectName("contextGauge")
        self.gauge.setTextVisible(False)
        self.gauge.setFixedSize(120, 6)
        self.gauge_label = QLabel(self)
        self.gauge_label.setObjectName("contextGaugeLabel")
        gauge_row.addWidget(self.gauge_label)
        gauge_row.addWidget(self.gauge)
        layout.addLayout(gauge_row)

        self._pause = QTimer(self, singleShot=True, interval=COUNT_DELAY_MS)
        self._pause.timeout.connect(lambda: self.draftChanged.emit(self.text()))
        self.edit.textChanged.connect(self._pause.start)
        self.used, self.n_ctx = 0, 0
        self.retranslateUi()
        self.set_busy(False)

    def text(self) -> str:
        return self.edit.toPlainText()

    def submit(self) -> None:
        text = self.text().strip()
        if text and not self.busy:
            self.edit.clear()
            self.sendRequested.emit(text)

    def set_busy(self, busy: bool) -> None:
        """While an answer streams: Stop instead of Send (typing the next message is still allowed)."""
        self.busy = busy
        self.send_button.setVisible(not busy)
        self.stop_button.setVisible(busy)

    def set_gauge(self, used: int, n_ctx: int) -> None:
        self.used, self.n_ctx = used, n_ctx
        self.gauge.setVisible(n_ctx > 0)
        self.gauge.setRange(0, max(n_ctx, 1))
        self.gauge.setValue(min(used, n_ctx))
        self.gauge.setProperty("full", n_ctx > 0 and used > 0.9 * n_ctx)
        self.gauge.style().unpolish(self.gauge)
        self.gauge.style().polish(self.gauge)
        self.gauge_label.setText(self.tr("{used} / {n_ctx} tokens").format(used=f"{used:,}", n_ctx=f"{n_ctx:,}")
                                 if n_ctx else "")
        self.gauge.setToolTip(self.tr("Context used by this conversation and the draft"))

    def set_model_name(self, name: str) -> None:
        self.model_label.setText(name)

    def retranslateUi(self) -> None:
        self.edit.setPlaceholderText(self.tr("Message Hearth… (Enter sends, Shift+Enter new line)"))
        self.edit.setAccessibleName(self.tr("Message"))
        self.send_button.setText(self.tr("Send"))
        self.send_button.setAccessibleName(self.tr("Send message"))
        self.stop_button.setText(self.tr("Stop"))
        self.stop_button.setAccessibleName(self.tr("Stop the answer"))
        self.stop_button.setToolTip(self.tr("Stop (Esc)"))
        self.gauge.setAccessibleName(self.tr("Context used"))
        self.set_gauge(self.used, self.n_ctx)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslateUi()
        super().changeEvent(event)
