"""Every subschema of a JSON Schema with its JSON Pointer, so errors can say *where*.

llguidance reports what it cannot enforce ("Unimplemented keys: [\"uniqueItems\"]") but not where
it is; a user with a 300-line schema needs the location (`#/properties/tags`).
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

# Keywords whose value is a subschema / a map of subschemas / a list of subschemas.
SINGLE = ("additionalProperties", "items", "additionalItems", "contains", "not", "if", "then", "else",
          "propertyNames", "unevaluatedItems", "unevaluatedProperties", "contentSchema")
MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "dependencies")
LISTS = ("allOf", "anyOf", "oneOf", "prefixItems", "items")


def pointer(parts: tuple[str, ...]) -> str:
    """`#/a/b` with RFC 6901 escaping."""
    return "#" + "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def subschemas(schema: Any, at: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], dict]]:
    """(path, subschema) for the schema and everything under it, depth first, document order."""
    if not isinstance(schema, dict):
        return
    yield at, schema
    for key, value in schema.items():
        if key in SINGLE and isinstance(value, dict):
            yield from subschemas(value, at + (key,))
        elif key in MAPS and isinstance(value, dict):
            for name, sub in value.items():
                yield from subschemas(sub, at + (key, name))
        elif key in LISTS and isinstance(value, list):
            for i, sub in enumerate(value):
                yield from subschemas(sub, at + (key, str(i)))
