"""The store seen from the UI thread: every call runs on one worker thread, answers come back as calls.

Why: the UI thread must never wait on SQLite (a busy timeout, a big search, a slow disk). One worker
thread keeps the calls in the order they were made, so "store the user's message, then begin the
answer" needs no extra locking; the store gives that thread its own connection.
"""
from __future__ import annotations

import itertools
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal

from desktop.errors import HearthError

log = logging.getLogger(__name__)


class StoreBridge(QObject):
    """`call(fn, then=...)` runs `fn(store)` off the UI thread and `then(result)` back on it."""

    failed = Signal(str)  # a one-line message for the status bar
    _answered = Signal(int, object)  # (call token, (ok, result or message)): back to the UI thread

    def __init__(self, path: str | None = None, parent: QObject | None = None, store: Any | None = None) -> None:
        """`store`: an open Store to serve (it stays open after close()); by default the bridge opens
        `path` (or the app's database) itself on first use."""
        super().__init__(parent)
        self._path = path
        self._store = store
        self._owns_store = store is None
        self._ui_thread = threading.current_thread()  # the bridge is made on the UI thread
        self._closed = False
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hearth-store")
        self._tokens = itertools.count(1)
        self._pending: dict[int, tuple[Callable, Callable | None, Callable | None]] = {}
        self._answered.connect(self._deliver)

    def call(self, fn: Callable[[Any], Any], then: Callable[[Any], None] | None = None,
             error: Callable[[str], None] | None = None) -> Future:
        """Queue `fn(store)`; `then(result)` or `error(message)` runs later on the UI thread.

        The three callables stay in `_pending` (UI thread) and the worker lets go of `fn` before it
        answers, so no Python reference to a Qt object (a dialog a closure captured) is ever dropped
        on the worker thread: PySide deletes such objects badly off the UI thread."""
        if self._closed:
            log.warning("store call after close ignored")
            future: Future = Future()
            future.set_exception(HearthError("the store is closed"))
            return future
        token = next(self._tokens)
        self._pending[token] = (fn, then, error)
        return self._pool.submit(self._job, token)

    def _job(self, token: int) -> Any:
        work = self._pending[token][0]
        try:
            result = work(self._open())
        except HearthError as exc:
            message = str(exc)
        except Exception as exc:  # a bug: log it, tell the user in one line, keep the app up
            log.exception("store call failed")
            message = f"{type(exc).__name__}: {exc}"
        else:
            del work
            self._answered.emit(token, (True, result))
            return result
        del work
        self._answered.emit(token, (False, message))
        raise HearthError(message)

    def _open(self):
        if self._store is None:
            from desktop.store import Store

            self._store = Store.open(self._path) if self._path else Store.open()
            self._store.forbidden_thread = self._ui_thread  # the UI thread never waits on SQLite
        return self._store

    def _deliver(self, token: int, outcome: tuple[bool, Any]) -> None:
        _fn, then, error = self._pending.pop(token)
        ok, value = outcome
        callback = then if ok else (error or self.failed.emit)
        if callback is not None:
            callback(value)

    def close(self, wait: bool = True) -> None:
        """Finish queued writes (an answer's last partial save, say), then close the connection;
        with wait=False (a dialog's own bridge) the queued calls finish in the background."""
        if self._closed:
            return
        self._closed = True
        self._pool.submit(self._close_store)
        self._pool.shutdown(wait=wait)

    def _close_store(self) -> None:
        if self._store is not None and self._owns_store and hasattr(self._store, "close"):
            self._store.close()
