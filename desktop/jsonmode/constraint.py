"""What shape an answer must take: the constraint language's one record.

It lives with the constraint language rather than the engine so that compiling, validating and
hinting a constraint never depend on the engine; the engine (and every caller of it) imports it
from here. A dataclass of builtins: it pickles to the worker and serialises for the store.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

ConstraintKind = Literal["json", "json_object", "json_schema", "grammar", "lark"]


@dataclass
class Constraint:
    """Constrained decoding: any JSON value, a JSON object, a JSON Schema, a GBNF grammar, or a
    grammar in llguidance's Lark syntax (built by Hearth itself, e.g. for tool calls).

    `show_schema` puts the schema into the prompt too: small models follow a schema far better
    when they can read it, and the grammar alone cannot tell them what the fields mean."""

    kind: ConstraintKind
    schema: dict[str, Any] | None = None
    grammar: str | None = None
    show_schema: bool = True
    runaway_guard: bool = True  # JSON kinds: keep numbers, repeated items and strings from looping
    # Lark kind: special tokens the grammar names as `<name>` (Qwen2.5's `<tool_call>`), so that an
    # answer, where each is written as its name, can be checked without the model's vocabulary.
    special_tokens: list[str] = field(default_factory=list)
    # The instruction shown instead of the grammar itself when `show_schema` (a tool-call grammar
    # whose answers without calls follow a response_format: that format's own hint).
    hint: str | None = None
    # Lark kind made by `tool_calls.tool_constraint`: what it allows, in OpenAI's terms ({"mode":
    # "auto"|"required", "names": [...], "parallel": bool}), for an engine that asks a server instead.
    tool_use: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Constraint":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)
