"""An answer as server-sent events, OpenAI style: one `data: {json}` per chunk, then `data: [DONE]`.

Usage is always in the last chunk before `[DONE]`: by default the one carrying `finish_reason`
(as llama.cpp's server does, so clients that never ask still get it); with
`stream_options.include_usage`, OpenAI's extra usage-only chunk, every other chunk then carrying
`"usage": null` as OpenAI's clients expect.
"""
from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from desktop.api.engine_events import log_done
from desktop.api.shapes import Shape, usage
from desktop.engine.types import Done, EngineFailure, Event, Token

log = logging.getLogger("hearth.api")


def sse(data: dict[str, Any] | str) -> str:
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return f"data: {text}\n\n"


async def sse_answer(shape: Shape, first: Event, events: AsyncIterator[Event],
                     include_usage: bool) -> AsyncIterator[str]:
    """The stream for an answer whose first engine event has already arrived."""

    def chunk(data: dict[str, Any]) -> str:
        return sse(data | {"usage": None} if include_usage else data)

    opening = shape.opening()
    if opening is not None:
        yield chunk(opening)
    event: Event | None = first
    while event is not None:
        if isinstance(event, Token):
            if event.text:
                for piece in shape.pieces(event.text):
                    yield chunk(piece)
        elif isinstance(event, Done):
            if event.finish_reason == "cancelled":  # the client has gone
                return
            for piece in shape.flush():
                yield chunk(piece)
            log_done(shape.chunk_object_name, shape.id, event)
            if include_usage:
                yield chunk(shape.closing(event))
                yield sse(shape.usage_chunk(event))
            else:
                yield sse(shape.closing(event) | {"usage": usage(event)})
            if event.json_valid is False and event.finish_reason == "stop":
                yield sse(invalid_json_error(event))
            break
        elif isinstance(event, EngineFailure):
            yield sse({"error": {"message": event.message, "type": "server_error",
                                 "param": None, "code": f"engine_{event.kind}"}})
            break
        event = await anext(events, None)
    if event is None:  # cancelled: the client has gone, nobody reads a [DONE]
        return
    yield sse("[DONE]")


def invalid_json_error(done: Done) -> dict[str, Any]:
    """The engine finished a constrained answer that does not validate: the engine's fault, said
    out loud rather than handed over as if it were valid."""
    log.error("constrained answer failed validation: %s", done.json_error)
    return {"error": {"message": f"the answer does not match the requested format: {done.json_error}",
                      "type": "server_error", "param": None, "code": "invalid_constrained_output"}}
