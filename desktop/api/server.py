"""Running the API on uvicorn in a background thread, with start() and stop().

`hearth serve` and the desktop app's "Local API server" switch both use this, so the server can sit
beside a Qt event loop. The listening socket is bound here, before the thread starts, so a port in
use or a bad address is a one-line HearthError from start() instead of a log message in a thread.
"""
from __future__ import annotations

import errno
import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Sequence

import uvicorn

from desktop.api.app import create_app
from desktop.engine.client import EngineClient
from desktop.errors import HearthError

log = logging.getLogger("hearth.api")

STARTUP_TIMEOUT_S = 15.0
SHUTDOWN_GRACE_S = 2  # open streams get this long to finish before they are cancelled


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, api_key: str | None) -> None:
    """Anything but loopback is reachable from the network: refuse that without a key."""
    if not is_loopback(host) and not api_key:
        raise HearthError(f"listening on {host} lets other machines use the model: "
                          "set an API key (--api-key KEY) or use --host 127.0.0.1")


class PortInUse(HearthError):
    """Another program listens on the port. The CLI's line says `--port`; the app, which has a
    port field instead, words its own."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(f"cannot listen on {host}:{port}: the port is in use (choose another with --port)")
        self.port = port


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(host, port) from None
        raise HearthError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    return sock


class ApiServer:
    """The OpenAI-compatible API for `client`'s model, served from a background thread."""

    def __init__(self, client: EngineClient, host: str = "127.0.0.1", port: int = 8080,
                 api_key: str | None = None, *, cors_origins: Sequence[str] = (),
                 model_aliases: Sequence[str] = (), embedding_model: str | None = None) -> None:
        check_exposure(host, api_key)
        self.host = host
        self.port = port
        self.app = create_app(client, api_key=api_key, cors_origins=cors_origins,
                              model_aliases=model_aliases, embedding_model=embedding_model)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Binds and starts serving; returns once requests are accepted. Port 0 picks a free port."""
        if self._thread is not None:
            return
        sock = _bind(self.host, self.port)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_config=None, log_level="warning", access_log=False,
                                lifespan="off", timeout_graceful_shutdown=SHUTDOWN_GRACE_S)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name="hearth-api-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise HearthError(f"the API server did not start on {self.url}")
            time.sleep(0.02)
        log.info("API server listening on %s", self.url)

    def stop(self) -> None:
        """Stops accepting, gives open requests a moment, cancels the rest; idempotent."""
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout=SHUTDOWN_GRACE_S + 5)
        self._server = None
        self._thread = None

    def __enter__(self) -> "ApiServer":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
