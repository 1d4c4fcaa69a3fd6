"""Reading a request body: bounded in size before it is in memory, then parsed as a JSON object.

The limit is checked twice: against Content-Length before a byte is read, and by counting while
the body streams in (chunked uploads have no length), so an oversized upload costs at most one
limit's worth of memory.
"""
from __future__ import annotations

import json
from typing import Any

from starlette.requests import ClientDisconnect, Request

from desktop.api.errors import ApiError

MAX_BODY_BYTES = 8 * 1024 * 1024


def _too_large(limit: int) -> ApiError:
    return ApiError(413, f"request body is larger than the server's limit of {limit} bytes",
                    code="request_too_large")


async def read_json_object(request: Request, limit: int = MAX_BODY_BYTES) -> dict[str, Any]:
    """The body as a dict; 413 when over `limit`, 400 when it is not a JSON object."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise ApiError(400, f"Content-Length header is not a number: {declared!r}")
        if int(declared) > limit:
            raise _too_large(limit)
    chunks = bytearray()
    try:
        async for chunk in request.stream():
            chunks += chunk
            if len(chunks) > limit:
                raise _too_large(limit)
    except ClientDisconnect:
        raise ApiError(400, "the client closed the connection before sending the whole body")
    if not chunks.strip():
        raise ApiError(400, "the request body is empty: send a JSON object")
    try:
        text = chunks.decode("utf-8-sig")  # JSON on the wire is UTF-8 (RFC 8259)
    except UnicodeDecodeError as exc:
        raise ApiError(400, f"the request body is not UTF-8 text (bad byte at offset {exc.start})")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ApiError(400, f"the request body is not valid JSON: {exc.msg} at line {exc.lineno} "
                            f"column {exc.colno}")
    if not isinstance(data, dict):
        raise ApiError(400, f"the request body must be a JSON object, not {type(data).__name__}")
    return data
