"""OpenAI response_format -> Constraint, for the API server."""
from __future__ import annotations

import pytest

from desktop.jsonmode.constraint import Constraint
from desktop.errors import HearthError
from desktop.jsonmode import constraint_from_response_format


def test_openai_shapes() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    assert constraint_from_response_format(None) is None
    assert constraint_from_response_format({"type": "text"}) is None
    assert constraint_from_response_format({"type": "json_object"}) == Constraint("json_object")
    rf = {"type": "json_schema", "json_schema": {"name": "thing", "schema": schema, "strict": True}}
    assert constraint_from_response_format(rf) == Constraint("json_schema", schema=schema)


@pytest.mark.parametrize("rf, message", [
    ({"type": "yaml"}, "unsupported response_format type 'yaml'"),
    ({"type": "json_schema"}, "must be an object with a 'schema' field"),
    ({"type": "json_schema", "json_schema": {"schema": []}}, "must be a JSON Schema object"),
    ("json", "response_format must be an object"),
])
def test_bad_response_format_is_one_line(rf: object, message: str) -> None:
    with pytest.raises(HearthError, match=message):
        constraint_from_response_format(rf)  # type: ignore[arg-type]
