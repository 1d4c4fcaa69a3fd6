"""The engine seen from the UI thread: loads and answers run on a worker thread, events come back as signals.

Why: `EngineClient.load` blocks for seconds and iterating an answer blocks between tokens; the UI
thread must never wait on either. Engine calls run in arrival order on one thread (the client queues
them the same way); token counting for the context gauge has its own thread so typing never waits
behind a long answer. `cancel()` is safe from the UI thread and returns at once.

The bridge owns the engine state the UI shows (`info`, `last_options`, `build`): only its own
methods and signals change them; everyone else reads them.
"""
from __future__ import annotations

import itertools
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop.chat_messages import ChatMessage
from desktop.engine.types import APP_PRIORITY, Done, EngineFailure, LoadOptions, ModelInfo, SamplingParams, Token
from desktop.jsonmode.constraint import Constraint
from desktop.errors import HearthError

log = logging.getLogger(__name__)


class EngineBridge(QObject):
    load_started = Signal(str)  # model path
    loaded = Signal(object)  # ModelInfo
    load_failed = Signal(str)  # one-line reason
    token = Signal(int, str)  # request id, text
    done = Signal(int, object)  # request id, Done
    failed = Signal(int, object)  # request id, EngineFailure
    counted = Signal(int, int)  # request id, prompt tokens
    unloaded = Signal(str)  # "" or a one-line error
    build_ready = Signal(object)  # build_info() dict, or a one-line error
    _load_failed = Signal(str)  # from the engine thread; becomes `load_failed` on the UI thread
    _unload_done = Signal(str)

    def __init__(self, client: Any | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._client = client
        self._owns_client = client is None  # a client handed in (shared by tests) outlives the bridge
        self._engine = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hearth-engine")
        self._counter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hearth-count")
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._streams: dict[int, Any] = {}  # request id -> the client's generation handle
        self._cancelled: set[int] = set()
        self.info: ModelInfo | None = None
        self.last_options: LoadOptions | None = None
        self.build: dict[str, Any] | None = None  # what the llama.cpp build supports (CPU / CUDA)
        self.closed = False  # after close() (the app is quitting) requests are ignored
        self.loaded.connect(self._remember)
        self._load_failed.connect(self._forget_failed_load)
        self._unload_done.connect(self._forget_model)

    @property
    def client(self):
        """The engine client, created on first use (it starts no process until asked to load): local
        files and remote engines' models behind one handle (desktop.engine.remote_switch)."""
        with self._lock:
            if self._client is None:
                from desktop.engine.remote_switch import SwitchingEngine

                self._client = SwitchingEngine()
            return self._client

    @property
    def count_is_estimate(self) -> bool:
        """Whether the last token count was an estimate (a server that cannot count a chat)."""
        return bool(getattr(self._client, "count_is_estimate", False))

    def _remember(self, info: ModelInfo) -> None:
        self.info = info

    def load(self, options: LoadOptions) -> None:
        """Load a model on the engine thread; `loaded` or `load_failed` follows."""
        if self.closed:
            return
        self.last_options = options
        self.load_started.emit(options.model_path)
        self._engine.submit(self._load, options)

    def _load(self, options: LoadOptions) -> None:
        try:
            from desktop.models import resolve  # a catalog name is fetched if it is not on disk yet
            from desktop.models.identity import parse_remote_reference

            remote = parse_remote_reference(options.model_path) is not None  # a model on a server
            path = options.model_path if remote else str(resolve(options.model_path))
            options = LoadOptions(**{**options.__dict__, "model_path": path})
            self.last_options = options
            info = self.client.load(options)
        except HearthError as exc:
            self._load_failed.emit(str(exc))
        except Exception as exc:  # a bug or a dead worker: one line for the user, details in the log
            log.exception("model load failed")
            self._load_failed.emit(f"{type(exc).__name__}: {exc}")
        else:
            self._read_build()
            self.loaded.emit(info)

    def _forget_failed_load(self, message: str) -> None:
        """On the UI thread, before anyone hears of the failure: with no model answering, there
        is no model to reload either."""
        if self.info is None:
            self.last_options = None
        self.load_failed.emit(message)

    def unload(self) -> None:
        """Free the model's memory (in turn with answers and loads); `unloaded` follows."""
        if not self.closed:
            self._engine.submit(self._unload)

    def _unload(self) -> None:
        try:
            self.client.unload()
        except Exception as exc:  # noqa: BLE001 - report, never crash the window
            self._unload_done.emit(f"{type(exc).__name__}: {exc}")
            return
        self._unload_done.emit("")

    def _forget_model(self, error: str) -> None:
        if not error:
            self.info, self.last_options = None, None
        self.unloaded.emit(error)

    def query_build(self) -> None:
        """What the llama.cpp build supports, asked beside any answer in progress; `build_ready` follows."""
        if not self.closed:
            self._counter.submit(self._query_build)

    def _query_build(self) -> None:
        try:
            build: object = self.client.build_info()
        except Exception as exc:  # noqa: BLE001 - the worker may be missing or broken: say so, keep going
            build = str(exc) or type(exc).__name__
        self.build_ready.emit(build)

    def _read_build(self) -> None:
        if self.build is None:
            try:
                self.build = self.client.build_info()
            except HearthError:
                log.debug("build info unavailable", exc_info=True)

    def restart(self) -> None:
        """Start a fresh worker and reload the last model (the crash banner's "Restart engine")."""
        if self.last_options is not None and not self.closed:
            self.load_started.emit(self.last_options.model_path)
            self._engine.submit(self._restart)

    def _restart(self) -> None:
        try:
            info = self.client.restart()
        except HearthError as exc:
            self._load_failed.emit(str(exc))
        except Exception as exc:
            log.exception("engine restart failed")
            self._load_failed.emit(f"{type(exc).__name__}: {exc}")
        else:
            if info is not None:
                self.loaded.emit(info)

    @property
    def worker_pid(self) -> int | None:
        """The engine process id while it runs (the crash tests kill it)."""
        return self._client.worker_pid if self._client is not None else None

    def chat(self, messages: list[ChatMessage], params: SamplingParams,
             constraint: Constraint | None = None) -> int:
        """Start an answer; returns its request id. `token`... then `done` or `failed` follow."""
        request = next(self._ids)
        if self.closed:
            self.failed.emit(request, EngineFailure("request", "Hearth is closing"))
        else:
            self._engine.submit(self._stream, request, messages, params, constraint)
        return request

    def _stream(self, request: int, messages: list[ChatMessage], params: SamplingParams,
                constraint: Constraint | None) -> None:
        try:
            stream = self.client.chat(messages, params, constraint=constraint, priority=APP_PRIORITY)
            with self._lock:
                self._streams[request] = stream
                cancelled = request in self._cancelled
            if cancelled:
                stream.cancel()
            for event in stream:
                if isinstance(event, Token):
                    self.token.emit(request, event.text)
                elif isinstance(event, Done):
                    self.done.emit(request, event)
                elif isinstance(event, EngineFailure):
                    self.failed.emit(request, event)
        except HearthError as exc:
            self.failed.emit(request, EngineFailure("request", str(exc)))
        except Exception as exc:
            log.exception("answer failed")
            self.failed.emit(request, EngineFailure("crash", f"{type(exc).__name__}: {exc}"))
        finally:
            with self._lock:
                self._streams.pop(request, None)
                self._cancelled.discard(request)

    def cancel(self, request: int) -> None:
        """Stop an answer from any thread; the engine ends it within a fraction of a second."""
        with self._lock:
            stream = self._streams.get(request)
            if stream is None:
                self._cancelled.add(request)
        if stream is not None:
            stream.cancel()

    def count_tokens(self, messages: list[ChatMessage]) -> int:
        """Measure a prompt for the context gauge; `counted` follows."""
        request = next(self._ids)
        if not self.closed:
            self._counter.submit(self._count, request, messages)
        return request

    def _count(self, request: int, messages: list[ChatMessage]) -> None:
        try:
            self.counted.emit(request, int(self.client.count_tokens(messages)))
        except Exception:  # the gauge is a hint: a failed count just leaves it as it was
            log.debug("token count failed", exc_info=True)

    def close(self) -> None:
        """Cancel what is running and stop the worker process (a load in progress is abandoned)."""
        self.closed = True
        with self._lock:
            streams = list(self._streams.values())
        for stream in streams:
            stream.cancel()
        if self._client is not None and self._owns_client:
            self._client.close()
        self._counter.shutdown(wait=False, cancel_futures=True)
        self._engine.shutdown(wait=True, cancel_futures=True)
