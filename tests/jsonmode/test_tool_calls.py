"""The tool-call grammar: calls always parse and their arguments fit the function they name."""
from __future__ import annotations

import json

import pytest

from desktop.errors import HearthError
from desktop.jsonmode.tool_calls import ToolSpec, parse_tool_calls, tool_constraint
from desktop.jsonmode.validate import check_answer

WEATHER = ToolSpec("get_weather", {"type": "object", "properties": {"city": {"type": "string"}},
                                   "required": ["city"], "additionalProperties": False})
ADD = ToolSpec("add", {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
                       "required": ["a", "b"], "additionalProperties": False})


def call(name: str, arguments: dict) -> str:
    return f'<tool_call>\n{{"name": "{name}", "arguments": {json.dumps(arguments)}}}\n</tool_call>'


PARIS = call("get_weather", {"city": "Paris"})
SUM = call("add", {"a": 1, "b": 2.5})


@pytest.mark.parametrize("mode, parallel, text, accepted", [
    ("required", False, PARIS, True),
    ("required", False, SUM, True),
    ("required", False, "It is sunny.", False),                           # a call is required
    ("required", False, f"{PARIS}\n{SUM}", False),                        # one call only
    ("required", True, f"{PARIS}\n{SUM}", True),
    ("required", False, call("add", {"a": 1}), False),                    # b is required
    ("required", False, call("get_weather", {"city": 3}), False),         # wrong type
    ("required", False, call("delete_all", {}), False),                   # unknown function
    ("auto", False, "It is sunny.", True),
    ("auto", False, "", True),
    ("auto", False, PARIS, True),
    ("auto", False, f"Let me check. {PARIS}", True),
    ("auto", False, f"Let me check. {PARIS} done", False),                # nothing after a call
    ("auto", False, "broken <tool_call> then prose", False),              # once opened, forced
])
def test_the_grammar_accepts_exactly_well_formed_calls(mode, parallel, text, accepted) -> None:
    ok, _ = check_answer(text, tool_constraint([WEATHER, ADD], mode, parallel))
    assert ok is accepted


def test_a_parameters_schema_that_cannot_be_enforced_is_refused_naming_the_feature() -> None:
    bad = ToolSpec("f", {"type": "object", "properties": {"tags": {"type": "array", "uniqueItems": True}}})
    with pytest.raises(HearthError, match="'uniqueItems' at #/properties/tags"):
        tool_constraint([bad], "required", False)


def test_calls_are_read_back_with_the_text_before_them() -> None:
    content, calls = parse_tool_calls(f"Checking. {PARIS}\n{SUM}")
    assert content == "Checking. "
    assert [(c.name, json.loads(c.arguments)) for c in calls] == [
        ("get_weather", {"city": "Paris"}), ("add", {"a": 1, "b": 2.5})]
    assert parse_tool_calls("plain text") == ("plain text", [])
