"""Free-form values with a bounded shape: where a schema admits *any* value, the runaway guard
admits one at most `DEPTH` containers deep, each container holding at most `SIZE` members.

A schema's open places - a property declared as `{}` or `true`, the values of undeclared
members under an open (or missing) `additionalProperties`, the items of an array without
`items` - are where a small model has nothing to follow: measured on SmolLM2, a Kubernetes schema
whose root leaves `additionalProperties` open got a copy of the schema itself, nested deeper and
deeper under `"definitions"`, until max_tokens cut it. Bounding those places is a narrowing, never
a widening: every answer the bounded grammar admits is valid against the schema as written (the
same kind of stated rule as integers bounded to int64). The whole answer left open (`{}` at the
root, any-JSON mode) stays unbounded: there the user asked for "any JSON".

Places that take part in an intersection (`allOf`, also one the schema rewrite made, and
everything a `$ref` from there reaches) are left alone: there a member left open in one branch is
often declared in another, and a bound on it would narrow what the other branch asks for.
"""
from __future__ import annotations

from typing import Any

from desktop.jsonmode.schema_rewrite import ANNOTATIONS
from desktop.jsonmode.schema_walk import subschemas

DEPTH = 3
SIZE = 32
SCALARS = ["null", "boolean", "number", "string"]

# Positions that hold a value's schema (never `not`/`if`: a bound there would widen, not narrow).
_SINGLE = ("additionalProperties", "items", "additionalItems")
_MAPS = ("properties", "patternProperties", "$defs", "definitions")
_LISTS = ("prefixItems", "items", "anyOf", "oneOf")


def bounded_any(depth: int = DEPTH) -> dict[str, Any]:
    """Any JSON value at most `depth` containers deep, each with at most `SIZE` members."""
    if depth <= 0:
        return {"type": list(SCALARS)}
    inner = bounded_any(depth - 1)
    return {"anyOf": [{"type": list(SCALARS)},
                      {"type": "array", "items": inner, "maxItems": SIZE},
                      {"type": "object", "additionalProperties": inner, "maxProperties": SIZE}]}


def is_any_value(schema: Any) -> bool:
    """`true`, `{}`, or a schema of annotations only (`{"description": ...}`, `x-` extensions)."""
    return schema is True or (isinstance(schema, dict)
                              and all(k in ANNOTATIONS or k.startswith("x-") for k in schema))


def bound_free_form(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` (already rewritten, so modified in place and returned) with every open place
    outside intersections given `bounded_any()`."""
    shared = _intersected_defs(schema)
    if shared is not None:
        _bound(schema, (), False, shared)
    return schema


def _bound(sub: Any, path: tuple[str, ...], intersected: bool, shared: set[tuple[str, ...]]) -> None:
    if not isinstance(sub, dict):
        return
    intersected = intersected or _intersects(sub) or path[:2] in shared
    if not intersected:
        for key in _SINGLE:
            if is_any_value(sub.get(key)):
                sub[key] = _bounded(sub[key])
        for key in _MAPS:
            if isinstance(sub.get(key), dict):
                for name, value in sub[key].items():
                    if is_any_value(value) and (key, name) not in shared:
                        sub[key][name] = _bounded(value)
        for key in _LISTS:
            if isinstance(sub.get(key), list):
                sub[key] = [_bounded(v) if is_any_value(v) else v for v in sub[key]]
        if _admits("object", sub) and "additionalProperties" not in sub and "unevaluatedProperties" not in sub:
            sub["additionalProperties"] = bounded_any()
        if (_admits("array", sub) and "items" not in sub and "prefixItems" not in sub
                and "unevaluatedItems" not in sub and "contains" not in sub):
            sub["items"] = bounded_any()
    for key, value in list(sub.items()):
        if key in _SINGLE or key in ("then", "else"):
            _bound(value, path + (key,), intersected, shared)
        elif key in _MAPS or key in ("dependentSchemas", "dependencies"):
            for name, inner in value.items() if isinstance(value, dict) else ():
                _bound(inner, path + (key, name), intersected, shared)
        elif key in _LISTS or key == "allOf":
            for i, inner in enumerate(value) if isinstance(value, list) else ():
                _bound(inner, path + (key, str(i)), intersected, shared)


def _intersects(sub: dict[str, Any]) -> bool:
    """Whether `sub` intersects its own keywords with sub-schemas: an `allOf`, or an `anyOf` /
    `oneOf` beside other assertions (each alternative must hold *together with* them)."""
    if "allOf" in sub or ("anyOf" in sub and "oneOf" in sub):
        return True
    combinator = "anyOf" if "anyOf" in sub else "oneOf" if "oneOf" in sub else None
    return combinator is not None and any(
        k not in ANNOTATIONS and k not in ("$defs", "definitions", combinator) and not k.startswith("x-")
        for k in sub)
def _bounded(schema: Any) -> dict[str, Any]:
    """The annotations of `schema` kept (they guide nothing, but they cost nothing) beside the bound."""
    return (schema if isinstance(schema, dict) else {}) | bounded_any()


def _admits(kind: str, sub: dict[str, Any]) -> bool:
    """`sub` declares it may be an object (or an array): its own `type` says so."""
    declared = sub.get("type")
    return declared == kind or (isinstance(declared, list) and kind in declared)


def _intersected_defs(schema: dict[str, Any]) -> set[tuple[str, ...]] | None:
    """The (`$defs` | `definitions`, name) a `$ref` reaches from inside an intersection, transitively;
    None when such a `$ref` names anything else (the root, a path into a property)."""
    todo: set[tuple[str, ...]] = set()
    for _, sub in subschemas(schema):
        if _intersects(sub):
            todo |= _refs_under(sub)
    shared: set[tuple[str, ...]] = set()
    while todo:
        name = todo.pop()
        if len(name) != 2 or name[0] not in ("$defs", "definitions"):
            return None
        shared.add(name)
        holder = schema.get(name[0])
        todo |= _refs_under(holder.get(name[1]) if isinstance(holder, dict) else None) - shared
    return shared


def _refs_under(node: Any) -> set[tuple[str, ...]]:
    """The first two steps of every local `$ref` in `node` (`("$defs", "node")`); a `$ref` to the
    root or elsewhere comes back as it is, longer or shorter."""
    found: set[tuple[str, ...]] = set()
    for _, sub in subschemas(node):
        ref = sub.get("$ref")
        if isinstance(ref, str):
            parts = tuple(p.replace("~1", "/").replace("~0", "~") for p in ref.lstrip("#").split("/")[1:])
            found.add(parts[:2] if len(parts) >= 2 and parts[0] in ("$defs", "definitions") else parts or ("#",))
    return found
