"""Schema rewrites that keep the meaning exactly but use only what llguidance enforces.

Each rewrite is an equivalence, never an approximation:
- `dependentRequired` / `dependentSchemas` / draft-7 `dependencies`: "if property P is present,
  then ..." is `anyOf: [{P absent}, {P required, then ...}]`;
- formats outside the JSON Schema specification (`"format": "topic"`) are annotations by the
  specification's own rule: no validator can check them, so there is nothing to enforce - the
  string stays a string. Standard formats are enforced or rejected, never dropped;
- a `oneOf` whose alternatives provably exclude each other is an `anyOf` (see `one_of`);
- `uri-reference` becomes the RFC 3986 pattern for it (restricted to ASCII, so every string the
  model can produce is a valid URI reference).
"""
from __future__ import annotations

import copy
from typing import Any

from desktop.jsonmode import one_of
from desktop.jsonmode.schema_walk import subschemas

# JSON Schema 2020-12 section 7.3 plus `uuid`'s drafts: these have a meaning a validator checks.
STANDARD_FORMATS = frozenset({
    "date-time", "date", "time", "duration", "email", "idn-email", "hostname", "idn-hostname",
    "ipv4", "ipv6", "uri", "uri-reference", "iri", "iri-reference", "uuid", "uri-template",
    "json-pointer", "relative-json-pointer", "regex",
})

_PCHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})"
URI_REFERENCE_PATTERN = (
    rf"^(?:[A-Za-z][A-Za-z0-9+\-.]*:)?(?://(?:{_PCHAR}|/)*)?(?:{_PCHAR}|/)*"
    rf"(?:\?(?:{_PCHAR}|[/?])*)?(?:#(?:{_PCHAR}|[/?])*)?$"
)


def rewrite(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of `schema` with the equivalences above applied (the input is left untouched)."""
    out = copy.deepcopy(schema)
    for _, sub in list(subschemas(out)):
        _rewrite_format(sub)
        _rewrite_dependencies(sub)
        if isinstance(sub.get("oneOf"), list) and one_of.exclusive(sub["oneOf"], out):
            sub["anyOf"] = sub.pop("oneOf") if "anyOf" not in sub else sub["anyOf"]
    return out


def _rewrite_format(sub: dict[str, Any]) -> None:
    fmt = sub.get("format")
    if not isinstance(fmt, str):
        return
    if fmt not in STANDARD_FORMATS:
        del sub["format"]
    elif fmt == "uri-reference" and "pattern" not in sub:
        del sub["format"]
        sub["pattern"] = URI_REFERENCE_PATTERN


def _rewrite_dependencies(sub: dict[str, Any]) -> None:
    branches: list[dict[str, Any]] = []
    for key in ("dependencies", "dependentRequired", "dependentSchemas"):
        deps = sub.get(key)
        if not isinstance(deps, dict):
            continue
        del sub[key]
        for name, then in deps.items():
            present: dict[str, Any] = {"required": [name]}
            if isinstance(then, list):
                present["required"] = [name, *then]
            else:
                present = {"allOf": [present, then]}
            branches.append({"anyOf": [{"properties": {name: False}}, present]})
    if branches:
        sub["allOf"] = [*sub.get("allOf", []), *branches]
