"""Errors as OpenAI's clients expect them: a status code and `{"error": {message, type, param, code}}`.

Every failure the server reports goes through `ApiError`, so a client mistake is always a 4xx with
one readable line and the server never answers a client's mistake with a 500.
"""
from __future__ import annotations

from starlette.responses import JSONResponse

# OpenAI's error `type` for each status code the server uses.
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    500: "server_error",
    503: "server_error",
}


class ApiError(Exception):
    """A request that cannot be served, with what the client should be told."""

    def __init__(self, status: int, message: str, *, param: str | None = None,
                 code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.code = code

    def body(self) -> dict:
        return {"error": {
            "message": self.message,
            "type": ERROR_TYPES.get(self.status, "invalid_request_error"),
            "param": self.param,
            "code": self.code,
        }}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status)
