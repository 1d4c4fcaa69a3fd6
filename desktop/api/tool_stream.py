"""A streamed answer that may call tools, as OpenAI's chat deltas.

Text before the opening tag streams as `content`. Once a call starts, its first delta carries
the call's index, id, type and name (with empty arguments), and the arguments then stream in
pieces that the client concatenates - exactly what the official clients assemble. The tool
grammar lays calls out the way `json.dumps` writes them, and compact JSON never holds a raw
newline, so the end of a call (`}` newline `</tool_call>`) cannot occur inside its arguments.
A bare call object (no tag, "auto" only, its opening `{"name":` in any layout) is the answer's
last thing: its arguments end one character before the answer does, and the Markdown code-block
opening a model wrote it in is not content.
"""
from __future__ import annotations

import json
import re
import uuid
from typing import Any

from desktop.jsonmode.tool_calls import (ARGUMENTS_KEY, BARE_START, CALL_END, CALL_START, FENCE_OPENING, ToolCall,
                                        bare_opening, without_fence)

BETWEEN = "\n"


def call_id() -> str:
    return f"call_{uuid.uuid4().hex[:24]}"


def tool_call_entry(index: int, call: ToolCall) -> dict[str, Any]:
    return {"index": index, "id": call_id(), "type": "function",
            "function": {"name": call.name, "arguments": call.arguments}}


def _held_back(text: str, marker: str) -> int:
    """How many characters at the end of `text` could be the start of `marker`."""
    for n in range(min(len(marker) - 1, len(text)), 0, -1):
        if text.endswith(marker[:n]):
            return n
    return 0


_OPENING_SO_FAR = re.compile(r'\{\s*("(n(a(me?)?)?)?)?$|\{\s*"name"\s*$')  # could still become `{"name":`
_FENCE_SO_FAR = re.compile(FENCE_OPENING + r"\s*$|`{1,2}$")  # a code block a bare call may open inside


def _bare_held_back(text: str) -> int:
    """How many characters at the end of `text` could be the start of a bare call: the opening
    itself, and the code-block opening before it (content only if no call follows)."""
    brace = _OPENING_SO_FAR.search(text)
    if brace is None:
        fence = _FENCE_SO_FAR.search(text)
        return len(text) - fence.start() if fence else 0
    fence = _FENCE_SO_FAR.search(text[:brace.start()])
    return len(text) - (fence.start() if fence else brace.start())


class ToolCallStream:
    """Feed it the answer's text pieces; it returns the deltas to send."""

    def __init__(self, bare_calls: bool = True) -> None:
        self.bare_calls = bare_calls  # False: the answer's text follows a format; only tags open calls
        self.buffer = ""
        self.state = "text"  # text -> head -> arguments -> between -> head ...
        self.calls = 0
        self.bare = False  # the call opened without a tag

    def feed(self, text: str) -> list[dict[str, Any]]:
        self.buffer += text
        deltas: list[dict[str, Any]] = []
        while (delta := self._step()) is not None:
            if delta:
                deltas.append(delta)
        return deltas

    def flush(self) -> list[dict[str, Any]]:
        """What is left at the end: held-back text that never became a call."""
        rest, self.buffer = self.buffer, ""
        if self.state == "arguments" and self.bare and len(rest) > 1:
            return [self._arguments(rest[:-1])]
        return [{"content": rest}] if rest and self.state == "text" else []

    def _arguments(self, piece: str) -> dict[str, Any]:
        return {"tool_calls": [{"index": self.calls - 1, "function": {"arguments": piece}}]}

    def _step(self) -> dict[str, Any] | None:
        """One delta ({} for a change of state without output), or None when more text is needed."""
        if self.state == "text":
            at = self.buffer.find(CALL_START)
            bare = bare_opening(self.buffer) if self.bare_calls else None
            if bare is not None and at == -1:  # "head" reads the name after the opening
                content = without_fence(self.buffer[:bare[0]])
                self.buffer, self.state, self.bare = self.buffer[bare[1]:], "head", True
                return {"content": content} if content else {}
            if at != -1:
                content, self.buffer, self.state = self.buffer[:at], self.buffer[at + len(CALL_START):], "head"
                return {"content": content} if content else {}
            held = _held_back(self.buffer, CALL_START)
            if self.bare_calls:
                held = max(held, _bare_held_back(self.buffer))
            end = len(self.buffer) - held
            if end <= 0:
                return None
            content, self.buffer = self.buffer[:end], self.buffer[end:]
            return {"content": content}
        if self.state == "head":
            at = self.buffer.find(ARGUMENTS_KEY)
            if at == -1:
                return None
            name = json.loads(self.buffer[:at + 1] if self.bare else self.buffer[len(BARE_START):at + 1])
            self.buffer, self.state = self.buffer[at + len(ARGUMENTS_KEY):], "arguments"
            self.calls += 1
            return {"tool_calls": [tool_call_entry(self.calls - 1, ToolCall(name, ""))]}
        if self.state == "arguments" and self.bare:  # all but the object's closing brace
            piece, self.buffer = self.buffer[:-1], self.buffer[-1:]
            return self._arguments(piece) if piece else None
        if self.state == "arguments":
            at = self.buffer.find(CALL_END)
            if at != -1:
                piece, self.buffer, self.state = self.buffer[:at], self.buffer[at + len(CALL_END):], "between"
            else:
                end = len(self.buffer) - _held_back(self.buffer, CALL_END)
                if end <= 0:
                    return None
                piece, self.buffer = self.buffer[:end], self.buffer[end:]
            return self._arguments(piece) if piece else {}
        # between calls: a newline and the next opening tag
        if len(self.buffer) < len(BETWEEN + CALL_START):
            return None
        self.buffer, self.state = self.buffer[len(BETWEEN + CALL_START):], "head"
        return {}
