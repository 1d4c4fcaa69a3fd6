"""The × in line edits' clear buttons, drawn in the theme's text colour.

Fusion's own clear-button icon is a fixed dark grey: on the dark theme it was almost invisible.
This one is drawn from the palette and redrawn whenever the palette changes (a theme switch).
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QAction, QIcon, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QLineEdit

SIZE_PX = 32  # drawn large, shown at the button's size: sharp on high-DPI screens


def cross_icon(color) -> QIcon:
    pixmap = QPixmap(SIZE_PX, SIZE_PX)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(color, SIZE_PX / 9, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    low, high = SIZE_PX * 0.28, SIZE_PX * 0.72
    painter.drawLine(QPointF(low, low), QPointF(high, high))
    painter.drawLine(QPointF(low, high), QPointF(high, low))
    painter.end()
    return QIcon(pixmap)


class ClearIcon(QObject):
    """`ClearIcon(line_edit)`: the line edit's clear button shows a × in its text colour."""

    def __init__(self, edit: QLineEdit) -> None:
        super().__init__(edit)
        self._edit = edit
        edit.setClearButtonEnabled(True)
        edit.installEventFilter(self)
        self.update()

    def action(self) -> QAction | None:
        return self._edit.findChild(QAction, "_q_qlineeditclearaction")

    def update(self) -> None:
        action = self.action()
        if action is not None:
            action.setIcon(cross_icon(self._edit.palette().color(QPalette.ColorRole.Text)))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.PaletteChange:
            self.update()
        return False
