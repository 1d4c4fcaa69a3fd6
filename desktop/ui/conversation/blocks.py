"""Widgets that show Markdown: a label per text block, a highlighted code box per code block.

`MarkdownView.set_markdown` is incremental: blocks before the last one are final (Markdown cannot
change them any more) and keep their widgets; only the last block is re-rendered. That keeps the
cost of a streaming update proportional to the tail of the answer, not to its length.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QApplication, QFrame, QHBoxLayout, QLabel, QSizePolicy, QTextBrowser,
                               QToolButton, QVBoxLayout, QWidget)

from desktop.ui.conversation.markdown import CODE_BACKGROUNDS, Block, code_html, split_blocks, text_html


def current_scheme() -> str:
    """"light" or "dark", as desktop.ui.theme last applied it (light before any theme is applied)."""
    app = QApplication.instance()
    return (app.property("hearthScheme") if app is not None else None) or "light"


class TextBlock(QLabel):
    """A Markdown text block as selectable rich text with clickable links."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("markdownText")
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setWordWrap(True)
        self.setOpenExternalLinks(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        # Ignored width: the text wraps to the row's width; a long word never widens the message
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.source = ""
        self.scheme = ""

    def show_block(self, block: Block) -> None:
        if block.source != self.source or self.scheme != current_scheme():
            self.source, self.scheme = block.source, current_scheme()
            self.setText(text_html(block.source, self.scheme))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange and self.scheme and self.scheme != current_scheme():
            self.show_block(Block("text", self.source))  # the theme changed: inline code colours too
        super().changeEvent(event)


class CodeBlock(QFrame):
    """Fenced code: language, a Copy button, and highlighted text that scrolls sideways, not wraps."""

    copied = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("codeBlock")
        self.code = ""
        self.language = ""
        self.scheme = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        header = QHBoxLayout()
        header.setContentsMargins(10, 4, 4, 0)
        self.language_label = QLabel(self)
        self.language_label.setObjectName("codeLanguage")
        self.copy_button = QToolButton(self)
        self.copy_button.setObjectName("copyCode")
        self.copy_button.clicked.connect(self.copy)
        header.addWidget(self.language_label)
        header.addStretch(1)
        header.addWidget(self.copy_button)
        layout.addLayout(header)
        self.body = QTextBrowser(self)
        self.body.setObjectName("codeBody")
        self.body.setLineWrapMode(QTextBrowser.LineWrapMode.NoWrap)
        self.body.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.body.setFrameShape(QFrame.Shape.NoFrame)
        self.body.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.body.horizontalScrollBar().rangeChanged.connect(self._fit_height)  # a long line: room for the bar
        layout.addWidget(self.body)
        self._restore_timer = QTimer(self, singleShot=True, interval=1500)
        self._restore_timer.timeout.connect(self.retranslate)
        self.retranslate()

    def retranslate(self) -> None:
        self.copy_button.setText(self.tr("Copy"))
        self.copy_button.setAccessibleName(self.tr("Copy code"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        elif event.type() == QEvent.Type.PaletteChange and self.scheme and self.scheme != current_scheme():
            self.show_block(Block("code", self.code, self.language))  # the theme changed: recolour
        super().changeEvent(event)


    def show_block(self, block: Block) -> None:
        scheme = current_scheme()
        if block.source == self.code and block.language == self.language and scheme == self.scheme:
            return
        self.code, self.language, self.scheme = block.source, block.language, scheme
        self.language_label.setText(block.language or self.tr("code"))
        self.body.setStyleSheet(f"background-color:{CODE_BACKGROUNDS[scheme]};")
        self.body.setHtml(code_html(block.source, block.language, scheme))
        self._fit_height()

    def _fit_height(self, *_range: int) -> None:
        """As tall as the code, plus the sideways scroll bar when a line is wider than the box."""
        doc = self.body.document()
        doc.setDocumentMargin(8)
        height = int(doc.size().height()) + 2
        bar = self.body.horizontalScrollBar()
        if bar.maximum() > 0:
            height += bar.sizeHint().height()
        self.body.setFixedHeight(height)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_height()

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.code.rstrip("\n"))
        self.copy_button.setText(self.tr("Copied"))
        self._restore_timer.start()
        self.copied.emit(self.code)


class MarkdownView(QWidget):
    """A message body: one widget per top-level Markdown block, updated incrementally."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(6)
        self._final: list[QWidget] = []  # widgets of blocks that can no longer change
        self._final_lines = 0  # source lines those blocks consumed
        self._tail: list[QWidget] = []
        self.text = ""

    def set_markdown(self, text: str, final: bool = True) -> None:
        """Show `text`. With final=False (streaming) the last block is kept open for growth."""
        if text == self.text and not final:
            return
        if not text.startswith(self.text):
            self.clear()
        self.text = text
        lines = text.splitlines(keepends=True)
        offset = self._final_lines
        blocks = split_blocks("".join(lines[offset:]))
        for block in blocks if final else blocks[:-1]:
            self._final.append(self._widget_for(block, reuse=self._tail))
        if final:
            for leftover in self._tail:
                leftover.deleteLater()
            self._tail, self._final_lines = [], len(lines)
        elif blocks:
            self._final_lines = offset + blocks[-1].first_line
            self._tail = [self._widget_for(blocks[-1], reuse=self._tail)]

    def _widget_for(self, block: Block, reuse: list[QWidget]) -> QWidget:
        """A widget showing `block`: the open tail widget when its kind fits, else a new one."""
        kind = CodeBlock if block.kind == "code" else TextBlock
        if reuse and isinstance(reuse[0], kind):
            widget = reuse.pop(0)
        else:
            for old in reuse:
                old.deleteLater()
            reuse.clear()
            widget = kind(self)
            self._layout.addWidget(widget)
        widget.show_block(block)
        return widget

    def clear(self) -> None:
        for widget in self._final + self._tail:
            widget.deleteLater()
        self._final, self._tail, self._final_lines, self.text = [], [], 0, ""

    def block_widgets(self) -> list[QWidget]:
        return self._final + self._tail
