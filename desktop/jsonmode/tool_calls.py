"""Tool calls as a constraint: the grammar that makes every call parse, and reading calls back.

Every chat format Hearth renders tools in (Qwen2.5's own template, and the built-in one for
templates without a tools branch) writes a call the same way:

    <tool_call>
    {"name": "get_weather", "arguments": {"city": "Paris"}}
    </tool_call>

so one grammar serves every family. Each function is one alternative - its name as a constant and
its parameters schema as a `%json` block - so the arguments always validate against the function
named. "required" allows calls only; "auto" allows plain text, or text followed by calls: once the
opening tag appears the rest is forced. The JSON inside is laid out exactly as `json.dumps`
writes it, which lets `parse_tool_calls` and the streaming reader cut it apart without guessing.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from desktop.jsonmode.compile import embeddable_schema
from desktop.jsonmode.constraint import Constraint

OPEN_TAG = "<tool_call>"
CLOSE_TAG = "</tool_call>"
CALL_START = f"{OPEN_TAG}\n"
CALL_END = f"}}\n{CLOSE_TAG}"
ARGUMENTS_KEY = '", "arguments": '

ToolMode = Literal["auto", "required"]


@dataclass(frozen=True)
class ToolSpec:
    """A function the model may call: its name and the JSON Schema of its arguments."""

    name: str
    parameters: Any


@dataclass(frozen=True)
class ToolCall:
    """A call read from an answer: the function's name and its arguments as JSON text."""

    name: str
    arguments: str


def call_prefix(name: str) -> str:
    """What a call to `name` looks like up to the start of its arguments."""
    return f'{{"name": {json.dumps(name, ensure_ascii=False)}, "arguments": '


def _lark_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def tool_constraint(tools: list[ToolSpec], mode: ToolMode, parallel: bool) -> Constraint:
    """The constraint for an answer to a request with `tools`; HearthError (naming the feature)
    when a parameters schema cannot be enforced. `parallel`: several calls in one answer."""
    bodies = [f"{_lark_string(call_prefix(t.name))} %json {embeddable_schema(t.parameters)} "
              f"{_lark_string(CALL_END)}" for t in tools]
    calls = f"{_lark_string(CALL_START)} body"
    if parallel:
        calls += f' ({_lark_string(chr(10) + CALL_START)} body)*'
    lines = [f"body: {' | '.join(bodies)}"]
    if mode == "required":
        lines.insert(0, f"start: {calls}")
    else:
        # Text with no opening tag in it, or such text ending in the tag and then the calls.
        no_tag = f"~/(.|\\n)*{re.escape(OPEN_TAG)}(.|\\n)*/"
        twice = f"~/(.|\\n)*{re.escape(OPEN_TAG)}(.|\\n)*{re.escape(OPEN_TAG)}(.|\\n)*/"
        rest = calls.removeprefix(f"{_lark_string(CALL_START)} ")
        lines.insert(0, f"start: TEXT | OPEN {rest}")
        lines += [f"TEXT: /(.|\\n)*/ & {no_tag}", f"OPEN: /(.|\\n)*{re.escape(OPEN_TAG)}\\n/ & {twice}"]
    return Constraint(kind="lark", grammar="\n".join(lines) + "\n", show_schema=False)


def parse_tool_calls(text: str) -> tuple[str, list[ToolCall]]:
    """(text before the first call, the calls) of an answer made under `tool_constraint`."""
    at = text.find(CALL_START)
    if at == -1:
        return text, []
    content, calls = text[:at], []
    for block in text[at:].split(CALL_START)[1:]:
        body = block.strip().removesuffix(CLOSE_TAG).rstrip()
        name = json.loads(body)["name"]
        calls.append(ToolCall(name, body[len(call_prefix(name)):-1]))
    return content, calls
