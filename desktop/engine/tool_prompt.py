"""Hearth's built-in tool format, for chat templates that have no tools branch (SmolLM2's, the
built-in family templates).

A template that reads `tools` (Qwen2.5's) gets the tools and the structured turns as they are.
Any other template only ever sees plain system/user/assistant text, so the conversation is
rewritten into it: the function list and how to call one go into the system message, earlier
calls become the assistant's `<tool_call>` text and results become user turns wrapped in
`<tool_response>` tags - the same tags Qwen2.5 and the Hermes format use, so one grammar
(desktop.jsonmode.tool_calls) constrains every family's answers.
"""
from __future__ import annotations

import json
from typing import Any

INSTRUCTIONS = (
    "You can call functions to answer the user. The functions, as JSON Schemas, are listed "
    "between <tools> and </tools>:\n<tools>\n{tools}\n</tools>\n\n"
    "To call a function, answer with one JSON object per call, with the function's name and its "
    "arguments, between <tool_call> and </tool_call>:\n<tool_call>\n"
    '{{"name": "<function name>", "arguments": {{<arguments as JSON>}}}}\n</tool_call>\n'
    "Function results come back between <tool_response> and </tool_response>."
)


def template_reads_tools(source: str) -> bool:
    """Whether a template's own text handles tools (renders the `tools` variable)."""
    return "tools" in source and "tool_call" in source


def _call_text(call: dict[str, Any]) -> str:
    function = call.get("function", call)
    body = {"name": function.get("name"), "arguments": function.get("arguments")}
    return f"<tool_call>\n{json.dumps(body, ensure_ascii=False)}\n</tool_call>"


def with_builtin_tools(messages: list[dict], tools: list[dict] | None) -> list[dict]:
    """`messages` as plain-text turns in the built-in format (unchanged when nothing in them
    concerns tools)."""
    out: list[dict] = []
    for m in messages:
        if m.get("tool_calls"):
            calls = "\n".join(_call_text(c) for c in m["tool_calls"])
            text = f"{m.get('content') or ''}\n{calls}".lstrip("\n")
            out.append({"role": "assistant", "content": text})
        elif m.get("role") == "tool":
            response = f"<tool_response>\n{m.get('content') or ''}\n</tool_response>"
            if out and out[-1]["role"] == "user" and out[-1]["content"].startswith("<tool_response>"):
                out[-1] = {"role": "user", "content": f"{out[-1]['content']}\n{response}"}
            else:
                out.append({"role": "user", "content": response})
        else:
            out.append({"role": m["role"], "content": m.get("content") or ""})
    if tools:
        listing = "\n".join(json.dumps(t, ensure_ascii=False) for t in tools)
        instructions = INSTRUCTIONS.format(tools=listing)
        if out and out[0]["role"] == "system":
            out[0] = {"role": "system", "content": f"{out[0]['content']}\n\n{instructions}".lstrip()}
        else:
            out.insert(0, {"role": "system", "content": instructions})
    return out
