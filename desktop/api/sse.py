"""An answer as server-sent events, OpenAI style: one `data: {json}` per chunk, then `data: [DONE]`.

Usage is always in the last chunk before `[DONE]`: by default the one carrying `finish_reason`
(as llama.cpp's server does, so clients that never ask still get it); with
`stream_options.include_usage`, OpenAI's extra usage-only chunk, every other chunk then carrying
`"usage": null` as OpenAI's clients expect.
"""
from __future__ import annotations

import json
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from typing import Any

from desktop.api.engine_events import log_done
from desktop.api.shapes import Shape, combined, usage
from desktop.engine.types import Done, EngineFailure, Event, Token

log = logging.getLogger("hearth.api")


def sse(data: dict[str, Any] | str) -> str:
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return f"data: {text}\n\n"


async def sse_answer(shape: Shape, first: Event, events: AsyncIterator[Event], include_usage: bool,
                     more: Sequence[Callable[[], AsyncGenerator[Event, None]]] = ()) -> AsyncIterator[str]:
    """The stream for an answer whose first engine event has already arrived. `more`: the
    events of the request's further choices (`n` > 1), streamed one after another, each chunk
    carrying its choice's `index`; the usage at the end covers them all."""

    def chunk(data: dict[str, Any]) -> str:
        return sse(data | {"usage": None} if include_usage else data)

    dones: list[Done] = []
    for index in range(1 + len(more)):
        choice = shape.for_choice(index)
        if index > 0:
            events = more[index - 1]()
            first = await anext(events, None)
            if first is None:
                return
        opening = choice.opening()
        if opening is not None:
            yield chunk(opening)
        event: Event | None = first
        while event is not None:
            if isinstance(event, Token):
                if choice.logprobs is not None:
                    choice.logprobs.add(event.logprobs)
                if event.text:
                    for piece in choice.pieces(event.text):
                        yield chunk(piece)
            elif isinstance(event, Done):
                if event.finish_reason == "cancelled":  # the client has gone
                    return
                log_done(shape.chunk_object_name, shape.id, event)
                if choice.logprobs is not None:  # tokens whose text no piece showed (a stop string)
                    choice.logprobs.add_rest(event.logprobs)
                for piece in choice.flush():
                    yield chunk(piece)
                dones.append(event)
                last = index == len(more)
                if include_usage or not last:
                    yield chunk(choice.closing(event))
                else:
                    yield sse(choice.closing(event) | {"usage": usage(combined(dones))})
                if last and include_usage:
                    yield sse(shape.usage_chunk(combined(dones)))
                if event.json_valid is False and event.finish_reason == "stop":
                    yield sse(invalid_json_error(event))
                break
            elif isinstance(event, EngineFailure):
                yield sse({"error": {"message": event.message, "type": "server_error",
                                     "param": None, "code": f"engine_{event.kind}"}})
                yield sse("[DONE]")
                return
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
