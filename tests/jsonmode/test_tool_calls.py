"""The tool-call grammar: calls always parse and their arguments fit the function they name."""
from __future__ import annotations

import json

import pytest

from desktop.errors import HearthError
from desktop.jsonmode.constraint import Constraint
from desktop.jsonmode.prompt import hint_for
from desktop.jsonmode.tool_calls import ToolCall, ToolSpec, parse_tool_calls, tool_constraint
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
    ("auto", False, '{"name": "add", "arguments": {"a": 1, "b": 2}}', True),  # a bare call object
    ("auto", False, 'Here:\n\n{"name": "add", "arguments": {"a": 1, "b": 2}}', True),
    ("auto", False, '{"name": "add", "arguments": {"a": 1}}', False),     # forced once opened
    ("auto", False, '{"name": "add", "arguments": {"a": 1, "b": 2}} ok', False),
    ("auto", False, 'a {"name": "x"} b', False),                           # no call: not in text
    # the way Qwen2.5-Coder-0.5B writes a call most often: pretty-printed, in a Markdown block
    ("auto", False, '```json\n{\n  "name": "add", "arguments": {"a": 1, "b": 2}}', True),
    ("auto", False, '```json\n{\n  "name":"add", "arguments": {"a": 1, "b": 2}}', True),
    ("auto", False, '```json\n{\n  "name": "add",\n  "arguments": {"a": 1, "b": 2}}', False),  # forced layout
    ("auto", False, 'x {\n  "name": "add"} y', False),                     # not in text in any layout
    ("required", False, '{"name": "add", "arguments": {"a": 1, "b": 2}}', False),  # tags needed
])
@pytest.mark.parametrize("tags_are_tokens", [False, True])
def test_the_grammar_accepts_exactly_well_formed_calls(mode, parallel, text, accepted, tags_are_tokens) -> None:
    ok, _ = check_answer(text, tool_constraint([WEATHER, ADD], mode, parallel, tags_are_tokens))
    assert ok is accepted


def test_tags_as_special_tokens_are_named_as_tokens_in_the_grammar() -> None:
    """Qwen2.5 writes `<tool_call>` as one special token: the grammar must name that token, or the
    matcher rejects the very token the model was trained to open a call with."""
    tokens = tool_constraint([WEATHER], "auto", True, tags_are_tokens=True)
    assert tokens.special_tokens == ["<tool_call>", "</tool_call>"]
    assert ' <tool_call> "\\n" body' in tokens.grammar and '"<tool_call>' not in tokens.grammar
    text = tool_constraint([WEATHER], "auto", True)
    assert text.special_tokens == [] and '"<tool_call>"' in text.grammar


def test_a_parameters_schema_that_cannot_be_enforced_is_refused_naming_the_feature() -> None:
    bad = ToolSpec("f", {"type": "object", "properties": {"tags": {"type": "array", "uniqueItems": True}}})
    with pytest.raises(HearthError, match="'uniqueItems' at #/properties/tags"):
        tool_constraint([bad], "required", False)


@pytest.mark.parametrize("answer, content", [
    ('```json\n{\n  "name": "add", "arguments": {"a": 1, "b": 2}}', ""),
    ('Sure.\n```\n{ "name":"add", "arguments": {"a": 1, "b": 2}}', "Sure.\n"),
    ('Sure: {"name": "add", "arguments": {"a": 1, "b": 2}}', "Sure: "),
])
def test_a_bare_call_in_any_layout_is_read_back_without_the_code_block_it_opened(answer, content) -> None:
    assert parse_tool_calls(answer) == (content, [ToolCall("add", '{"a": 1, "b": 2}')])


def test_calls_are_read_back_with_the_text_before_them() -> None:
    content, calls = parse_tool_calls(f"Checking. {PARIS}\n{SUM}")
    assert content == "Checking. "
    assert [(c.name, json.loads(c.arguments)) for c in calls] == [
        ("get_weather", {"city": "Paris"}), ("add", {"a": 1, "b": 2.5})]
    assert parse_tool_calls("plain text") == ("plain text", [])
    bare = parse_tool_calls('Sure.\n{"name": "add", "arguments": {"a": 1, "b": {"c": "}"}}}')
    assert bare == ("Sure.\n", [ToolCall("add", '{"a": 1, "b": {"c": "}"}}')])


PERSON = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"],
          "additionalProperties": False}


@pytest.mark.parametrize("text, accepted", [
    ('{"name": "Ada"}', True),                        # the format's JSON, laid out freely
    ('{\n  "name": "Ada"\n}', True),
    (PARIS, True),                                     # or a call
    (f"{PARIS}\n{SUM}", True),
    ('{"name": "Ada", "age": 3}', False),              # the format is the schema, exactly
    ("It is sunny.", False),                           # no prose outside the format
    (f"Let me check. {PARIS}", False),
    ('{"name": "add", "arguments": {"a": 1, "b": 2}}', False),  # a call needs its tag here
])
@pytest.mark.parametrize("tags_are_tokens", [False, True])
def test_with_an_answer_format_the_answer_is_a_call_or_that_format(text, accepted, tags_are_tokens) -> None:
    fmt = Constraint("json_schema", schema=PERSON)
    union = tool_constraint([WEATHER, ADD], "auto", True, tags_are_tokens, answer_format=fmt)
    assert check_answer(text, union)[0] is accepted
    assert union.show_schema and json.dumps(PERSON) in hint_for(union)  # the model reads the format


def test_an_answer_in_the_format_is_never_read_as_a_bare_call() -> None:
    text = '{"name": "get_weather", "arguments": {"city": "Paris"}}'
    assert parse_tool_calls(text, bare_calls=False) == (text, [])
    assert parse_tool_calls(f"{PARIS}", bare_calls=False)[1] == [ToolCall("get_weather", '{"city": "Paris"}')]
