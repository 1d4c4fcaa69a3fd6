"""OpenAI's `tools`, `tool_choice` and `parallel_tool_calls`: checked, and turned into what the
engine needs - the tools for the chat template and the constraint that makes calls parse.

Every mistake is a 400 naming the field before anything is queued, and a parameters schema that
cannot be enforced is a 400 naming the feature and the tool: a call is never parsed by hope.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from desktop.api.errors import ApiError
from desktop.errors import HearthError
from desktop.jsonmode.constraint import Constraint
from desktop.jsonmode.tool_calls import ToolSpec, tool_constraint

NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
EMPTY_PARAMETERS = {"type": "object", "properties": {}}


@dataclass
class ToolRequest:
    """The tools a request offers and how they must be used."""

    tools: list[dict[str, Any]]  # for the chat template, in OpenAI's shape
    constraint: Constraint | None  # None: tool_choice "none", plain text
    parallel: bool
    bare_calls: bool = True  # a call may open without its tag (False: text follows a format)


def tool_request(body: dict[str, Any], tags_are_tokens: bool = False,
                 answer_format: Constraint | None = None) -> ToolRequest | None:
    """The request's tools, or None when it offers none (and says nothing about them).
    `tags_are_tokens`: the loaded model writes the call tags as special tokens (ModelInfo).
    `answer_format`: the request's JSON `response_format` (or `text.format`): in "auto" an answer
    either calls or is that JSON, the union OpenAI's API allows; "required" and a named function
    call, so the format never applies; "none" leaves the format alone to the caller."""
    raw = body.get("tools")
    choice = body.get("tool_choice")
    if raw in (None, []):
        if choice not in (None, "none", "auto"):
            raise ApiError(400, "'tool_choice' needs 'tools'", param="tool_choice")
        return None
    if not isinstance(raw, list):
        raise ApiError(400, "'tools' must be an array of tools", param="tools")
    specs, tools = [], []
    for i, tool in enumerate(raw):
        spec = _spec(i, tool)
        if spec.name in (s.name for s in specs):
            raise ApiError(400, f"'tools[{i}].function.name': '{spec.name}' is given twice",
                           param=f"tools[{i}].function.name")
        specs.append(spec)
        tools.append({"type": "function", "function": tool["function"] | {"parameters": spec.parameters}})
    parallel = body.get("parallel_tool_calls", True)
    if not isinstance(parallel, bool):
        raise ApiError(400, "'parallel_tool_calls' must be true or false", param="parallel_tool_calls")
    mode, chosen = _choice(choice, specs)
    if mode == "none":
        return ToolRequest(tools, None, parallel)
    # A named function is called once: structured-output libraries (instructor, LangChain) name
    # one and read one call, and a small model left free to go on repeats the call until cut off.
    calls_many = parallel and not isinstance(choice, dict)
    if answer_format is not None and answer_format.kind == "grammar":
        raise ApiError(400, "give either 'tools' (with tool_choice other than \"none\") or a 'grammar', "
                            "not both: a GBNF grammar cannot be joined with tool calls (a JSON "
                            "'response_format' can)", param="grammar")
    if mode != "auto":
        answer_format = None
    try:
        constraint = tool_constraint(chosen, mode, calls_many, tags_are_tokens, answer_format)
    except HearthError as exc:  # names the feature; say which tool
        bad = _first_unenforceable(chosen)
        raise ApiError(400, f"tool '{bad}': {exc}" if bad else str(exc), param="tools",
                       code="unsupported_constraint")
    return ToolRequest(tools, constraint, parallel, bare_calls=answer_format is None)


def _spec(index: int, tool: Any) -> ToolSpec:
    where = f"tools[{index}]"
    if not isinstance(tool, dict) or tool.get("type") != "function":
        kind = tool.get("type") if isinstance(tool, dict) else None
        raise ApiError(400, f"'{where}.type' must be \"function\" (the only tool type this server "
                            f"runs); got {kind!r}", param=f"{where}.type")
    function = tool.get("function")
    if not isinstance(function, dict):
        raise ApiError(400, f"'{where}.function' must be an object with a 'name'", param=f"{where}.function")
    name = function.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        raise ApiError(400, f"'{where}.function.name' must be 1 to 64 letters, digits, '_', '-', '.' "
                            f"or ':'; got {name!r}", param=f"{where}.function.name")
    parameters = function.get("parameters", EMPTY_PARAMETERS)
    if not isinstance(parameters, dict):
        raise ApiError(400, f"'{where}.function.parameters' must be a JSON Schema object",
                       param=f"{where}.function.parameters")
    return ToolSpec(name, parameters or EMPTY_PARAMETERS)


def _choice(choice: Any, specs: list[ToolSpec]) -> tuple[str, list[ToolSpec]]:
    if choice is None or choice == "auto":
        return "auto", specs
    if choice in ("none", "required"):
        return choice, specs
    if isinstance(choice, dict) and choice.get("type") == "function":
        name = (choice.get("function") or {}).get("name")
        named = [s for s in specs if s.name == name]
        if not named:
            raise ApiError(400, f"'tool_choice' names the function {name!r}, which is not in 'tools' "
                                f"({', '.join(s.name for s in specs)})", param="tool_choice")
        return "required", named
    raise ApiError(400, "'tool_choice' must be \"none\", \"auto\", \"required\" or "
                        "{\"type\": \"function\", \"function\": {\"name\": ...}}", param="tool_choice")


def _first_unenforceable(specs: list[ToolSpec]) -> str | None:
    for spec in specs:
        try:
            tool_constraint([spec], "required", False)
        except HearthError:
            return spec.name
    return None
