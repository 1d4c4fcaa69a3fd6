"""The request fields of /v1/chat/completions and /v1/completions, and what they become for the engine.

OpenAI's names map onto `SamplingParams`; llama.cpp server's extras (top_k, min_p, repeat_penalty,
grammar) are accepted too. A field left out keeps the engine's default, which suits small models
better than OpenAI's (temperature 1, no top-k).
"""
from __future__ import annotations

import json
import random
from dataclasses import replace
from typing import Any

from desktop.api.errors import ApiError
from desktop.api.fields import Field, checked, reject_unsupported
from desktop.chat_messages import ChatMessage
from desktop.engine.logprobs import MAX_TOP_LOGPROBS
from desktop.engine.types import REPETITION_RANGES, SamplingParams

MAX_CHOICES = 16  # answers run one after another: n is a multiplier on the request's time

COMMON_FIELDS: dict[str, Field] = {
    "model": Field("string"),
    "stream": Field("boolean"),
    "stream_options": Field("object"),
    "temperature": Field("number", 0, 2),
    "top_p": Field("number", 0, 1),
    "top_k": Field("integer", 0),
    "min_p": Field("number", 0, 1),
    "max_tokens": Field("integer", 1),
    "seed": Field("integer", -1, 2**32 - 1),  # -1: a fresh random seed, as llama.cpp's server
    "n": Field("integer", 1, MAX_CHOICES),
    "stop": Field("text_or_texts"),
    "presence_penalty": Field("number", -2, 2),
    "frequency_penalty": Field("number", -2, 2),
    "repeat_penalty": Field("number", 0, 10),
    # llama-server's repetition control (desktop/engine/sampler_chain.py)
    **{name: Field("integer" if name in ("dry_allowed_length", "dry_penalty_last_n") else "number", *bounds)
       for name, bounds in REPETITION_RANGES.items()},
    "dry_sequence_breakers": Field("text_or_texts"),
    "runaway_guard": Field("boolean"),  # Hearth's: false lets JSON values grow as the grammar allows
    "response_format": Field("object"),
    "grammar": Field("string"),
}

CHAT_FIELDS = COMMON_FIELDS | {
    "messages": Field("array", required=True),
    "max_completion_tokens": Field("integer", 1),
    "logprobs": Field("boolean"),
    "top_logprobs": Field("integer", 0, MAX_TOP_LOGPROBS),
}

COMPLETION_FIELDS = COMMON_FIELDS | {
    "prompt": Field("text_or_texts", required=True),
    "logprobs": Field("integer", 0, MAX_TOP_LOGPROBS),  # the legacy endpoint's: how many alternatives
}

# Fields this server cannot honour, with the values that mean "not used".
UNSUPPORTED: dict[str, tuple[Any, ...]] = {
    "best_of": (1,),
    "echo": (False,),
    "suffix": ("",),
    "functions": ([],),
    "logit_bias": ({},),
}

def choice_params(params: SamplingParams, n: int) -> list[SamplingParams]:
    """The settings of each of `n` choices: choice i uses the request's seed + i (a random base
    when the request gives none), so every choice differs and each can be reproduced alone."""
    if n == 1:
        return [params]
    base = params.seed if params.seed is not None else random.randrange(2**31)
    return [replace(params, seed=(base + i) % 2**32) for i in range(n)]


ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant",
         "tool": "tool"}
MAX_STOP_SEQUENCES = 16


def chat_fields(body: dict[str, Any]) -> dict[str, Any]:
    reject_unsupported(body, UNSUPPORTED)
    return checked(body, CHAT_FIELDS)


def completion_fields(body: dict[str, Any]) -> dict[str, Any]:
    reject_unsupported(body, UNSUPPORTED)
    return checked(body, COMPLETION_FIELDS)


def sampling_params(fields: dict[str, Any]) -> SamplingParams:
    """The engine's sampling settings for checked request fields."""
    params = SamplingParams(max_tokens=fields.get("max_completion_tokens", fields.get("max_tokens")))
    for name in ("temperature", "top_p", "top_k", "min_p", "repeat_penalty",
                 "presence_penalty", "frequency_penalty", *REPETITION_RANGES):
        if name in fields:
            setattr(params, name, fields[name])
    if "dry_sequence_breakers" in fields:
        params.dry_sequence_breakers = _sequence_breakers(fields["dry_sequence_breakers"])
    seed = fields.get("seed")
    params.seed = None if seed in (None, -1) else seed
    params.stop = _stop_sequences(fields.get("stop"))
    return params


def _sequence_breakers(breakers: str | list[str]) -> list[str]:
    sequences = [breakers] if isinstance(breakers, str) else list(breakers)
    if len(sequences) > MAX_STOP_SEQUENCES or any(s == "" for s in sequences):
        raise ApiError(400, f"'dry_sequence_breakers' must be at most {MAX_STOP_SEQUENCES} non-empty strings",
                       param="dry_sequence_breakers")
    return sequences


def _stop_sequences(stop: str | list[str] | None) -> list[str]:
    sequences = [stop] if isinstance(stop, str) else list(stop or [])
    if len(sequences) > MAX_STOP_SEQUENCES:
        raise ApiError(400, f"'stop' has {len(sequences)} sequences; at most {MAX_STOP_SEQUENCES} "
                            "are allowed", param="stop")
    if any(s == "" for s in sequences):
        raise ApiError(400, "'stop' sequences must not be empty strings", param="stop")
    return sequences


def chat_messages(raw: list[Any]) -> list[ChatMessage]:
    """OpenAI messages as the engine takes them: role, plain-text content, tool calls and results.
    A tool result must answer a call made earlier in the conversation."""
    if not raw:
        raise ApiError(400, "'messages' must contain at least one message", param="messages")
    messages: list[ChatMessage] = []
    call_ids: set[str] = set()
    for i, m in enumerate(raw):
        message = _message(i, m)
        call_ids.update(call["id"] for call in message.tool_calls)
        if message.role == "tool" and message.tool_call_id not in call_ids:
            raise ApiError(400, f"'messages[{i}].tool_call_id' {message.tool_call_id!r} answers no "
                                "tool call of an earlier assistant message", param=f"messages[{i}].tool_call_id")
        messages.append(message)
    return messages


def _message(index: int, message: Any) -> ChatMessage:
    where = f"messages[{index}]"
    if not isinstance(message, dict):
        raise ApiError(400, f"'{where}' must be an object with 'role' and 'content'", param=where)
    role = message.get("role")
    if role not in ROLES:
        raise ApiError(400, f"'{where}.role' must be one of {', '.join(ROLES)}; got {role!r}",
                       param=f"{where}.role")
    content = _content_text(where, message.get("content"))
    if role == "tool":
        call_id = message.get("tool_call_id")
        if not isinstance(call_id, str) or not call_id:
            raise ApiError(400, f"'{where}.tool_call_id' is required for a tool message",
                           param=f"{where}.tool_call_id")
        return ChatMessage("tool", content, tool_call_id=call_id)
    calls = message.get("tool_calls")
    if calls:
        if role != "assistant":
            raise ApiError(400, f"'{where}.tool_calls': only assistant messages make tool calls",
                           param=f"{where}.tool_calls")
        return ChatMessage("assistant", content, tool_calls=_tool_calls(f"{where}.tool_calls", calls))
    return ChatMessage(ROLES[role], content)


def _tool_calls(where: str, calls: Any) -> tuple[dict[str, Any], ...]:
    """An assistant's calls with their `arguments` parsed: chat templates write them as objects."""
    if not isinstance(calls, list):
        raise ApiError(400, f"'{where}' must be an array of tool calls", param=where)
    out = []
    for i, call in enumerate(calls):
        here = f"{where}[{i}]"
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str) \
                or not isinstance(call.get("id"), str):
            raise ApiError(400, f"'{here}' must be {{\"id\", \"type\": \"function\", \"function\": "
                                "{\"name\", \"arguments\"}}", param=here)
        arguments = function.get("arguments") or "{}"
        try:
            parsed = json.loads(arguments) if isinstance(arguments, str) else arguments
        except json.JSONDecodeError as exc:
            raise ApiError(400, f"'{here}.function.arguments' is not valid JSON: {exc.msg}",
                           param=f"{here}.function.arguments")
        out.append({"id": call["id"], "type": "function",
                    "function": {"name": function["name"], "arguments": parsed}})
    return tuple(out)


def _content_text(where: str, content: Any) -> str:
    """A string, or OpenAI's list of content parts of which only text parts are possible here."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise ApiError(400, f"'{where}.content' must be a string or an array of content parts",
                       param=f"{where}.content")
    texts = []
    for i, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind != "text" or not isinstance(part.get("text"), str):
            raise ApiError(400, f"'{where}.content[{i}]' must be a text part "
                                f"({{\"type\": \"text\", \"text\": ...}}); got type {kind!r}: "
                                "this server runs a text-only model", param=f"{where}.content")
        texts.append(part["text"])
    return "\n".join(texts)


def completion_prompt(prompt: str | list[str]) -> str:
    if isinstance(prompt, str):
        return prompt
    if len(prompt) != 1:
        raise ApiError(400, f"'prompt' has {len(prompt)} prompts; send one prompt per request",
                       param="prompt")
    return prompt[0]
