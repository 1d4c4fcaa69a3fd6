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
    """Start / stop the API server for `bridge.client`; `state_changed` after every change.

    Requests are "what the user wants now" (a port, or off); one background thread applies the
    latest wish until the server matches it, so quick toggles or port edits never pile up and
    the last one always wins."""

    state_changed = Signal()

    def __init__(self, bridge: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge  # desktop.ui.engine_bridge.EngineBridge
        self.server: Any = None
        self.error: str | None = None
        self.busy = False
        self._lock = threading.Lock()
        self._wanted: int | None = None  # the port to serve on, None for off
        self._applied: int | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self.server is not None

    @property
    def url(self) -> str | None:
        server = self.server
        return server.url if server is not None else None

    def start(self, port: int) -> None:
        """Serve on 127.0.0.1:`port` (restarting on a new port); a failure lands in `error`."""
        self._want(port)

    def stop(self, wait: bool = False) -> None:
        """Stop serving; `wait=True` blocks until it has stopped (when the app quits)."""
        self._want(None)
        thread = self._thread
        if wait and thread is not None:
            thread.join()

    def _want(self, port: int | None) -> None:
        with self._lock:
            self._wanted = port
            if self.busy:
                return  # the running thread sees the new wish before it finishes
            self.busy = True
            self._thread = threading.Thread(target=self._reconcile, name="hearth-local-api", daemon=True)
            self._thread.start()
        self.state_changed.emit()

    def _reconcile(self) -> None:
        while True:
            with self._lock:
                wanted = self._wanted
                if wanted == self._applied:
                    self.busy = False
                    break
            self._stop_server()
            if wanted is not None:
                self._start_server(wanted)
            self._applied = wanted
        self.state_changed.emit()

    def _start_server(self, port: int) -> None:
        from desktop.api.server import ApiServer, PortInUse

        try:
            server = ApiServer(self.bridge.client, HOST, port)
            server.start()
        except PortInUse:
            self.error = self.tr("Port {port} is in use by another program: choose another port.").format(port=port)
        except HearthError as exc:
            self.error = str(exc)
        except Exception as exc:  # noqa: BLE001 - never take the app down over the optional server
            self.error = f"the API server could not start: {type(exc).__name__}: {exc}"
        else:
            self.server, self.error = server, None

    def _stop_server(self) -> None:
        server, self.server = self.server, None
        if server is not None:
            server.stop()
