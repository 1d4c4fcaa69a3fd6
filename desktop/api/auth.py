"""Bearer-token check, as OpenAI's clients send their key: `Authorization: Bearer <key>`.

`/health` stays open so a supervisor can probe the server without the key; CORS preflight
requests (OPTIONS) are answered by the CORS layer outside this one and never reach it.
"""
from __future__ import annotations

import hmac

from starlette.types import ASGIApp, Receive, Scope, Send

from desktop.api.errors import ApiError

OPEN_PATHS = {"/health"}


class BearerAuth:
    """ASGI middleware: 401 with an OpenAI-style error unless the request carries the key."""

    def __init__(self, app: ASGIApp, api_key: str) -> None:
        self.app = app
        self.expected = f"Bearer {api_key}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"authorization", b"")
        if hmac.compare_digest(given, self.expected):
            await self.app(scope, receive, send)
            return
        message = ("invalid API key" if given else
                   "this server needs an API key: send 'Authorization: Bearer <key>'")
        error = ApiError(401, message, code="invalid_api_key")
        await error.response()(scope, receive, send)
