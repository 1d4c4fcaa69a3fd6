"""`hearth chat --tool FILE.json`: the model may call the functions in the files, and the answer
is printed as one line of JSON - `{"content": ..., "tool_calls": [{"name": ..., "arguments": {...}}]}`
- so a script reads the call without parsing prose.

The tools are checked exactly as `hearth serve` checks a request's `tools` (desktop.api.tools),
and the call is made under the same constraint, so `arguments` always validate against the
function's `parameters`.
"""
from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.errors import HearthError

if TYPE_CHECKING:
    from desktop.api.errors import ApiError
    from desktop.api.tools import ToolRequest

CHOICES = ("auto", "required", "none")


def add_tool_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tool", action="append", default=[], metavar="FILE",
                        help="a function the model may call: a JSON file with an OpenAI tool "
                             "({\"type\": \"function\", \"function\": {...}}), a bare function or a "
                             "list of them (repeatable); the answer is printed as JSON")
    parser.add_argument("--tool-choice", default="auto", metavar="CHOICE",
                        help="auto (default), required, none, or the name of the function to call")
    parser.add_argument("--no-parallel-tool-calls", action="store_true",
                        help="at most one call per answer")


def tools_from_args(args: argparse.Namespace, tags_are_tokens: bool = False) -> "ToolRequest | None":
    """The tools and their constraint, or None without --tool; HearthError naming the file or
    the flag for anything wrong."""
    from desktop.api.errors import ApiError
    from desktop.api.tools import tool_request

    if not args.tool:
        if args.tool_choice != "auto":
            raise HearthError("--tool-choice needs at least one --tool FILE")
        return None
    tools: list[Any] = []
    origin: list[str] = []
    for path in args.tool:
        found = _read_tools(path)
        tools += found
        origin += [path] * len(found)
    choice: Any = args.tool_choice
    if choice not in CHOICES:
        choice = {"type": "function", "function": {"name": choice}}
    body = {"tools": tools, "tool_choice": choice, "parallel_tool_calls": not args.no_parallel_tool_calls}
    try:
        return tool_request(body, tags_are_tokens)
    except ApiError as exc:
        raise HearthError(_explain(exc, origin)) from None


def _read_tools(path: str) -> list[Any]:
    try:
        value = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise HearthError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise HearthError(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise HearthError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    items = value if isinstance(value, list) else [value]
    if not items:
        raise HearthError(f"{path}: the list of tools is empty")
    # A bare function ({"name", "parameters"}) is what most tool definitions on disk look like.
    return [{"type": "function", "function": item} if isinstance(item, dict) and "type" not in item
            and "name" in item else item for item in items]


def _explain(exc: "ApiError", origin: list[str]) -> str:
    """The server's message, prefixed with the file or the flag it is about."""
    if exc.param == "tool_choice":
        return f"--tool-choice: {exc.message}"
    at = re.match(r"tools\[(\d+)\]", exc.param or "")
    return f"{origin[int(at.group(1))]}: {exc.message}" if at else exc.message


def answer_json(text: str) -> str:
    """The answer as one line of JSON: its text and its calls with parsed arguments."""
    from desktop.jsonmode.tool_calls import parse_tool_calls

    content, calls = parse_tool_calls(text)
    return json.dumps({"content": content.strip() or None,
                       "tool_calls": [{"name": c.name, "arguments": json.loads(c.arguments)} for c in calls]},
                      ensure_ascii=False)
