"""The bar shown when the engine's worker process died: what happened, and a way back.

The conversation is untouched (the answer so far is already stored); "Restart engine" starts a
fresh worker with the same model.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget


class CrashBanner(QFrame):
    restart_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Banner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 8, 8, 8)
        self.message = QLabel(self)
        self.message.setObjectName("crashMessage")
        self.message.setWordWrap(True)
        self.restart_button = QPushButton(self)
        self.restart_button.setObjectName("restartEngine")
        self.restart_button.clicked.connect(self._restart)
        self.close_button = QToolButton(self)
        self.close_button.setText("×")
        self.close_button.setObjectName("dismissBanner")  # coloured per theme: visible on dark too
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.hide)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.restart_button)
        layout.addWidget(self.close_button)
        self.detail = ""
        self.retranslate()
        self.hide()

    def show_crash(self, detail: str) -> None:
        """Tell the user the engine stopped, and why as far as we know."""
        self.detail = detail
        self.retranslate()
        self.show()

    def _restart(self) -> None:
        self.hide()
        self.restart_requested.emit()

    def retranslate(self) -> None:
        self.message.setText(self.tr("The engine stopped unexpectedly: {detail}. Your conversation is safe.")
                             .format(detail=self.detail.rstrip(".") or self.tr("no details")))
        self.restart_button.setText(self.tr("Restart engine"))
        self.restart_button.setAccessibleName(self.tr("Restart engine"))
        self.close_button.setAccessibleName(self.tr("Dismiss"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
