"""`logprobs` / `top_logprobs` request fields, and the engine's per-token entries in OpenAI's shapes.

Chat completions: `{"content": [{"token", "logprob", "bytes", "top_logprobs": [...]}], "refusal"}`.
Text completions (the legacy shape): `{"tokens", "token_logprobs", "top_logprobs": [{token:
logprob}], "text_offset"}`. Which probabilities they are is said in desktop/engine/logprobs.py;
an answer made under a constraint carries `"constrained": true` in its logprobs object, because its
probabilities are those after the grammar's mask (renormalised over the allowed tokens).
"""
from __future__ import annotations

import copy
from typing import Any

from desktop.api.errors import ApiError

def requested_logprobs(fields: dict[str, Any], chat: bool) -> int | None:
    """How many alternatives per token the engine must report, or None for no logprobs.
    Chat: `logprobs: true` with `top_logprobs` 0-20; completions: `logprobs` 0-20."""
    if not chat:
        return fields.get("logprobs")
    top = fields.get("top_logprobs")
    if not fields.get("logprobs"):
        if top:
            raise ApiError(400, "'top_logprobs' needs 'logprobs': true", param="top_logprobs")
        return None
    return top or 0


class LogprobsWriter:
    """Per choice: the entries the engine reported, handed out chunk by chunk as they arrive."""

    def __init__(self, chat: bool, constrained: bool, text_offset: int = 0) -> None:
        self.chat = chat
        self.constrained = constrained
        self.start_offset = text_offset
        self.fresh_copy()

    def fresh_copy(self) -> "LogprobsWriter":
        """This writer with nothing written yet (for another choice of the same request)."""
        other = copy.copy(self)
        other.pending, other.seen, other.offset = [], 0, self.start_offset
        return other

    def add(self, entries: list[dict[str, Any]] | None) -> None:
        if entries:
            self.pending.extend(entries)
            self.seen += len(entries)

    def add_rest(self, everything: list[dict[str, Any]] | None) -> None:
        """At the end of an answer: the entries no streamed piece carried yet."""
        self.add((everything or [])[self.seen:])

    def take(self) -> dict[str, Any] | None:
        """The logprobs object for the entries pending since the last chunk (None: none are)."""
        if not self.pending:
            return None
        entries, self.pending = self.pending, []
        return self.shaped(entries)

    def shaped(self, entries: list[dict[str, Any]]) -> dict[str, Any]:
        if self.chat:
            out: dict[str, Any] = {"content": entries, "refusal": None}
        else:
            offsets = []
            for e in entries:
                offsets.append(self.offset)
                self.offset += len(e["token"])
            out = {"tokens": [e["token"] for e in entries],
                   "token_logprobs": [e["logprob"] for e in entries],
                   "top_logprobs": [{a["token"]: a["logprob"] for a in e["top_logprobs"]} for e in entries],
                   "text_offset": offsets}
        if self.constrained:
            out["constrained"] = True
        return out

