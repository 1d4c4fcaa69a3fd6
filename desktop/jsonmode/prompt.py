"""Telling the model what shape to answer in.

The mask guarantees the shape, but a small model that cannot see the schema has to guess field
names and meanings from the mask alone, token by token; with the schema in the system message it
fills the fields it was asked for. `Constraint.show_schema=False` opts out (e.g. when the prompt
already describes the format).
"""
from __future__ import annotations

import json

from desktop.jsonmode.constraint import Constraint

HINTS = {
    "json": "Answer with JSON only: no prose, no code fences.",
    "json_object": "Answer with a single JSON object only: no prose, no code fences.",
    "json_schema": "Answer with a single JSON value only (no prose, no code fences) that matches this JSON Schema:",
    "grammar": "Answer only in the format defined by this grammar (GBNF):",
    "lark": "Answer only in the format defined by this grammar (Lark):",
}


def hint_for(constraint: Constraint) -> str:
    """The instruction added to the system message for `constraint`."""
    if constraint.hint:
        return constraint.hint
    hint = HINTS[constraint.kind]
    if constraint.kind == "json_schema" and constraint.schema is not None:
        return f"{hint}\n{json.dumps(constraint.schema, ensure_ascii=False)}"
    if constraint.kind in ("grammar", "lark") and constraint.grammar:
        return f"{hint}\n{constraint.grammar.strip()}"
    return hint


def with_schema_hint(messages: list[dict], constraint: Constraint) -> list[dict]:
    """A new message list with the hint appended to the system message (one is created at the
    front if there is none); the input list and its dicts are left unchanged."""
    out = [dict(m) for m in messages]
    if not constraint.show_schema:
        return out
    hint = hint_for(constraint)
    if out and out[0].get("role") == "system":
        existing = str(out[0].get("content") or "").rstrip()
        out[0]["content"] = f"{existing}\n\n{hint}" if existing else hint
    else:
        out.insert(0, {"role": "system", "content": hint})
    return out
