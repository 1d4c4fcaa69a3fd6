"""The scrolling transcript: message widgets in a column, following the answer as it grows.

Auto-scroll follows new text only while the user is at the bottom; scrolling up to read pauses it,
scrolling back down resumes it.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from desktop.ui.conversation.message import MessageWidget

STICKY_MARGIN_PX = 32  # "at the bottom" tolerance, so a pixel of rounding never stops following


class ConversationView(QScrollArea):
    message_added = Signal(object)  # the new MessageWidget, for the controller to connect

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conversation")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._column = QWidget(self)
        self._column.setObjectName("conversationColumn")
        self._layout = QVBoxLayout(self._column)
        self._layout.setContentsMargins(24, 16, 24, 16)
        self._layout.setSpacing(12)
        self.empty_hint = QLabel(self._column)
        self.empty_hint.setObjectName("emptyHint")
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setWordWrap(True)
        self._layout.addWidget(self.empty_hint, 1)
        self._layout.addStretch(0)
        self.setWidget(self._column)
        self.messages: list[MessageWidget] = []
        self.following = True
        bar = self.verticalScrollBar()
        bar.valueChanged.connect(self._user_scrolled)
        bar.rangeChanged.connect(self._content_grew)
        self.retranslate()

    # -- content ---------------------------------------------------------------------------------

    def show_transcript(self, entries: list[tuple[Any, list[int]]]) -> None:
        """Show `entries`: (message, ids of its siblings) from root to leaf. Widgets of messages
        already shown in the same place are kept, so sending in a long chat adds two widgets
        instead of rebuilding the transcript."""
        keep = 0
        for widget, (message, siblings) in zip(self.messages, entries):
            if widget.message.id != message.id or widget.message.content != message.content:
                break
            widget.set_siblings(siblings)
            keep += 1
        self.truncate_after(self.messages[keep - 1].message.id if keep else None)
        for message, siblings in entries[keep:]:
            self.append(message, siblings)
        self.following = True
        self.scroll_to_bottom()

    def mark_reattached(self, message_ids: set[int]) -> None:
        """Note on each of these messages that salvage re-attached it (its earlier message was lost).
        Such a message starts a part of its conversation beside the conversation's first message,
        so the ‹ › of both moves between parts, not alternatives."""
        for widget in self.messages:
            widget.set_reattached(widget.message.id in message_ids,
                                  parts=len(widget.siblings) > 1 and not message_ids.isdisjoint(widget.siblings))

    def append(self, message: Any, siblings: list[int] | None = None) -> MessageWidget:
        widget = MessageWidget(message, siblings, self._column)
        self._layout.insertWidget(self._layout.count() - 1, widget)
        self.messages.append(widget)
        widget.edit_started.connect(self._show_editor)
        self.empty_hint.hide()
        self.message_added.emit(widget)
        return widget

    def truncate_after(self, message_id: int | None) -> None:
        """Drop the widgets after `message_id` (all of them for None): a new branch replaces them."""
        keep = 0
        if message_id is not None:
            keep = next((i + 1 for i, w in enumerate(self.messages) if w.message.id == message_id), 0)
        for widget in self.messages[keep:]:
            widget.deleteLater()
        del self.messages[keep:]
        self.empty_hint.setVisible(not self.messages)

    def clear(self) -> None:
        self.truncate_after(None)

    def widget_for(self, message_id: int) -> MessageWidget | None:
        return next((w for w in self.messages if w.message.id == message_id), None)

    # -- following the answer --------------------------------------------------------------------

    def _user_scrolled(self, value: int) -> None:
        self.following = value >= self.verticalScrollBar().maximum() - STICKY_MARGIN_PX

    def _content_grew(self, _minimum: int, maximum: int) -> None:
        if self.following:
            self.verticalScrollBar().setValue(maximum)

    def _show_editor(self, widget: MessageWidget) -> None:
        """Editing a question far up: bring its editor and buttons into view, once laid out."""
        self.following = False
        QTimer.singleShot(0, lambda: self.ensureWidgetVisible(widget.save_edit, 24, 24)
                          if widget in self.messages else None)

    def scroll_to_bottom(self) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    # -- language --------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.empty_hint.setText(self.tr("Ask anything.\nEnter sends, Shift+Enter starts a new line."))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
