"""Checking request fields against a table of their types and ranges.

Each endpoint declares its fields as data (`Field` entries); `checked()` turns the first wrong one
into a 400 that names the field, what it must be and what was sent. Unknown fields are ignored
(OpenAI's clients send fields an offline server has no use for) and `null` means "not given".
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from desktop.api.errors import ApiError


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_text_or_texts(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))


# kind -> (test, how the error message describes a valid value)
KINDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "string": (lambda v: isinstance(v, str), "a string"),
    "number": (_is_number, "a number"),
    "integer": (_is_integer, "an integer"),
    "boolean": (lambda v: isinstance(v, bool), "true or false"),
    "object": (lambda v: isinstance(v, dict), "an object"),
    "array": (lambda v: isinstance(v, list), "an array"),
    "text_or_texts": (_is_text_or_texts, "a string or an array of strings"),
    "any": (lambda v: True, "any value"),  # the endpoint checks the shape itself (embeddings' input)
}


@dataclass(frozen=True)
class Field:
    kind: str
    minimum: float | None = None
    maximum: float | None = None
    required: bool = False


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _range_error(name: str, field: Field, value: Any) -> ApiError:
    if field.minimum is not None and field.maximum is not None:
        wanted = f"between {field.minimum} and {field.maximum}"
    elif field.minimum is not None:
        wanted = f"at least {field.minimum}"
    else:
        wanted = f"at most {field.maximum}"
    return ApiError(400, f"'{name}' must be {wanted}, got {value}", param=name,
                    code="invalid_value")


def checked(body: dict[str, Any], table: dict[str, Field]) -> dict[str, Any]:
    """The fields of `table` that `body` gives (not null), each of the declared kind and range."""
    values: dict[str, Any] = {}
    for name, field in table.items():
        value = body.get(name)
        if value is None:
            if field.required:
                raise ApiError(400, f"'{name}' is required", param=name, code="missing_field")
            continue
        test, description = KINDS[field.kind]
        if not test(value):
            raise ApiError(400, f"'{name}' must be {description}, got {_json_type(value)}",
                           param=name, code="invalid_type")
        if field.minimum is not None and value < field.minimum:
            raise _range_error(name, field, value)
        if field.maximum is not None and value > field.maximum:
            raise _range_error(name, field, value)
        values[name] = value
    return values


def reject_unsupported(body: dict[str, Any], neutral: dict[str, tuple[Any, ...]]) -> None:
    """400 for a field set to anything but a value that means "off" (e.g. `n` other than 1):
    silently ignoring such a field would hand the client something other than it asked for."""
    for name, accepted in neutral.items():
        value = body.get(name)
        if value is not None and not any(type(value) is type(a) and value == a for a in accepted):
            raise ApiError(400, f"'{name}' = {value!r} is not supported by this server",
                           param=name, code="unsupported_parameter")
