"""One message in the conversation: its text, its branch switcher, its actions and its numbers.

A message widget shows a store `Message` and reports what the user asks for (edit, regenerate,
switch branch, rate, send feedback) as signals; it never touches the store or the engine itself.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QTextCursor
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QMenu, QPushButton, QSizePolicy,
                               QToolButton, QVBoxLayout, QWidget)

from desktop.ui.composer import ComposerEdit
from desktop.ui.conversation.blocks import MarkdownView
from desktop.ui.elided_label import ElidedLabel


def pretty_json(text: str) -> str | None:
    """`text` re-indented if it is one JSON value, else None."""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (ValueError, TypeError):
        return None


class MessageWidget(QFrame):
    edit_submitted = Signal(int, str)  # user message id, new text: becomes a sibling branch
    regenerate_requested = Signal(int)  # assistant message id
    branch_requested = Signal(int)  # the sibling message to switch to
    rated = Signal(int, object)  # message id, 1 / -1 / None
    feedback_requested = Signal(int)  # message id
    edit_started = Signal(object)  # this widget: the view scrolls its editor into sight

    def __init__(self, message: Any, siblings: list[int] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message = message
        self.siblings = siblings or [message.id]
        self.parts = False  # its ‹ › moves between parts that salvage split apart (set_reattached)
        self.setObjectName("userMessage" if message.role == "user" else "assistantMessage")
        self.setProperty("role", message.role)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 8)
        layout.setSpacing(6)
        self.author = QLabel(self)
        self.author.setObjectName("messageAuthor")
        layout.addWidget(self.author)
        self.reattached_note = QLabel(self)  # salvage re-attached it: its earlier message was lost
        self.reattached_note.setObjectName("reattachedNote")
        self.reattached_note.setProperty("role", "hint")
        self.reattached_note.setWordWrap(True)
        self.reattached_note.hide()
        layout.addWidget(self.reattached_note)

        self.body = MarkdownView(self)
        self.plain = QLabel(self)  # user text is shown as typed, not as Markdown
        self.plain.setObjectName("userText")
        self.plain.setWordWrap(True)
        self.plain.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # wraps, never widens
        self.plain.setTextFormat(Qt.TextFormat.PlainText)
        self.plain.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.body)
        layout.addWidget(self.plain)
        self.editor = ComposerEdit(self)  # Enter sends, Shift+Enter breaks the line: as in the composer
        self.editor.setObjectName("messageEditor")
        self.editor.setTabChangesFocus(True)
        self.editor.submitted.connect(self._submit_edit)
        self.editor.hide()
        layout.addWidget(self.editor)
        self.edit_buttons = QHBoxLayout()
        self.save_edit = QPushButton(self)
        self.save_edit.setObjectName("saveEdit")
        self.save_edit.clicked.connect(self._submit_edit)
        self.cancel_edit = QPushButton(self)
        self.cancel_edit.clicked.connect(self.end_edit)
        self.edit_buttons.addStretch(1)
        self.edit_buttons.addWidget(self.cancel_edit)
        self.edit_buttons.addWidget(self.save_edit)
        layout.addLayout(self.edit_buttons)

        self.badge = QLabel(self)
        self.badge.setObjectName("jsonBadge")
        self.badge.hide()
        layout.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignLeft)

        footer = QHBoxLayout()
        footer.setSpacing(2)
        self.previous_branch = self._tool("previousBranch", "‹", lambda: self._go_branch(-1))
        self.branch_label = QLabel(self)
        self.branch_label.setObjectName("branchLabel")
        self.next_branch = self._tool("nextBranch", "›", lambda: self._go_branch(+1))
        for w in (self.previous_branch, self.branch_label, self.next_branch):
            footer.addWidget(w)
        self.copy_button = self._tool("copyMessage", "", self.copy)
        self.edit_button = self._tool("editMessage", "", self.begin_edit)
        self.regenerate_button = self._tool("regenerate", "",
                                            lambda: self.regenerate_requested.emit(self.message.id))
        self.thumb_up = self._tool("thumbUp", "👍", lambda: self._rate(1), checkable=True)
        self.thumb_down = self._tool("thumbDown", "👎", lambda: self._rate(-1), checkable=True)
        for w in (self.copy_button, self.edit_button, self.regenerate_button, self.thumb_up, self.thumb_down):
            footer.addWidget(w)
        footer.addStretch(1)
        self.stats = ElidedLabel(self)  # cut with "…" in a narrow window, whole in its tooltip
        self.stats.setObjectName("messageStats")
        self.stats.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        footer.addWidget(self.stats, 4)
        layout.addLayout(footer)

        self.show_message(message)
        self.set_siblings(self.siblings)
        self.end_edit()
        self.retranslate()

    def _tool(self, name: str, text: str, slot, checkable: bool = False) -> QToolButton:
        button = QToolButton(self)
        button.setObjectName(name)
        button.setText(text)
        button.setAutoRaise(True)
        button.setCheckable(checkable)
        button.clicked.connect(slot)
        return button

    # -- content ---------------------------------------------------------------------------------

    @property
    def is_user(self) -> bool:
        return self.message.role == "user"

    def show_message(self, message: Any) -> None:
        """Show a stored message (finished, cut off, or just begun)."""
        self.message = message
        self.plain.setVisible(self.is_user)
        self.body.setVisible(not self.is_user)
        if self.is_user:
            self.plain.setText(message.content)
        else:
            self.show_answer(message.content, final=not message.streaming)
        self.thumb_up.setChecked(message.rating == 1)
        self.thumb_down.setChecked(message.rating == -1)
        self.edit_button.setVisible(self.is_user)
        self.regenerate_button.setVisible(not self.is_user)
        self.thumb_up.setVisible(not self.is_user)
        self.thumb_down.setVisible(not self.is_user)
        self._show_stats()

    def show_answer(self, text: str, final: bool) -> None:
        """Render answer text; while streaming (final=False) only the growing tail is re-rendered."""
        constrained = bool(getattr(self.message, "constraint", None))
        if final and constrained:
            pretty = pretty_json(text)
            if pretty is not None:
                self.body.set_markdown(f"```json\n{pretty}\n```", final=True)
                self._show_badge()
                return
        self.body.set_markdown(text, final=final)
        if final:
            self._show_badge()

    def append_stream(self, text: str) -> None:
        self.show_answer(text, final=False)

    def _show_badge(self) -> None:
        metrics = self.message.metrics or {}
        valid = metrics.get("json_valid")
        if not self.message.constraint or valid is None:
            self.badge.hide()
            return
        self.badge.setProperty("valid", bool(valid))
        if valid:
            self.badge.setText(self.tr("✓ Valid JSON"))
        else:
            error = metrics.get("json_error") or ""
            self.badge.setText(self.tr("✗ Invalid JSON") + (f": {error}" if error else ""))
        self.badge.style().unpolish(self.badge)
        self.badge.style().polish(self.badge)
        self.badge.show()

    def _show_stats(self) -> None:
        m = self.message.metrics or {}
        reason = self.message.finish_reason
        parts = []
        if "completion_tokens" in m:
            parts.append(self.tr("{n} tokens").format(n=m["completion_tokens"]))
        if m.get("decode_tok_s"):
            parts.append(self.tr("{rate:.1f} tokens/s").format(rate=float(m["decode_tok_s"])))
        if m.get("ttft_s") is not None:
            parts.append(self.tr("{s:.2f} s to first token").format(s=float(m["ttft_s"])))
        notes = {"cancelled": self.tr("stopped"), "length": self.tr("cut at the token limit"),
                 "error": self.tr("interrupted")}
        if reason in notes:
            parts.append(notes[reason])
        if m.get("wrapped_up"):  # JSON mode closed the answer early rather than let the limit cut it
            parts.append(self.tr("wrapped up before the token limit"))
        self.stats.set_full_text(" · ".join(parts))
        self.stats.setVisible(not self.is_user and bool(parts))

    def set_reattached(self, reattached: bool, parts: bool = False) -> None:
        """Whether salvage re-attached this message after the damage took its earlier message, and
        whether its ‹ › moves between the parts of a conversation that damage split (`parts`: a
        sibling starts a part) rather than between alternatives: then it says "part 2/2"."""
        self.reattached_note.setVisible(reattached)
        self.parts = parts
        self._show_branch()

    # -- branches --------------------------------------------------------------------------------

    def set_siblings(self, siblings: list[int]) -> None:
        """The ids of this message and its alternatives (edits or regenerations), oldest first."""
        self.siblings = siblings or [self.message.id]
        self._show_branch()

    def _show_branch(self) -> None:
        many = len(self.siblings) > 1
        index = self.siblings.index(self.message.id) if self.message.id in self.siblings else 0
        place = f"{index + 1}/{len(self.siblings)}"
        self.branch_label.setText(self.tr("part {place}").format(place=place) if self.parts else place)
        tips = ((self.tr("Earlier part: the messages between the parts were lost to damage"),
                 self.tr("Later part: the messages between the parts were lost to damage")) if self.parts
                else (self.tr("Previous branch"), self.tr("Next branch")))
        for button, tip in zip((self.previous_branch, self.next_branch), tips):
            button.setToolTip(tip)
            button.setAccessibleName(tip)
        for w in (self.previous_branch, self.branch_label, self.next_branch):
            w.setVisible(many)
        self.previous_branch.setEnabled(index > 0)
        self.next_branch.setEnabled(index < len(self.siblings) - 1)

    def _go_branch(self, step: int) -> None:
        index = self.siblings.index(self.message.id) + step
        if 0 <= index < len(self.siblings):
            self.branch_requested.emit(self.siblings[index])

    # -- actions ---------------------------------------------------------------------------------

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.message.content)

    def begin_edit(self) -> None:
        self.editor.setPlainText(self.message.content)
        for w in (self.editor, self.save_edit, self.cancel_edit):
            w.show()
        self.plain.hide()
        self.editor.moveCursor(QTextCursor.MoveOperation.End)
        self.editor.setFocus()
        self.edit_started.emit(self)

    def end_edit(self) -> None:
        for w in (self.editor, self.save_edit, self.cancel_edit):
            w.hide()
        self.plain.setVisible(self.is_user)

    def _submit_edit(self) -> None:
        text = self.editor.toPlainText().strip()
        if text:
            self.end_edit()
            self.edit_submitted.emit(self.message.id, text)

    def _rate(self, value: int) -> None:
        current = self.message.rating
        new = None if current == value else value
        self.message.rating = new
        self.thumb_up.setChecked(new == 1)
        self.thumb_down.setChecked(new == -1)
        self.rated.emit(self.message.id, new)

    def _context_menu(self, pos) -> None:
        menu = QMenu(self)
        menu.addAction(self.tr("Copy"), self.copy)
        if self.is_user:
            menu.addAction(self.tr("Edit"), self.begin_edit)
        else:
            menu.addAction(self.tr("Regenerate"), lambda: self.regenerate_requested.emit(self.message.id))
        menu.addSeparator()
        feedback = QAction(self.tr("Send feedback…"), menu)
        feedback.triggered.connect(lambda: self.feedback_requested.emit(self.message.id))
        menu.addAction(feedback)
        menu.exec(self.mapToGlobal(pos))

    # -- language --------------------------------------------------------------------------------

    def retranslate(self) -> None:
        if self.is_user:
            self.author.setText(self.tr("You"))
        else:
            model = getattr(self.message, "model_file", None)
            self.author.setText(Path(model).stem if model else self.tr("Assistant"))
        tips = {
            self.copy_button: (self.tr("Copy"), self.tr("Copy message")),
            self.edit_button: (self.tr("Edit"), self.tr("Edit and resend as a new branch")),
            self.regenerate_button: (self.tr("Regenerate"), self.tr("Answer again as a new branch")),
            self.thumb_up: (None, self.tr("Good answer")),
            self.thumb_down: (None, self.tr("Bad answer: tell us what went wrong")),
        }
        for button, (text, tip) in tips.items():
            if text is not None:
                button.setText(text)
            button.setToolTip(tip)
            button.setAccessibleName(tip)
        self.editor.setAccessibleName(self.tr("Edit message"))
        self.editor.setPlaceholderText(self.tr("Enter sends, Shift+Enter new line"))
        self.save_edit.setToolTip(self.tr("Send the edited question as a new branch (Enter)"))
        self.save_edit.setText(self.tr("Save and send"))
        self.cancel_edit.setText(self.tr("Cancel"))
        self.reattached_note.setText(self.tr("Recovered: its earlier message was lost"))
        self.reattached_note.setToolTip(self.tr(
            "This message came back when a damaged conversation file was salvaged; the message "
            "before it could not be read, so it now starts the conversation."))
        self._show_branch()
        self._show_stats()
        if self.badge.isVisible():
            self._show_badge()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
