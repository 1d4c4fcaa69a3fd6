"""Streaming tool calls: however the text is cut into pieces, the deltas assemble into the calls."""
from __future__ import annotations

import json

import pytest

from desktop.api.tool_stream import ToolCallStream

ANSWER = ('Let me look. <tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris}"}}\n</tool_call>\n'
          '<tool_call>\n{"name": "add", "arguments": {"a": 1, "b": {"c": [2]}}}\n</tool_call>')


def assemble(deltas: list[dict]) -> tuple[str, list[dict]]:
    """What the official openai client does with the deltas."""
    content, calls = "", []
    for delta in deltas:
        content += delta.get("content") or ""
        for part in delta.get("tool_calls", []):
            if part["index"] == len(calls):
                calls.append({"id": part["id"], "name": part["function"]["name"], "arguments": ""})
            calls[part["index"]]["arguments"] += part["function"]["arguments"]
    return content, calls


def fed_in_pieces(stream: ToolCallStream, answer: str, size: int) -> list[dict]:
    """Every delta `stream` makes of `answer` arriving `size` characters at a time, then flushed."""
    deltas = []
    for at in range(0, len(answer), size):
        deltas += stream.feed(answer[at:at + size])
    return deltas + stream.flush()


@pytest.mark.parametrize("size", [1, 2, 3, 7, 1000])
def test_pieces_of_any_size_assemble_into_the_calls(size: int) -> None:
    stream = ToolCallStream()
    content, calls = assemble(fed_in_pieces(stream, ANSWER, size))
    assert content == "Let me look. "
    assert [(c["name"], json.loads(c["arguments"])) for c in calls] == [
        ("get_weather", {"city": "Paris}"}), ("add", {"a": 1, "b": {"c": [2]}})]
    assert calls[0]["id"].startswith("call_") and calls[0]["id"] != calls[1]["id"]
    assert stream.calls == 2


@pytest.mark.parametrize("size", [1, 2, 5, 1000])
def test_a_bare_call_object_streams_as_one_call(size: int) -> None:
    answer = 'Here it is:\n{"name": "add", "arguments": {"a": 1, "b": {"c": "}"}}}'
    content, calls = assemble(fed_in_pieces(ToolCallStream(), answer, size))
    assert content == "Here it is:\n"
    assert [(c["name"], json.loads(c["arguments"])) for c in calls] == [("add", {"a": 1, "b": {"c": "}"}})]


@pytest.mark.parametrize("size", [1, 2, 5, 1000])
def test_a_pretty_printed_bare_call_in_a_code_block_streams_as_the_call_alone(size: int) -> None:
    answer = 'Sure.\n```json\n{\n  "name": "add", "arguments": {"a": 1, "b": 2}}'
    content, calls = assemble(fed_in_pieces(ToolCallStream(), answer, size))
    assert content == "Sure.\n"
    assert [(c["name"], json.loads(c["arguments"])) for c in calls] == [("add", {"a": 1, "b": 2})]


@pytest.mark.parametrize("size", [1, 3, 1000])
def test_a_code_block_that_holds_no_call_streams_as_content(size: int) -> None:
    answer = 'Run:\n```json\n{\n  "names": ["a"]\n}\n```\ndone `x`'
    assert assemble(fed_in_pieces(ToolCallStream(), answer, size)) == (answer, [])


def test_text_that_only_looks_like_a_tag_is_sent_in_the_end() -> None:
    stream = ToolCallStream()
    deltas = stream.feed("a <tool_ca")
    deltas += stream.flush()
    assert assemble(deltas) == ("a <tool_ca", [])


def test_an_answer_format_streams_as_content_even_when_it_looks_like_a_bare_call() -> None:
    stream = ToolCallStream(bare_calls=False)
    text = '{"name": "get_weather", "arguments": {"city": "Paris"}}'
    deltas = [d for piece in text for d in stream.feed(piece)] + stream.flush()
    assert assemble(deltas) == (text, []) and stream.calls == 0
