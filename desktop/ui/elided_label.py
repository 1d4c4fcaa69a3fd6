"""A one-line label that never widens its layout: long text is cut with "…" and shown whole in a tooltip.

Why: a QLabel asks for the width of its whole text, so one long error or figure line widened the
status bar, a message's footer or a dialog past the screen. This label asks for no width at all,
draws what fits, and keeps the full text for the tooltip, copying and tests (`full_text`).
"""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.full_text = ""
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def set_full_text(self, text: str) -> None:
        """Show `text` on one line, cut to the width the layout gives."""
        self.full_text = " ".join(text.split())  # one line: newlines would make the row taller
        self.setToolTip(text if self.full_text else "")
        self._elide()

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:
        """The whole text's width: what the layout may give when there is room."""
        return QSize(self.fontMetrics().horizontalAdvance(self.full_text) + 4, super().sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self.full_text, Qt.TextElideMode.ElideRight, max(self.width(), 0))
        if shown != self.text():
            super().setText(shown)
