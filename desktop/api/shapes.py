"""OpenAI's response objects for chat and text completions, whole and as stream chunks.

One class per endpoint with the same four methods, so the code that streams or collects an answer
does not care which endpoint it serves.
"""
from __future__ import annotations

import copy
import time
import uuid
from typing import Any

from desktop import __version__
from desktop.api.logprobs_shape import LogprobsWriter
from desktop.api.tool_stream import ToolCallStream, tool_call_entry
from desktop.engine.types import Done
from desktop.jsonmode.tool_calls import parse_tool_calls

SYSTEM_FINGERPRINT = f"hearth-{__version__}"


def usage(done: Done) -> dict[str, Any]:
    return {
        "prompt_tokens": done.prompt_tokens,
        "completion_tokens": done.completion_tokens,
        "total_tokens": done.prompt_tokens + done.completion_tokens,
        "prompt_tokens_details": {"cached_tokens": done.cached_tokens},
    }


def combined(dones: list[Done]) -> Done:
    """One Done whose usage covers `n` answers to one prompt: the prompt counted once, as
    OpenAI does, the completions summed."""
    first = dones[0]
    return Done(text="", finish_reason=first.finish_reason, prompt_tokens=first.prompt_tokens,
                completion_tokens=sum(d.completion_tokens for d in dones), ttft_s=first.ttft_s,
                decode_tok_s=first.decode_tok_s, seed=first.seed, cached_tokens=first.cached_tokens)


def finish_reason(done: Done) -> str:
    """OpenAI knows "stop" and "length"; a cancelled answer only reaches a client that left."""
    return "length" if done.finish_reason == "length" else "stop"


class _Shape:
    id_prefix = ""
    object_name = ""
    chunk_object_name = ""

    def __init__(self, model: str) -> None:
        self.id = f"{self.id_prefix}-{uuid.uuid4().hex[:24]}"
        self.created = int(time.time())
        self.model = model
        self.index = 0  # which of the request's `n` choices this shape writes
        self.logprobs: LogprobsWriter | None = None  # set when the request asks for logprobs

    def for_choice(self, index: int) -> "_Shape":
        """A fresh shape for choice `index` of the same answer (same id, its own stream state)."""
        other = copy.copy(self)
        other.index = index
        other.reset()
        if self.logprobs is not None:
            other.logprobs = self.logprobs.fresh_copy()
        return other

    def reset(self) -> None:
        """Forget per-choice stream state (none here)."""

    def _envelope(self, object_name: str, choice: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": object_name,
            "created": self.created,
            "model": self.model,
            "system_fingerprint": SYSTEM_FINGERPRINT,
            "choices": [{"index": self.index, **choice,
                         "logprobs": self.logprobs.take() if self.logprobs is not None else None}],
        }

    def _with_logprobs(self, answer: dict[str, Any], done: Done) -> dict[str, Any]:
        """A whole answer with every token's logprobs, when the request asked for them."""
        if self.logprobs is not None:
            answer["choices"][0]["logprobs"] = self.logprobs.fresh_copy().shaped(done.logprobs or [])
        return answer

    def usage_chunk(self, done: Done) -> dict[str, Any]:
        """The extra last chunk `stream_options.include_usage` asks for: no choices, usage."""
        chunk = self._envelope(self.chunk_object_name, {})
        chunk["choices"] = []
        chunk["usage"] = usage(done)
        return chunk


class ChatShape(_Shape):
    """`tools`: the answer was made under a tool-call constraint, so calls are read out of it."""

    id_prefix = "chatcmpl"
    object_name = "chat.completion"
    chunk_object_name = "chat.completion.chunk"

    def __init__(self, model: str, tools: bool = False, bare_calls: bool = True) -> None:
        super().__init__(model)
        self.bare_calls = bare_calls  # desktop.api.tools.ToolRequest.bare_calls
        self.tool_stream = ToolCallStream(bare_calls) if tools else None

    def reset(self) -> None:
        if self.tool_stream is not None:
            self.tool_stream = ToolCallStream(self.bare_calls)

    def whole(self, done: Done) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": done.text}
        reason = finish_reason(done)
        if self.tool_stream is not None and done.finish_reason == "stop":
            content, calls = parse_tool_calls(done.text, self.bare_calls)
            if calls:
                entries = [tool_call_entry(i, c) for i, c in enumerate(calls)]
                message = {"role": "assistant", "content": content or None,  # whole calls carry no index
                           "tool_calls": [{k: v for k, v in e.items() if k != "index"} for e in entries]}
                reason = "tool_calls"
        answer = self._envelope(self.object_name, {"message": message, "finish_reason": reason})
        return self._with_logprobs(answer, done) | {"usage": usage(done)}

    def pieces(self, text: str) -> list[dict[str, Any]]:
        if self.tool_stream is None:
            return [self.piece(text)]
        return [self._delta(d) for d in self.tool_stream.feed(text)]

    def flush(self) -> list[dict[str, Any]]:
        return [self._delta(d) for d in self.tool_stream.flush()] if self.tool_stream is not None else []

    def _delta(self, delta: dict[str, Any]) -> dict[str, Any]:
        return self._envelope(self.chunk_object_name, {"delta": delta, "finish_reason": None})

    def opening(self) -> dict[str, Any] | None:
        return self._envelope(self.chunk_object_name,
                              {"delta": {"role": "assistant", "content": ""}, "finish_reason": None})

    def piece(self, text: str) -> dict[str, Any]:
        return self._envelope(self.chunk_object_name, {"delta": {"content": text}, "finish_reason": None})

    def closing(self, done: Done) -> dict[str, Any]:
        reason = finish_reason(done)
        if self.tool_stream is not None and self.tool_stream.calls and done.finish_reason == "stop":
            reason = "tool_calls"
        return self._envelope(self.chunk_object_name, {"delta": {}, "finish_reason": reason})


class CompletionShape(_Shape):
    id_prefix = "cmpl"
    object_name = "text_completion"
    chunk_object_name = "text_completion"

    def whole(self, done: Done) -> dict[str, Any]:
        answer = self._envelope(self.object_name, {"text": done.text, "finish_reason": finish_reason(done)})
        return self._with_logprobs(answer, done) | {"usage": usage(done)}

    def opening(self) -> dict[str, Any] | None:
        return None

    def piece(self, text: str) -> dict[str, Any]:
        return self._envelope(self.chunk_object_name, {"text": text, "finish_reason": None})

    def pieces(self, text: str) -> list[dict[str, Any]]:
        return [self.piece(text)]

    def flush(self) -> list[dict[str, Any]]:
        return []

    def closing(self, done: Done) -> dict[str, Any]:
        return self._envelope(self.chunk_object_name, {"text": "", "finish_reason": finish_reason(done)})


Shape = ChatShape | CompletionShape
