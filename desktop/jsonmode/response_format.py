"""OpenAI's `response_format` request field, mapped onto a Hearth `Constraint`.

The API server accepts the same shapes OpenAI's clients send, so existing client code gets
Hearth's constrained decoding without changes.
"""
from __future__ import annotations

from typing import Any

from desktop.jsonmode.constraint import Constraint
from desktop.errors import HearthError


def constraint_from_response_format(rf: dict[str, Any] | None, *, show_schema: bool = True) -> Constraint | None:
    """`{"type": "text"}` (or no field) -> None; `{"type": "json_object"}` -> a JSON object;
    `{"type": "json_schema", "json_schema": {"name", "schema", "strict"}}` -> that schema.

    The schema is enforced whether or not `strict` is set: a schema the engine cannot enforce is
    an error from `desktop.jsonmode.compile.check`, never a quietly unconstrained answer."""
    if rf is None:
        return None
    if not isinstance(rf, dict):
        raise HearthError("response_format must be an object such as {\"type\": \"json_object\"}")
    kind = rf.get("type")
    if kind in (None, "text"):
        return None
    if kind == "json_object":
        return Constraint(kind="json_object", show_schema=show_schema)
    if kind == "json_schema":
        spec = rf.get("json_schema")
        if not isinstance(spec, dict):
            raise HearthError("response_format.json_schema must be an object with a 'schema' field")
        schema = spec.get("schema", {})
        if not isinstance(schema, dict):
            raise HearthError("response_format.json_schema.schema must be a JSON Schema object")
        return Constraint(kind="json_schema", schema=schema, show_schema=show_schema)
    raise HearthError(
        f"unsupported response_format type {kind!r}: use 'text', 'json_object' or 'json_schema'")
