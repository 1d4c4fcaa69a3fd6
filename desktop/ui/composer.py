"""Where the user writes: multi-line text, Enter sends, Shift+Enter breaks the line, Stop while busy.

The context gauge shows how much of the model's context the conversation plus the draft would
use; the count comes from the engine's tokenizer, measured off the UI thread after typing pauses.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QPlainTextEdit, QProgressBar, QPushButton,
                               QVBoxLayout, QWidget)

from desktop.jsonmode.constraint import Constraint

COUNT_DELAY_MS = 300  # measure the draft this long after the last keystroke


class ComposerEdit(QPlainTextEdit):
    """Enter (and Ctrl+Enter) submits; Shift+Enter inserts a line break. The one rule for every box
    that sends a question: the composer and the editor of a question being edited."""

    submitted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.submitted.emit()
            return
        super().keyPressEvent(event)


class Composer(QFrame):
    send_requested = Signal(str)
    stop_requested = Signal()
    draft_changed = Signal(str)  # after typing pauses: time to measure the draft

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
        self.stop_button.clicked.connect(self.stop_requested)
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
        self.constraint_label = QLabel(self)  # "JSON Schema on": a constraint is never a surprise
        self.constraint_label.setObjectName("constraintNote")
        self.constraint_label.hide()
        gauge_row.addWidget(self.constraint_label)
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
        self._pause.timeout.connect(lambda: self.draft_changed.emit(self.text()))
        self.edit.textChanged.connect(self._pause.start)
        self.used, self.n_ctx, self.estimated = 0, 0, False
        self.constraint_kind: str | None = None
        self.retranslate()
        self.set_busy(False)

    def text(self) -> str:
        return self.edit.toPlainText()

    def submit(self) -> None:
        text = self.text().strip()
        if text and not self.busy:
            self.edit.clear()
            self.send_requested.emit(text)

    def set_busy(self, busy: bool) -> None:
        """While an answer streams: Stop instead of Send (typing the next message is still allowed)."""
        self.busy = busy
        self.send_button.setVisible(not busy)
        self.stop_button.setVisible(busy)

    def set_gauge(self, used: int, n_ctx: int, estimated: bool | None = None) -> None:
        """`estimated`: the count is a guess (a remote server that cannot count a chat); None keeps
        what the last count said."""
        self.used, self.n_ctx = used, n_ctx
        if estimated is not None:
            self.estimated = estimated
        self.gauge.setVisible(n_ctx > 0)
        self.gauge.setRange(0, max(n_ctx, 1))
        self.gauge.setValue(min(used, n_ctx))
        self.gauge.setProperty("full", n_ctx > 0 and used > 0.9 * n_ctx)
        self.gauge.style().unpolish(self.gauge)
        self.gauge.style().polish(self.gauge)
        words = self.tr("~{used} / {n_ctx} tokens (estimate)") if self.estimated else self.tr("{used} / {n_ctx} tokens")
        self.gauge_label.setText(words.format(used=f"{used:,}", n_ctx=f"{n_ctx:,}") if n_ctx else "")
        self.gauge.setToolTip(self.tr("Context used by this conversation and the draft (estimated: the server "
                                      "does not count tokens for Hearth)") if self.estimated
                              else self.tr("Context used by this conversation and the draft"))

    def set_constraint(self, constraint: Constraint | None) -> None:
        """Say next to the composer that answers are constrained (JSON mode on), or nothing."""
        self.constraint_kind = constraint.kind if constraint is not None else None
        self._show_constraint()

    def _show_constraint(self) -> None:
        kinds = {"json": self.tr("Any JSON"), "json_object": self.tr("JSON object"),
                 "json_schema": self.tr("JSON Schema"), "grammar": self.tr("Grammar (GBNF)")}
        kind = self.constraint_kind
        self.constraint_label.setText(self.tr("Answers follow: {mode}").format(mode=kinds.get(kind, kind))
                                      if kind else "")
        self.constraint_label.setToolTip(self.tr("JSON mode is on for this chat (generation settings, Ctrl+Shift+P)"))
        self.constraint_label.setVisible(kind is not None)

    def set_model_name(self, name: str) -> None:
        self.model_label.setText(name)

    def retranslate(self) -> None:
        self.edit.setPlaceholderText(self.tr("Message Hearth… (Enter sends, Shift+Enter new line)"))
        self.edit.setAccessibleName(self.tr("Message"))
        self.send_button.setText(self.tr("Send"))
        self.send_button.setAccessibleName(self.tr("Send message"))
        self.stop_button.setText(self.tr("Stop"))
        self.stop_button.setAccessibleName(self.tr("Stop the answer"))
        self.stop_button.setToolTip(self.tr("Stop (Esc)"))
        self.gauge.setAccessibleName(self.tr("Context used"))
        self.set_gauge(self.used, self.n_ctx)
        self._show_constraint()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
