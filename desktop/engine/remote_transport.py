"""httpx's transport with connections an answer can cut from another thread.

A remote answer is read in the thread that iterates it (no hand-off: the first token reaches the
caller as soon as its bytes arrive), so Stop, pressed in another thread, has to end a read that is
blocked on the network, also before the server's first byte (a long prompt on a busy GPU box).
Only shutting the socket down does that. httpcore keeps its sockets to itself, so its connection
pool gets a network backend whose streams tell the answer writing a request which socket it is on
(`sending.owner`, set around the write by that answer's thread, so a kept-alive connection picked
from the pool is found too). TCP_NODELAY stays set by httpcore's own backend: no Nagle delay on the
request.
"""
from __future__ import annotations

import socket
import ssl
import threading
from typing import Any, Iterable, Protocol

import httpcore
import httpx

# the answer whose request the current thread is sending, if any (set by RemoteGeneration)
sending = threading.local()


class _Owner(Protocol):
    def attach(self, stream: "SocketStream") -> None: ...


class SocketStream(httpcore.NetworkStream):
    """httpcore's stream, plus `abort()`: shut the socket down from any thread."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, timeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        owner: _Owner | None = getattr(sending, "owner", None)
        if owner is not None:
            owner.attach(self)
        self._inner.write(buffer, timeout)

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> "SocketStream":
        return SocketStream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)

    def abort(self) -> None:
        """End any read or write on this connection at once (they fail; the pool drops it)."""
        sock = self._inner.get_extra_info("socket")
        if isinstance(sock, socket.socket):
            try:  # the plain socket's shutdown, also under TLS: the SSL object stays the reader's
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass  # closed already


class _Backend(httpcore.SyncBackend):
    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> SocketStream:
        return SocketStream(super().connect_tcp(host, port, timeout, local_address, socket_options))


def transport(ssl_context: ssl.SSLContext) -> httpx.HTTPTransport:
    """httpx's own HTTP/1.1 transport (its request mapping and exception types) over a pool whose
    connections can be aborted."""
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
    result = httpx.HTTPTransport(verify=ssl_context, limits=limits, trust_env=False)
    result._pool = httpcore.ConnectionPool(  # httpx names no hook for the network backend
        ssl_context=ssl_context, max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections, keepalive_expiry=limits.keepalive_expiry,
        network_backend=_Backend())
    return result
