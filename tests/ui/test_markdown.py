"""Markdown rendering: blocks, rich text, highlighted code with a Copy button, incremental updates."""
from PySide6.QtGui import QGuiApplication

from desktop.ui.conversation.blocks import CodeBlock, MarkdownView, TextBlock
from desktop.ui.conversation.markdown import code_html, split_blocks, text_html

ANSWER = """# Plan

Some **bold** text with `inline code` and a [link](https://example.org).

| a | b |
|---|---|
| 1 | 2 |

1. first
2. second

```python
def hello():
    return "hi"
```

Done.
"""


def test_split_blocks_separates_code_from_text():
    blocks = split_blocks(ANSWER)
    assert [b.kind for b in blocks] == ["text", "text", "text", "text", "code", "text"]
    assert blocks[4].language == "python"
    assert blocks[4].source.startswith("def hello")


def test_text_html_renders_markdown_elements():
    html = "".join(text_html(b.source) for b in split_blocks(ANSWER) if b.kind == "text")
    for fragment in ("<h1>Plan</h1>", "<strong>bold</strong>", '<a href="https://example.org">link</a>',
                     "<table", "<td>1</td>", "<ol>", "<li>first</li>", "<code "):
        assert fragment in html


def test_raw_html_in_answers_is_escaped():
    assert "<script>" not in text_html("<script>alert(1)</script>")


def test_code_is_highlighted_with_inline_colours():
    html = code_html('def f():\n    return "x"\n', "python")
    assert html.startswith("<pre") and 'style="color' in html
    assert "return" in html


def test_unknown_language_falls_back_to_plain_text():
    assert "foo" in code_html("foo bar", "no-such-language")


def test_streaming_render_matches_full_render(qtbot):
    streamed, full = MarkdownView(), MarkdownView()
    qtbot.addWidget(streamed)
    qtbot.addWidget(full)
    for end in range(1, len(ANSWER) + 1, 7):
        streamed.set_markdown(ANSWER[:end], final=False)
    streamed.set_markdown(ANSWER, final=True)
    full.set_markdown(ANSWER, final=True)

    def shown(view):
        return [(type(w).__name__, w.source if isinstance(w, TextBlock) else w.code) for w in view.block_widgets()]

    assert shown(streamed) == shown(full)


def test_streaming_keeps_finished_blocks(qtbot):
    view = MarkdownView()
    qtbot.addWidget(view)
    view.set_markdown("First paragraph.\n\nSecond", final=False)
    first = view.block_widgets()[0]
    view.set_markdown("First paragraph.\n\nSecond paragraph grows.", final=False)
    assert view.block_widgets()[0] is first  # not re-created
    assert len(view.block_widgets()) == 2


def test_copy_button_puts_code_on_the_clipboard(qtbot):
    view = MarkdownView()
    qtbot.addWidget(view)
    view.set_markdown("```sh\necho hi\n```\n")
    code = next(w for w in view.block_widgets() if isinstance(w, CodeBlock))
    code.copy_button.click()
    assert QGuiApplication.clipboard().text() == "echo hi"
    assert code.copy_button.text() == "Copied"


def test_code_is_recoloured_when_the_theme_changes(qtbot):
    from PySide6.QtWidgets import QApplication

    from desktop.ui.theme import apply_theme

    app = QApplication.instance()
    apply_theme(app, "light", 11)
    try:
        view = MarkdownView()
        qtbot.addWidget(view)
        view.set_markdown("```python\nx = 1\n```\n")
        code = view.block_widgets()[0]
        light = code.body.toHtml()
        apply_theme(app, "dark", 11)
        qtbot.waitUntil(lambda: code.scheme == "dark")
        assert code.body.toHtml() != light
    finally:
        apply_theme(app, "light", 11)


def test_code_follows_the_font_size(qtbot):
    from PySide6.QtWidgets import QApplication

    from desktop.ui.theme import apply_theme

    app = QApplication.instance()
    view = MarkdownView()
    qtbot.addWidget(view)
    view.set_markdown("```\ncode\n```\n")
    code = view.block_widgets()[0]
    try:
        apply_theme(app, "light", 16)
        qtbot.waitUntil(lambda: code.body.font().pointSize() == 16)
        first = code.body.document().firstBlock().begin().fragment()
        assert "monospace" in first.charFormat().fontFamilies()
    finally:
        apply_theme(app, "light", 11)
