"""The OpenAI-compatible ASGI application, built around an engine client the caller owns.

Starlette gives routing, streaming responses and CORS in a small, maintained package, and uvicorn
serves it (see server.py); the app itself holds no model, so `hearth serve` and the desktop app's
"Local API server" switch both hand it the client they already have: one model in memory, one
FIFO queue for the app's requests and the API's alike.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from desktop.api.auth import BearerAuth
from desktop.api.endpoints import Endpoints
from desktop.api.errors import ApiError
from desktop.engine.client import EngineClient

log = logging.getLogger("hearth.api")


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (unknown route, wrong method) in OpenAI's shape."""
    assert isinstance(exc, HTTPException)
    messages = {404: f"no such endpoint: {request.method} {request.url.path}",
                405: f"{request.method} is not allowed on {request.url.path}"}
    error = ApiError(exc.status_code, messages.get(exc.status_code, str(exc.detail)),
                     code="not_found" if exc.status_code == 404 else None)
    response = error.response()
    response.headers.update(exc.headers or {})
    return response


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    """A bug in the server: logged with its traceback, answered with a 500; the server stays up."""
    log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    return ApiError(500, f"internal server error: {type(exc).__name__}").response()


def create_app(client: EngineClient, *, api_key: str | None = None, cors_origins: Sequence[str] = (),
               model_aliases: Sequence[str] = (), embedding_model: str | None = None) -> Starlette:
    """An app serving `client`'s loaded model.

    `api_key`: when set, every endpoint but /health needs `Authorization: Bearer <api_key>`.
    `cors_origins`: browser origins allowed to call the API; none (the default) means no CORS.
    `model_aliases`: names listed first in /v1/models (e.g. the name the server was started with).
    `embedding_model`: a GGUF that /v1/embeddings uses instead of the loaded chat model.
    """
    endpoints = Endpoints(client, model_aliases, embedding_model)
    routes = [Route("/health", endpoints.health, methods=["GET"])]
    # Each endpoint also without the /v1 prefix, as llama.cpp's server offers it: clients
    # configured with a bare http://host:port base URL then work too.
    for prefix in ("/v1", ""):
        routes += [
            Route(f"{prefix}/models", endpoints.list_models, methods=["GET"]),
            Route(f"{prefix}/models/{{name:path}}", endpoints.get_model, methods=["GET"]),
            Route(f"{prefix}/chat/completions", endpoints.chat_completions, methods=["POST"]),
            Route(f"{prefix}/completions", endpoints.completions, methods=["POST"]),
            Route(f"{prefix}/embeddings", endpoints.embeddings, methods=["POST"]),
            Route(f"{prefix}/responses", endpoints.responses, methods=["POST"]),
        ]
    middleware = []
    if cors_origins:
        middleware.append(Middleware(CORSMiddleware, allow_origins=list(cors_origins),
                                     allow_methods=["GET", "POST"],
                                     allow_headers=["Authorization", "Content-Type"]))
    if api_key:
        middleware.append(Middleware(BearerAuth, api_key=api_key))
    return Starlette(routes=routes, middleware=middleware, exception_handlers={
        ApiError: _api_error,
        HTTPException: _http_error,
        Exception: _unexpected_error,
    })
