"""Proving a `oneOf` exclusive, so it can be enforced as `anyOf` with no change in meaning.

"Exactly one alternative matches" and "at least one matches" are the same thing when no value can
match two alternatives. llguidance proves that for plain alternatives but not through `$ref`; this
module proves it by a sound over-approximation: the JSON types each alternative may take, and for
objects a required property whose allowed constants differ (a discriminator such as
`"type": {"const": "circle"}`) or a property one requires and the other forbids, and for strings
patterns that start with different fixed text (`^Normal -`, `^Cell line -`). If neither proof works the oneOf stays, and llguidance rejects it.
"""
from __future__ import annotations

import json
from typing import Any

ALL_TYPES = frozenset({"null", "boolean", "object", "array", "string", "integer", "fraction"})
_TYPE_NAMES = {"null": {"null"}, "boolean": {"boolean"}, "object": {"object"}, "array": {"array"},
               "string": {"string"}, "integer": {"integer"}, "number": {"integer", "fraction"}}


def exclusive(alternatives: list[Any], root: dict[str, Any], context: frozenset[str] = ALL_TYPES) -> bool:
    """True when no JSON value of the `context` types (what the schema around the oneOf allows)
    can satisfy two of `alternatives`."""
    kinds = [types(alt, root) & context for alt in alternatives]
    for i in range(len(alternatives)):
        for j in range(i + 1, len(alternatives)):
            shared = kinds[i] & kinds[j]
            if shared and not _discriminated(alternatives[i], alternatives[j], shared, root):
                return False
    return True


def types(schema: Any, root: dict[str, Any], seen: frozenset[str] = frozenset()) -> frozenset[str]:
    """A superset of the JSON types of the values `schema` accepts."""
    if schema is False:
        return frozenset()
    if not isinstance(schema, dict):
        return ALL_TYPES
    result = ALL_TYPES
    declared = schema.get("type")
    if isinstance(declared, str):
        declared = [declared]
    if isinstance(declared, list):
        result &= frozenset().union(*(_TYPE_NAMES.get(t, ALL_TYPES) for t in declared))
    if "const" in schema:
        result &= _value_type(schema["const"])
    if isinstance(schema.get("enum"), list):
        result &= frozenset().union(*(_value_type(v) for v in schema["enum"]))
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref not in seen:
        target = resolve(ref, root)
        result &= types(target, root, seen | {ref}) if target is not None else ALL_TYPES
    for sub in schema.get("allOf", []) if isinstance(schema.get("allOf"), list) else []:
        result &= types(sub, root, seen)
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list):
            result &= frozenset().union(*(types(sub, root, seen) for sub in schema[key]))
    return result


def resolve(ref: str, root: dict[str, Any]) -> Any:
    """The target of a local `#/...` reference, None when it is not local or does not exist."""
    if not ref.startswith("#"):
        return None
    node: Any = root
    for part in [p for p in ref[1:].split("/") if p]:
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _value_type(value: Any) -> frozenset[str]:
    if value is None:
        return frozenset({"null"})
    if isinstance(value, bool):
        return frozenset({"boolean"})
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return frozenset({"integer"})
    if isinstance(value, float):
        return frozenset({"fraction"})
    return frozenset({"string" if isinstance(value, str) else "array" if isinstance(value, list) else "object"})


def _discriminated(a: Any, b: Any, shared: frozenset[str], root: dict[str, Any]) -> bool:
    """Both alternatives are objects only, and either a property both require takes different
    constants, or one requires a property the other forbids."""
    if shared == {"string"}:
        prefix_a, prefix_b = _literal_prefix(_deref(a, root)), _literal_prefix(_deref(b, root))
        return bool(prefix_a and prefix_b and not prefix_a.startswith(prefix_b) and not prefix_b.startswith(prefix_a))
    if shared != {"object"}:
        return False
    consts_a, consts_b = _required_constants(a, root), _required_constants(b, root)
    if any(not (consts_a[name] & consts_b[name]) for name in consts_a.keys() & consts_b.keys()):
        return True
    a, b = _deref(a, root), _deref(b, root)
    return any(_forbids(b, name) for name in _required(a)) or any(_forbids(a, name) for name in _required(b))


def _literal_prefix(schema: Any) -> str:
    """The text every string matching `schema`'s pattern starts with ("" if none can be proved):
    the plain characters after a leading ^, in a pattern with no alternation."""
    pattern = schema.get("pattern") if isinstance(schema, dict) else None
    if not isinstance(pattern, str) or not pattern.startswith("^") or "|" in pattern:
        return ""
    prefix = ""
    for char in pattern[1:]:
        if char in "\\.^$?*+()[]{}":
            return prefix[:-1] if char in "?*{" else prefix  # a quantifier makes the last one optional
        prefix += char
    return prefix


def _deref(schema: Any, root: dict[str, Any]) -> Any:
    if isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and len(schema) == 1:
        return resolve(schema["$ref"], root)
    return schema


def _required(schema: Any) -> list[str]:
    required = schema.get("required", []) if isinstance(schema, dict) else []
    return [r for r in required if isinstance(r, str)] if isinstance(required, list) else []


def _forbids(schema: Any, name: str) -> bool:
    """`schema` (an object schema) rejects any object that has property `name`."""
    if not isinstance(schema, dict):
        return False
    props = schema.get("properties", {})
    if isinstance(props, dict) and name in props:
        return props[name] is False
    return schema.get("additionalProperties") is False and not schema.get("patternProperties")


def _required_constants(schema: Any, root: dict[str, Any]) -> dict[str, set[str]]:
    """Required property -> the JSON texts it may take, for properties limited by enum/const."""
    schema = _deref(schema, root)
    if not isinstance(schema, dict):
        return {}
    required = schema.get("required", [])
    props = schema.get("properties", {})
    out: dict[str, set[str]] = {}
    for name in required if isinstance(required, list) and isinstance(props, dict) else []:
        prop = props.get(name)
        if isinstance(prop, dict) and "const" in prop:
            out[name] = {json.dumps(prop["const"], sort_keys=True)}
        elif isinstance(prop, dict) and isinstance(prop.get("enum"), list):
            out[name] = {json.dumps(v, sort_keys=True) for v in prop["enum"]}
    return out
