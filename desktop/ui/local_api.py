"""The app's "Local API server" switch: the OpenAI-compatible API for the model the app has loaded.

It wraps `desktop.api.server.ApiServer` around the main window's engine client, so the app and
outside programs share one model in memory and one first-come-first-served queue. It listens on
127.0.0.1 only (no API key needed, no other machine can connect). Starting binds the port and
stopping lets open requests finish, which can take seconds, so both run off the UI thread and
report through `state_changed`. The main window owns one instance for the app's lifetime (the
settings dialog only switches it) and calls `stop(wait=True)` when quitting.
"""
from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop.errors import HearthError

HOST = "127.0.0.1"


class LocalApi(QObject):
    """Start / stop the API server for `bridge.client`; `state_changed` after every change."""

    state_changed = Signal()

    def __init__(self, bridge: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge  # desktop.ui.engine_bridge.EngineBridge
        self.server: Any = None
        self.error: str | None = None
        self.busy = False
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        return self.server is not None

    @property
    def url(self) -> str | None:
        return self.server.url if self.server is not None else None

    def start(self, port: int) -> None:
        """Start serving on 127.0.0.1:`port` in the background; a failure lands in `error`."""
        self._run(self._start, port)

    def stop(self, wait: bool = False) -> None:
        """Stop serving; `wait=True` blocks until done (when the app quits)."""
        thread = self._run(self._stop)
        if wait and thread is not None:
            thread.join()

    def _run(self, target, *args: Any) -> threading.Thread | None:
        with self._lock:
            if self.busy:
                return None
            self.busy = True
        self.state_changed.emit()
        thread = threading.Thread(target=self._guarded, args=(target, *args), name="hearth-local-api",
                                  daemon=True)
        thread.start()
        return thread

    def _guarded(self, target, *args: Any) -> None:
        try:
            target(*args)
        finally:
            with self._lock:
                self.busy = False
            self.state_changed.emit()

    def _start(self, port: int) -> None:
        from desktop.api.server import ApiServer

        self._stop()
        try:
            server = ApiServer(self.bridge.client, HOST, port)
            server.start()
        except HearthError as exc:
            self.error = str(exc)
        except Exception as exc:  # never take the app down over the optional server
            self.error = f"the API server could not start: {type(exc).__name__}: {exc}"
        else:
            self.server, self.error = server, None

    def _stop(self) -> None:
        server, self.server = self.server, None
        if server is not None:
            server.stop()
