"""minProperties / maxProperties beside optional properties: the compiled grammar counts exactly
what jsonschema counts, for every mix of present properties and extra keys."""
from __future__ import annotations

import itertools
import json

import jsonschema
import pytest

from desktop.jsonmode.constraint import Constraint
from desktop.errors import HearthError
from desktop.jsonmode.compile import grammar_for
from desktop.jsonmode.validate import matches

LISTED = ["a", "b", "c"]  # a and b optional, c required in every case below


def _objects(extra_keys: bool) -> list[dict]:
    """Every choice of a/b present (c always), plus zero to three extra keys after them
    (llguidance writes listed properties in schema order, then the others)."""
    out = []
    for present in itertools.product([False, True], repeat=2):
        base = {name: "x" for name, on in zip("ab", present) if on} | {"c": 1}
        for extra in range(4 if extra_keys else 1):
            out.append(base | {f"z{i}": i for i in range(extra)})
    return out


@pytest.mark.parametrize("low, high", [(1, None), (2, None), (3, None), (4, None), (None, 1), (None, 2),
                                       (2, 3), (3, 3), (1, 4), (4, 5)])
@pytest.mark.parametrize("more", [True, False], ids=["extra keys allowed", "additionalProperties false"])
def test_grammar_counts_properties_exactly_like_jsonschema(low: int | None, high: int | None, more: bool) -> None:
    schema: dict = {"type": "object", "required": ["c"],
                    "properties": {"a": {"type": "string"}, "b": {"type": "string"}, "c": {"type": "integer"}},
                    "additionalProperties": {"type": "integer"} if more else False}
    if low is not None:
        schema["minProperties"] = low
    if high is not None:
        schema["maxProperties"] = high
    validator = jsonschema.Draft202012Validator(schema)
    if not more and (low or 0) > len(LISTED):  # nothing can satisfy it: said, not generated
        with pytest.raises(HearthError, match="admits no value at all"):
            grammar_for(Constraint("json_schema", schema=schema))
        assert not any(validator.is_valid(value) for value in _objects(more))
        return
    grammar = grammar_for(Constraint("json_schema", schema=schema))
    for value in _objects(more):
        assert matches(grammar, json.dumps(value))[0] == validator.is_valid(value), value


def test_counts_beside_a_recursive_schema_stay_exact() -> None:
    # The shape of a real settings file: two optional keys, "say at least one".
    schema = {"type": "object", "minProperties": 1, "properties": {
        "twitter": {"type": "object", "properties": {"enabled": {"type": "boolean"}}, "required": ["enabled"]},
        "facebook": {"type": "object", "properties": {"enabled": {"type": "boolean"}}, "required": ["enabled"]}}}
    grammar = grammar_for(Constraint("json_schema", schema=schema))
    assert matches(grammar, '{"facebook": {"enabled": true}}') == (True, None)
    assert matches(grammar, '{"other": 1}') == (True, None)  # additional keys count too
    assert matches(grammar, '{}')[0] is False
