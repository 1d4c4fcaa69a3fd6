"""Tool calls as a constraint: the grammar that makes every call parse, and reading calls back.

Every chat format Hearth renders tools in (Qwen2.5's own template, and the built-in one for
templates without a tools branch) writes a call the same way:

    <tool_call>
    {"name": "get_weather", "arguments": {"city": "Paris"}}
    </tool_call>

so one grammar serves every family. Each function is one alternative - its name as a constant and
its parameters schema as a `%json` block - so the arguments always validate against the function
named. "required" allows calls only; "auto" allows plain text, or text followed by calls: once the
opening tag appears the rest is forced. In "auto" a bare call object (`{"name": ...` with no tag,
what small models such as Qwen2.5-0.5B write most often, laid out in any whitespace and usually
inside a Markdown ```json block) opens one call too, as llama.cpp's Hermes-format parser also
accepts. The JSON inside is laid out exactly as `json.dumps` writes it, which lets
`parse_tool_calls` and the streaming reader cut it apart without guessing.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from desktop.jsonmode.compile import embeddable_format, embeddable_schema
from desktop.jsonmode.constraint import Constraint
from desktop.jsonmode.prompt import hint_for

OPEN_TAG = "<tool_call>"
CLOSE_TAG = "</tool_call>"
TOOL_TAGS = (OPEN_TAG, CLOSE_TAG)
CALL_START = f"{OPEN_TAG}\n"
CALL_END = f"}}\n{CLOSE_TAG}"
ARGUMENTS_KEY = '", "arguments": '
BARE_START = '{"name": '  # how a call object starts, as the grammar lays it out
# A call's opening in "auto" without the tag: the object's first key, in whatever layout the
# model likes (`{\n  "name":` from a pretty-printed block as well as `{"name":`).
BARE_OPENING = r'\{\s*"name"\s*:'
_BARE_OPENING = re.compile(BARE_OPENING)
FENCE_OPENING = r"```[A-Za-z]*[ \t]*\n?"  # a Markdown code block's opening line, which a bare call may follow
_FENCE_OPENING = re.compile(FENCE_OPENING + "$")

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


def tool_constraint(tools: list[ToolSpec], mode: ToolMode, parallel: bool,
                    tags_are_tokens: bool = False, answer_format: Constraint | None = None) -> Constraint:
    """The constraint for an answer to a request with `tools`; HearthError (naming the feature)
    when a parameters schema cannot be enforced. `parallel`: several calls in one answer.
    `tags_are_tokens`: the model writes each tag as one special token (Qwen2.5's vocabulary), which
    the grammar must then name as that token - llguidance never lets a special token stand for
    the same text spelled in ordinary tokens. `answer_format` ("auto" only): a JSON-kind
    constraint (`response_format`) that an answer without calls must follow, as OpenAI's API
    does it - the model either calls (opened by the tag) or writes that JSON; no bare calls."""
    if tags_are_tokens:
        open_tag, close_tag = OPEN_TAG, CLOSE_TAG  # Lark's `<name>`: the special token itself
    else:
        open_tag, close_tag = _lark_string(OPEN_TAG), _lark_string(CLOSE_TAG)
    schemas = [embeddable_schema(t.parameters) for t in tools]
    use = {"mode": mode, "names": [t.name for t in tools], "parallel": parallel}
    tails = [f"{_lark_string(call_prefix(t.name).removeprefix(BARE_START))} %json {schema} "
             for t, schema in zip(tools, schemas)]
    newline = _lark_string("\n")
    rest = f"{newline} body" + (f" ({newline} {open_tag} {newline} body)*" if parallel else "")
    lines = [f"body: {_lark_string(BARE_START)} tail {_lark_string(CALL_END.removesuffix(CLOSE_TAG))} {close_tag}",
             f"tail: {' | '.join(tails)}"]
    if mode == "required":
        lines.insert(0, f"start: {open_tag} {rest}")
        return _lark(lines, tags_are_tokens, use)
    if answer_format is not None:
        lines.insert(0, f"start: %json {embeddable_format(answer_format)} | {open_tag} {rest}")
        return _lark(lines, tags_are_tokens, use, _format_hint(answer_format))
    # auto: plain text, or a call after some text - opened by the tag, or by a bare call object
    # (`{"name": ...`, which small models often write instead of the tag). Either way the rest is
    # forced. Text never holds a trigger, so calls are found without guessing; a trigger and the
    # text before it are one lexeme because the lexer never takes back what a greedy TEXT has read.
    tag, bare = re.escape(OPEN_TAG), BARE_OPENING
    anything = "(.|\\n)*"
    text = f"TEXT: /(.|\\n)+/ & ~/{anything}({tag}|{bare}){anything}/"
    bare_opening = (f"BARE: /{anything}{bare}/ & ~/{anything}{bare}{anything}{bare}{anything}/ "
                    f"& ~/{anything}{tag}{anything}/")
    lines += [text, bare_opening]
    if tags_are_tokens:
        lines.insert(0, f"start: TEXT? | TEXT? {open_tag} {rest} | BARE \" \"? tail \"}}\"")
    else:
        lines.insert(0, f"start: TEXT? | OPEN {rest.removeprefix(newline + ' ')} | BARE \" \"? tail \"}}\"")
        lines.append(f"OPEN: /{anything}{tag}\\n/ & ~/{anything}{tag}{anything}{tag}{anything}/ "
                     f"& ~/{anything}{bare}{anything}/")
    return _lark(lines, tags_are_tokens, use)


def _lark(lines: list[str], tags_are_tokens: bool, use: dict[str, Any],
          hint: str | None = None) -> Constraint:
    return Constraint(kind="lark", grammar="\n".join(lines) + "\n", show_schema=hint is not None,
                      special_tokens=list(TOOL_TAGS) if tags_are_tokens else [], hint=hint,
                      tool_use=use)


def _format_hint(answer_format: Constraint) -> str:
    """The format's own instruction, for an answer that calls no function (the tools' own
    instructions come with the tools)."""
    return f"When you answer without calling a function: {hint_for(answer_format)}"


def parse_tool_calls(text: str, bare_calls: bool = True) -> tuple[str, list[ToolCall]]:
    """(text before the first call, the calls) of an answer made under `tool_constraint`.
    `bare_calls`: False when the answer had an `answer_format`, whose JSON is never a call."""
    at = text.find(CALL_START)
    if at == -1:
        bare = bare_opening(text) if bare_calls else None
        if bare is None:
            return text, []
        return without_fence(text[:bare[0]]), [bare_call(text[bare[1]:])]
    content, calls = text[:at], []
    for block in text[at:].split(CALL_START)[1:]:
        body = block.strip().removesuffix(CLOSE_TAG).rstrip()
        name = json.loads(body)["name"]
        calls.append(ToolCall(name, body[len(call_prefix(name)):-1]))
    return content, calls


def bare_opening(text: str) -> tuple[int, int] | None:
    """Where a call without its tag opens in `text` (start, end of `{"name":`), if it does."""
    found = _BARE_OPENING.search(text)
    return (found.start(), found.end()) if found else None


def bare_call(rest: str) -> ToolCall:
    """The call whose text after its opening `{"name":` is `rest` (the answer's end)."""
    name, end = json.JSONDecoder().raw_decode(rest, len(rest) - len(rest.lstrip(" ")))
    return ToolCall(name, rest[end + len(ARGUMENTS_KEY) - 1:-1])


def without_fence(content: str) -> str:
    """The text before a bare call, less the Markdown code-block opening the call was written in."""
    return _FENCE_OPENING.sub("", content)
