"""A conversation as a chat model reads it: typed messages, and the one way a stored conversation
becomes them.

It sits at the bottom of the package because everyone above needs it in the same form: the UI and
the CLI send conversations to the engine, the store exports them, feedback reports quote them,
and the engine takes nothing else at its door. The API converts its JSON to these at its edge.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from desktop.errors import HearthError


@dataclass(frozen=True)
class ChatMessage:
    """One turn: role ("system", "user", "assistant" or "tool") and its plain text.

    An assistant turn that called functions carries them in `tool_calls` (OpenAI's shape, with
    `arguments` as a JSON object, which is what chat templates read); a "tool" turn is a
    function's result and names the call it answers in `tool_call_id`."""

    role: str
    content: str
    tool_calls: tuple[dict[str, Any], ...] = ()
    tool_call_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The OpenAI / chat-template shape, for the worker, exports and reports."""
        data: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.tool_calls:
            data["tool_calls"] = [dict(call) for call in self.tool_calls]
        if self.tool_call_id is not None:
            data["tool_call_id"] = self.tool_call_id
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ChatMessage":
        """From a stored or recorded {role, content} object; HearthError names what is missing."""
        if not isinstance(data, Mapping) or not isinstance(data.get("role"), str):
            raise HearthError(f"a chat message needs a 'role' and a 'content', not {str(data)[:80]}")
        return cls(data["role"], str(data.get("content") or ""), tuple(data.get("tool_calls") or ()),
                   data.get("tool_call_id"))


class Turn(Protocol):
    """Anything with a role and content: a store Message, a ChatMessage."""

    @property
    def role(self) -> str: ...

    @property
    def content(self) -> str: ...


def chat_messages(system_prompt: str | None, turns: Iterable[Turn]) -> list[ChatMessage]:
    """The session's system prompt, then its turns in order. The prompt is left out when it is
    empty or when the turns already open with a system message (an imported conversation may
    carry its own), so the model never reads two."""
    messages = [ChatMessage(t.role, t.content) for t in turns]
    if system_prompt and not (messages and messages[0].role == "system"):
        messages.insert(0, ChatMessage("system", system_prompt))
    return messages
