"""The request fields of /v1/chat/completions and /v1/completions, and what they become for the engine.

OpenAI's names map onto `SamplingParams`; llama.cpp server's extras (top_k, min_p, repeat_penalty,
grammar) are accepted too. A field left out keeps the engine's default, which suits small models
better than OpenAI's (temperature 1, no top-k).
"""
from __future__ import annotations

from typing import Any

from desktop.api.errors import ApiError
from desktop.api.fields import Field, checked, reject_unsupported
from desktop.chat_messages import ChatMessage
from desktop.engine.types import REPETITION_RANGES, SamplingParams

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
}

COMPLETION_FIELDS = COMMON_FIELDS | {
    "prompt": Field("text_or_texts", required=True),
}

# Fields this server cannot honour, with the values that mean "not used".
UNSUPPORTED: dict[str, tuple[Any, ...]] = {
    "n": (1,),
    "best_of": (1,),
    "logprobs": (False, 0),
    "top_logprobs": (0,),
    "echo": (False,),
    "suffix": ("",),
    "tools": ([],),
    "functions": ([],),
    "logit_bias": ({},),
}

ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant"}
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
    """OpenAI messages as the engine takes them: role and plain-text content."""
    if not raw:
        raise ApiError(400, "'messages' must contain at least one message", param="messages")
    return [_message(i, m) for i, m in enumerate(raw)]


def _message(index: int, message: Any) -> ChatMessage:
    where = f"messages[{index}]"
    if not isinstance(message, dict):
        raise ApiError(400, f"'{where}' must be an object with 'role' and 'content'", param=where)
    role = message.get("role")
    if role not in ROLES:
        raise ApiError(400, f"'{where}.role' must be one of {', '.join(ROLES)}; got {role!r}"
                            " (tool calls are not supported)", param=f"{where}.role")
    if message.get("tool_calls"):
        raise ApiError(400, f"'{where}.tool_calls': tool calls are not supported",
                       param=f"{where}.tool_calls")
    return ChatMessage(ROLES[role], _content_text(where, message.get("content")))


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
