"""GBNF grammars (llama.cpp's format) turned into llguidance's Lark dialect, with errors that point
at a line and column of the user's file.

llguidance ships the converter; this module adds the position reporting: its parser knows the
offset of a syntax error, and a reference to an undefined rule is located here by name.
"""
from __future__ import annotations

import re

from llguidance.gbnf_to_lark import GbnfToLarkError, any_to_lark, is_lark_syntax

from desktop.errors import HearthError


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def to_lark(text: str) -> str:
    """The grammar in Lark syntax (GBNF is converted, Lark passes through); HearthError on a
    syntax error, naming its line and column."""
    if not text.strip():
        raise HearthError("grammar is empty: write at least a `root ::= ...` rule")
    if is_lark_syntax(text):
        return text
    try:
        return any_to_lark(text)
    except GbnfToLarkError as exc:
        line, col = line_col(text, exc.pos.pos)
        message = str(exc).split(" at line ")[0]
        raise HearthError(f"grammar syntax error at line {line}, column {col}: {message}") from None
    except Exception as exc:  # noqa: BLE001 - the converter's rule-resolution errors carry no position
        raise HearthError(_locate_rule_error(text, str(exc))) from None


def _locate_rule_error(text: str, message: str) -> str:
    missing = re.match(r"Rule '([^']+)' not found", message)
    if missing:
        for match in re.finditer(rf"(?<![\w-]){re.escape(missing.group(1))}(?![\w-])", text):
            if not re.match(r"\s*::=", text[match.end():]):
                line, col = line_col(text, match.start())
                return (f"grammar error at line {line}, column {col}: "
                        f"rule '{missing.group(1)}' is used but never defined")
    if "No 'root' rule" in message:
        return "grammar error at line 1, column 1: no `root ::= ...` rule (generation starts at root)"
    return f"grammar error: {message}"
