"""A server's tool calls, written as the local engine writes them, and judged here.

A remote server streams calls as OpenAI's `delta.tool_calls` pieces; the local engine streams
them as answer text (`<tool_call>\\n{"name": ..., "arguments": ...}\\n</tool_call>`, see
`jsonmode.tool_calls`). Writing the server's calls in that same text keeps everything above the
engine unchanged (the API's call stream and parser, `hearth chat --tool`, the store), and lets
the answer be judged by the same tool-call grammar as a local one. A call's head goes out as soon
as its arguments start; its arguments go out whole when they are complete, laid out as
`json.dumps` writes them (the layout the grammar and the parsers expect), since a server may
space them any way. Servers differ in whether they hold calls to the schema at all
(`remote_servers.ServerKind.tool_choice`); every call is checked here regardless.
"""
from __future__ import annotations

import json
from typing import Any

from desktop.jsonmode.constraint import Constraint
from desktop.jsonmode.tool_calls import CALL_END, CALL_START, call_prefix
from desktop.jsonmode.validate import check_answer

ANY_OBJECT = {"type": "object"}


class ToolCallText:
    """Feed it each chunk's content and tool-call deltas; it returns the answer text to emit."""

    def __init__(self, tools: list[dict[str, Any]], constraint: Constraint | None) -> None:
        functions = [t.get("function") or {} for t in tools if isinstance(t, dict)]
        self._schemas = {f.get("name"): f.get("parameters") or ANY_OBJECT for f in functions}
        self._use = constraint.tool_use if constraint is not None else None  # None: tool_choice "none"
        self.calls: list[dict[str, str]] = []  # {"name", "arguments"}, in the server's order
        self._by_index: dict[Any, int] = {}
        self._written = 0  # calls whose head is out
        self._closed = 0  # calls whose arguments are out
        self._text_before_calls = False
        self._text_after_calls = False

    def feed(self, content: str, deltas: Any) -> str:
        out = ""
        if content:
            if self.calls:  # text after a call has begun: it cannot be part of Hearth's layout
                out += self._close_all()
                self._text_after_calls = True
            else:
                self._text_before_calls = True
            out += content
        for position, delta in enumerate(deltas if isinstance(deltas, list) else []):
            if not isinstance(delta, dict):
                continue
            key = delta.get("index", position)
            if key not in self._by_index:
                out += self._close_all()
                self._by_index[key] = len(self.calls)
                self.calls.append({"name": "", "arguments": ""})
            call = self.calls[self._by_index[key]]
            function = delta.get("function") if isinstance(delta.get("function"), dict) else {}
            name = str(function.get("name") or "")
            if name != call["name"] and not call["arguments"]:  # some servers repeat it in every piece
                call["name"] += name
            call["arguments"] += str(function.get("arguments") or "")
            if call["arguments"] and self._written == self._by_index[key]:
                out += self._head(call)
        return out

    def finish(self) -> str:
        """What is still to be written when the stream ends."""
        return self._close_all()

    def _head(self, call: dict[str, str]) -> str:
        self._written += 1
        return ("\n" if self._written > 1 else "") + CALL_START + call_prefix(call["name"])

    def _close_all(self) -> str:
        out = ""
        while self._closed < len(self.calls):
            call = self.calls[self._closed]
            if self._written == self._closed:
                out += self._head(call)
            try:
                arguments = json.dumps(json.loads(call["arguments"]), ensure_ascii=False)
            except ValueError:
                arguments = call["arguments"]  # written as sent; `problem` names it
            out += arguments + CALL_END
            self._closed += 1
        return out

    def problem(self) -> str | None:
        """The first thing wrong with the calls, in one line; None when each call is one the
        request allows, to a function it offered, with arguments that match its parameters."""
        allowed = self._use["names"] if self._use is not None else []
        for number, call in enumerate(self.calls, 1):
            name = call["name"]
            where = f"tool call {number} ({name})"
            if name not in self._schemas:
                return f"tool call {number} names '{name}', which is not among the tools offered"
            if name not in allowed:
                return (f"{where}: tool_choice was \"none\"" if self._use is None
                        else f"{where}: tool_choice allowed only {', '.join(allowed)}")
            ok, why = check_answer(call["arguments"], Constraint("json_schema", schema=self._schemas[name]))
            if not ok:
                why = why.removeprefix("the answer is ").replace("does not match", "do not match", 1)
                return f"{where}: its arguments {'are ' if why.startswith(('not', 'empty')) else ''}{why}"
        if self._use is not None and self._use["mode"] == "required" and not self.calls:
            return "the server answered without calling a function, but tool_choice required a call"
        if self._use is not None and not self._use["parallel"] and len(self.calls) > 1:
            return f"the server made {len(self.calls)} calls, but only one was allowed (parallel_tool_calls false)"
        if self._use is not None and self._use["mode"] == "required" and self._text_before_calls:
            return "the server wrote text before its calls, but tool_choice required calls only"
        if self._text_after_calls:
            return "the server wrote text after its tool calls"
        return None
