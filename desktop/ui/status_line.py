"""The status bar's message area: one elided line beside the model label, never over it.

QStatusBar.showMessage paints over the bar's own widgets and never elides, so a long import error
or schema problem was unreadable under the model label. Messages go to this label instead: cut to
the room left of the model label, whole in the tooltip, cleared after their time.
"""
from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QStatusBar

from desktop.ui.elided_label import ElidedLabel


class StatusLine(ElidedLabel):
    def __init__(self, bar: QStatusBar) -> None:
        super().__init__(bar)
        self.setObjectName("statusMessage")
        self._clear = QTimer(self, singleShot=True)
        self._clear.timeout.connect(lambda: self.set_full_text(""))
        bar.addWidget(self, 1)

    def show_message(self, text: str, timeout_ms: int = 10_000) -> None:
        """Show `text` for `timeout_ms` (0: until the next message)."""
        self.set_full_text(text)
        self._clear.stop()
        if timeout_ms:
            self._clear.start(timeout_ms)

    @property
    def message(self) -> str:
        return self.full_text
