"""A blocking engine generation seen from asyncio, cancelled the moment its client goes away.

`EngineClient.chat()` returns a generator that blocks while the request waits its turn and while
tokens are decoded. A thread per request iterates it and hands each event to the event loop, so
the server keeps answering other clients; a second task watches the connection, and a client that
disconnects (before its turn or mid-stream) cancels its generation at once, which frees the
engine's FIFO queue for the next request instead of decoding for nobody.
"""
from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, Protocol

from starlette.types import Receive

from desktop.engine.types import Done, EngineFailure, Event
from desktop.errors import HearthError

log = logging.getLogger("hearth.api")

_END = object()


class Generation(Protocol):
    """What `EngineClient.chat()` / `complete()` return: events to iterate, cancellable anywhere."""

    def __iter__(self) -> Iterator[Event]: ...

    def cancel(self) -> None: ...


async def engine_events(start: Callable[[], Generation], receive: Receive) -> AsyncIterator[Event]:
    """The events of the generation `start()` begins; ends early if the client disconnects.

    Use it inside `contextlib.aclosing` so that leaving the loop early also cancels."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Any] = asyncio.Queue()
    try:
        generation = start()
    except HearthError as exc:  # e.g. a constraint the engine refuses: the request's fault
        yield EngineFailure(kind="request", message=str(exc))
        return

    def deliver(item: Any) -> None:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, item)
        except RuntimeError:  # the server's loop has closed: nobody is waiting any more
            generation.cancel()

    def pump() -> None:
        try:
            for event in generation:
                deliver(event)
        except Exception as exc:  # an engine bug must still end the request, not hang it
            log.exception("engine generation failed")
            deliver(EngineFailure(kind="crash", message=f"{type(exc).__name__}: {exc}"))
        finally:
            deliver(_END)

    threading.Thread(target=pump, name="hearth-api-generation", daemon=True).start()
    watcher = asyncio.create_task(_cancel_on_disconnect(receive, generation))
    finished = False
    try:
        while (item := await queue.get()) is not _END:
            yield item
        finished = True
    finally:
        watcher.cancel()
        if not finished:  # the server stopped reading (client gone, shutdown): stop decoding
            log.info("request ended early: generation cancelled")
            generation.cancel()


async def _cancel_on_disconnect(receive: Receive, generation: Generation) -> None:
    """Waits for the client's http.disconnect (the body has been read by now) and cancels."""
    while (await receive())["type"] != "http.disconnect":
        pass
    log.info("client disconnected: generation cancelled")
    generation.cancel()


def log_done(kind: str, request_id: str, done: Done) -> None:
    """One line per answer for the server's log: how it ended and how fast it was."""
    log.info("%s %s: finish=%s prompt=%d completion=%d tokens, %.1f tok/s", kind, request_id,
             done.finish_reason, done.prompt_tokens, done.completion_tokens, done.decode_tok_s)
