"""Markdown to Qt rich text, cut into top-level blocks.

Why blocks: while an answer streams only its last block can still change, so the view renders each
finished block once and re-renders only the growing tail (see `split_blocks`). Fenced and indented
code become their own blocks so they get syntax highlighting and a Copy button. Raw HTML in answers
is escaped, never interpreted.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

# Pygments styles that read well on the light and dark palettes of desktop.ui.theme.
CODE_STYLES = {"light": "friendly", "dark": "monokai"}
CODE_BACKGROUNDS = {"light": "#f3f4f6", "dark": "#16181c"}
INLINE_CODE_BACKGROUNDS = {"light": "#eceef1", "dark": "#30343b"}


@cache
def _markdown():
    """The parser, built on first use: importing markdown-it and Pygments is kept off start-up."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "typographer": False}).enable(["table", "strikethrough"])


@dataclass(frozen=True)
class Block:
    """One top-level piece of a message: Markdown text, or code with its language."""

    kind: Literal["text", "code"]
    source: str
    language: str = ""
    first_line: int = 0  # where the block starts in the text it was cut from


def split_blocks(text: str) -> list[Block]:
    """The top-level blocks of `text` in order; adjacent blank lines belong to no block."""
    lines = text.splitlines(keepends=True)
    blocks: list[Block] = []
    for token in _markdown().parse(text):
        if token.level != 0 or token.nesting < 0 or token.map is None:
            continue
        start, end = token.map
        if token.type == "fence":
            blocks.append(Block("code", token.content, token.info.strip().split(" ")[0], start))
        elif token.type == "code_block":
            blocks.append(Block("code", token.content, "", start))
        else:
            blocks.append(Block("text", "".join(lines[start:end]), "", start))
    return blocks


def text_html(source: str, scheme: str = "light") -> str:
    """Qt rich text for a Markdown text block (tables get borders, inline code a background)."""
    html = _markdown().render(source)
    background = INLINE_CODE_BACKGROUNDS.get(scheme, INLINE_CODE_BACKGROUNDS["light"])
    html = html.replace("<table>", '<table border="1" cellspacing="0" cellpadding="5" style="border-collapse:collapse">')
    html = html.replace("<code>", f'<code style="background-color:{background}">')
    return html.strip()


def code_html(code: str, language: str, scheme: str = "light") -> str:
    """Syntax-highlighted code as a <pre> with inline colours (Qt rich text has no CSS classes)."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import TextLexer, get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name(language) if language else TextLexer()
    except ClassNotFound:
        lexer = TextLexer()
    formatter = HtmlFormatter(nowrap=True, noclasses=True, style=CODE_STYLES.get(scheme, "friendly"))
    body = highlight(code.rstrip("\n"), lexer, formatter)
    return f'<pre style="margin:0">{body}</pre>'


WARM_LANGUAGES = ("python", "json", "bash", "javascript")


def warm() -> None:
    """Build the parser and the commonest lexers once, off the UI thread: Pygments compiles a
    lexer's regular expressions on first use, a tenth of a second or more each."""
    split_blocks("# warm\n\n*text*")
    for language in WARM_LANGUAGES:
        code_html("x = 1\n", language)
