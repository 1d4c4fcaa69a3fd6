"""A remote server's failures in one line a user can act on.

httpx raises a handful of exception types whose messages are written for programmers ("[Errno 111]
Connection refused", "[SSL: CERTIFICATE_VERIFY_FAILED] ..."); servers answer errors as OpenAI-shaped
JSON, FastAPI validation lists or plain text. Both become one line naming the server.
"""
from __future__ import annotations

import json

import httpx

# HTTP status -> what it means for a person pointing Hearth at a server.
_STATUS = {
    401: "refused the API key (401 Unauthorized): check the key in Settings ▸ Remote engines or --api-key-env",
    403: "refused access (403 Forbidden): the API key is not allowed to use it",
    404: "has no such model or route (404 Not Found): check the URL and the model name",
    429: "is busy or over its rate limit (429): try again later",
}


def describe_transport(exc: httpx.HTTPError, url: str) -> str:
    """One line for a failure to reach the server or to read its answer."""
    text = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectTimeout):
        return f"{url} did not accept a connection in time (connect timeout): is the server up and reachable?"
    if isinstance(exc, (httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout)):
        return f"{url} stopped answering (read timeout): the server may be overloaded or stuck"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"{url} dropped the connection mid-answer ({_first_line(text)})"
    if isinstance(exc, httpx.ReadError):
        return f"{url} dropped the connection mid-answer ({_first_line(text)})"
    if isinstance(exc, httpx.ConnectError):
        if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text.lower():
            reason = text.split("certificate verify failed:", 1)[-1].split("(_ssl")[0].strip(" )")
            return (f"{url}: its TLS certificate is not trusted ({reason or 'verify failed'}); for a private "
                    "certificate authority, add its CA file to the engine")
        if "SSL" in text or "TLS" in text:
            return f"{url}: the TLS handshake failed ({_first_line(text)}); is it https?"
        if "refused" in text.lower():
            return f"{url} refused the connection: no server is listening there"
        if "name or service not known" in text.lower() or "nodename nor servname" in text.lower() \
                or "getaddrinfo" in text.lower():
            return f"{url}: the host name cannot be resolved"
        return f"cannot connect to {url}: {_first_line(text)}"
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
        return f"{url} is not a usable address ({_first_line(text)}); use http://host:port or https://..."
    return f"{url}: {type(exc).__name__}: {_first_line(text)}"


def describe_status(status: int, body: bytes, url: str) -> str:
    """One line for an HTTP error answer: what the status means, and the server's own message."""
    said = server_message(body)
    meaning = _STATUS.get(status)
    if meaning:
        return f"{url} {meaning}" + (f" — the server says: {said}" if said else "")
    if said:
        return f"{url} answered {status}: {said}"
    return f"{url} answered {status} with no explanation"


def server_message(body: bytes) -> str:
    """The message inside an error body (OpenAI's {"error": {"message"}}, FastAPI's {"detail"})."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _first_line(body.decode("utf-8", "replace"))[:300]
    if isinstance(data, dict):
        error = data.get("error", data.get("detail", data.get("message")))
        if isinstance(error, dict):
            error = error.get("message", error)
        if isinstance(error, list) and error and isinstance(error[0], dict):
            error = error[0].get("msg", error[0])
        if error is not None:
            return _first_line(str(error))[:300]
    return _first_line(str(data))[:300]


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else ""
