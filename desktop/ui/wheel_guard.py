"""Wheel events over closed combo boxes and spin boxes scroll the panel around them.

Why: Qt gives a wheel turn to whatever control is under the pointer, so scrolling a settings panel
silently changed the system-prompt preset or the temperature on its way past. The usual fix: these
controls take focus only by click or Tab (not by wheel), and a wheel turn over one that has no focus
goes to the scroll area instead.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QAbstractSpinBox, QApplication, QComboBox, QWidget

GUARDED = (QComboBox, QAbstractSpinBox)


class WheelGuard(QObject):
    def __init__(self, scroll_area: QAbstractScrollArea) -> None:
        super().__init__(scroll_area)
        self._scroll_area = scroll_area

    def guard(self, container: QWidget) -> None:
        """Guard every combo box and spin box inside `container` (call again after adding more)."""
        for kind in GUARDED:
            for control in container.findChildren(kind):
                control.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
                control.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.Wheel and isinstance(watched, QWidget) and not watched.hasFocus():
            QApplication.sendEvent(self._scroll_area.verticalScrollBar(), event)
            return True
        return False
