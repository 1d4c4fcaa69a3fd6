"""POST /v1/embeddings: OpenAI's request and response, embedded by the engine (desktop.engine.embedder).

`input` is a string, a list of strings, a list of token ids or a list of such lists (token ids are
the embedding model's own). `encoding_format` "float" gives lists of numbers, "base64" the
little-endian float32 bytes OpenAI's clients decode (the official Python client asks for base64
by default). `dimensions` other than the model's own size is refused: cutting a vector short is
only meaningful for models trained for it, which a GGUF does not say.
"""
from __future__ import annotations

import asyncio
import base64
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from desktop.api.body import read_json_object
from desktop.api.errors import ApiError
from desktop.api.fields import Field, checked
from desktop.engine.client import EngineClient
from desktop.errors import HearthError

MAX_INPUTS = 2048  # OpenAI's limit per request

FIELDS: dict[str, Field] = {
    "input": Field("any", required=True),
    "model": Field("string"),
    "encoding_format": Field("string"),
    "dimensions": Field("integer", 1),
    "user": Field("string"),
}
FORMATS = ("float", "base64")


def embedding_inputs(raw: Any) -> list[str | list[int]]:
    """The request's inputs, each a non-empty string or non-empty list of token ids."""
    shape = "a string, an array of strings, an array of token ids or an array of token-id arrays"
    if isinstance(raw, str):
        items: list[Any] = [raw]
    elif isinstance(raw, list) and raw and all(_is_token(t) for t in raw):
        items = [raw]
    elif isinstance(raw, list) and raw:
        items = raw
    else:
        raise ApiError(400, f"'input' must be {shape} (and not empty)", param="input")
    if len(items) > MAX_INPUTS:
        raise ApiError(400, f"'input' has {len(items)} items; at most {MAX_INPUTS} per request", param="input")
    for i, item in enumerate(items):
        if isinstance(item, str):
            if not item:
                raise ApiError(400, f"'input[{i}]' is an empty string", param="input")
        elif not (isinstance(item, list) and item and all(_is_token(t) for t in item)):
            raise ApiError(400, f"'input[{i}]' must be a non-empty string or a non-empty array of "
                                f"token ids (each item of {shape})", param="input")
    return items


def _is_token(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _encoded(vector: Any, encoding: str) -> list[float] | str:
    if encoding == "base64":
        return base64.b64encode(vector.astype("<f4").tobytes()).decode("ascii")
    return [float(x) for x in vector]


async def embeddings(request: Request, client: EngineClient, model_name: str,
                     embedding_model: str | None) -> Response:
    fields = checked(await read_json_object(request), FIELDS)
    inputs = embedding_inputs(fields["input"])
    encoding = fields.get("encoding_format", "float")
    if encoding not in FORMATS:
        raise ApiError(400, f"'encoding_format' must be \"float\" or \"base64\"; got {encoding!r}",
                       param="encoding_format", code="invalid_value")
    try:
        result = await asyncio.to_thread(client.embed, inputs, embedding_model)
    except HearthError as exc:  # the engine names a bad input "input[i] ..."; anything else is ours
        message = str(exc)
        if not message.startswith("input["):
            raise ApiError(503, message, code="embedding_model_unavailable")
        too_long = "context" in message
        raise ApiError(400, message, param="input", code="context_length_exceeded" if too_long else None)
    size = len(result.vectors[0])
    wanted = fields.get("dimensions")
    if wanted is not None and wanted != size:
        raise ApiError(400, f"'dimensions' = {wanted} cannot be honoured: this embedding model makes "
                            f"{size}-dimensional vectors and was not trained to be cut shorter",
                       param="dimensions", code="unsupported_parameter")
    data = [{"object": "embedding", "index": i, "embedding": _encoded(v, encoding)}
            for i, v in enumerate(result.vectors)]
    return JSONResponse({"object": "list", "data": data, "model": fields.get("model") or model_name,
                         "usage": {"prompt_tokens": result.prompt_tokens, "total_tokens": result.prompt_tokens}})
