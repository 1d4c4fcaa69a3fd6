"""Schema rewrites that keep the meaning exactly but use only what llguidance enforces.

Each rewrite is an equivalence, never an approximation:
- `dependentRequired` / `dependentSchemas` / draft-7 `dependencies`: "if property P is present,
  then ..." is `anyOf: [{P absent}, {P required, then ...}]`;
- formats outside the JSON Schema specification (`"format": "topic"`) are annotations by the
  specification's own rule: no validator can check them, so there is nothing to enforce - the
  string stays a string. Standard formats are enforced or rejected, never dropped;
- a `oneOf` whose alternatives provably exclude each other is an `anyOf` (see `one_of`);
- keywords beside a `$ref`: annotations (title, description ...) are dropped; other keywords are
  ignored by drafts 4-7 (so dropped there, as those drafts say) and applied by 2019-09 and later
  (so moved into an `allOf` with the reference, which llguidance can compile for recursive refs);
- `not` of a presence test (`required`, or `anyOf`/`allOf` of them): "not all of P, Q present"
  is "P absent or Q absent", written with `properties: {P: false}`; `not` of values (`enum` or
  `const` of scalars, `type`) is every other value, spelled with `not_value` below and the
  remaining types; other `not`s stay (refused);
- `minProperties` / `maxProperties` beside optional properties branch on which are present (see
  `property_count`);
- a `type` beside `$ref`/`anyOf`/`oneOf`/`allOf` that those already imply is dropped (llguidance
  cannot intersect a recursive reference with siblings; here there is nothing to intersect);
- `if`/`then`/`else` whose `if` tests one property against a constant (`"type": {"const": "s3"}`,
  the usual discriminator) is `anyOf: [{if and then}, {not-if and else}]`, where not-if - "an
  object whose property is present (or, when `if` does not require it, absent) with another
  value" - is spelled with types, ranges and, for strings, a pattern matching every string but one
  (`then`/`else` with no `if` mean nothing and are dropped);
- `uri-reference`, `json-pointer` and `relative-json-pointer` become their RFCs' patterns
  (`uri-reference` restricted to ASCII, so every string the model can produce is valid); `regex`
  becomes a pattern for a regular subset of regex syntax that both ECMA-262 and Python accept. With
  a `pattern` already there, both must hold (llguidance intersects them).
"""
from __future__ import annotations

import copy
from typing import Any

from desktop.jsonmode import one_of
from desktop.jsonmode.property_count import count_branches
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


JSON_TYPES = frozenset({"null", "boolean", "string", "number", "object", "array"})  # integer is a number
ANNOTATIONS = frozenset({"title", "description", "$comment", "examples", "default", "deprecated",
                         "readOnly", "writeOnly", "$schema", "$id", "id"})
OLD_DRAFTS = ("draft-03", "draft-04", "draft-06", "draft-07")

# `format: regex`: a regular subset of regular-expression syntax - literals, escapes, classes
# (ranges only a-z, A-Z, 0-9), ".", one quantifier per atom, flat groups, alternation, ^ and $ at
# the ends - so every string it admits compiles both as ECMA-262 (what the format means) and in
# Python's `re` (what jsonschema checks it with).
_RE_LITERAL = r"[A-Za-z0-9 _,:;!@#%&=<>'\"/~`-]"
_RE_ESCAPE = r"\\[dDwWsSnrt.\\^$|?*+()\[\]{}/-]"
_RE_CLASS = r"\[\^?(?:a-z|A-Z|0-9|[A-Za-z0-9 _,:;!@#%&=<>'\"/~`.]|\\[dDwWsSnrt.\\^\[\]-])+\]"
_RE_QUANT = r"(?:[*+?]|\{[0-9]{1,2},?\})"
_RE_PIECE = rf"(?:{_RE_LITERAL}|{_RE_ESCAPE}|{_RE_CLASS}|\.){_RE_QUANT}?"
REGEX_PATTERN = rf"^\^?(?:{_RE_PIECE}|\((?:\?:)?(?:{_RE_PIECE}|\|)*\){_RE_QUANT}?|\|)*\$?$"

_POINTER = r"(?:/(?:[^~/]|~[01])*)*"
# Standard formats llguidance has no built-in for, as the patterns their RFCs define.
FORMAT_PATTERNS = {
    "uri-reference": URI_REFERENCE_PATTERN,
    "json-pointer": rf"^{_POINTER}$",  # RFC 6901
    "relative-json-pointer": rf"^(?:0|[1-9][0-9]*)(?:#|{_POINTER})$",  # draft-handrews-relative-json-pointer
    "regex": REGEX_PATTERN,
}


def rewrite(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of `schema` with the equivalences above applied (the input is left untouched)."""
    out = copy.deepcopy(schema)
    old_draft = any(d in str(schema.get("$schema", "")) for d in OLD_DRAFTS)
    for path, sub in list(subschemas(out)):
        if path:  # the root keeps $schema: it decides the draft
            _rewrite_ref_siblings(sub, old_draft)
        _rewrite_format(sub)
        _rewrite_dependencies(sub)
        _rewrite_not(sub)
        _rewrite_if(sub)
        _rewrite_counts(sub)
        _drop_implied_type(sub, out)
        around = one_of.types({k: v for k, v in sub.items() if k != "oneOf"}, out)
        if isinstance(sub.get("oneOf"), list) and one_of.exclusive(sub["oneOf"], out, around):
            sub["anyOf"] = sub.pop("oneOf") if "anyOf" not in sub else sub["anyOf"]
    return out


def _also(sub: dict[str, Any], *constraints: Any) -> None:
    """Add schemas that must hold as well (as `allOf` entries: llguidance intersects them)."""
    if constraints:
        sub["allOf"] = [*sub.get("allOf", []), *constraints]


def _rewrite_counts(sub: dict[str, Any]) -> None:
    branches = count_branches(sub)
    if branches is None:
        return
    sub.pop("minProperties", None)
    sub.pop("maxProperties", None)
    if branches != [{}]:
        _also(sub, {"anyOf": branches})


def _drop_implied_type(sub: dict[str, Any], root: dict[str, Any]) -> None:
    if "type" not in sub or not any(k in sub for k in ("$ref", "anyOf", "oneOf", "allOf")):
        return
    rest = {k: v for k, v in sub.items() if k != "type"}
    if one_of.types(rest, root) <= one_of.types({"type": sub["type"]}, root):
        del sub["type"]


def _rewrite_not(sub: dict[str, Any]) -> None:
    if "not" not in sub:
        return
    negated = negate_presence(sub["not"])
    if negated is None:
        negated = negate_values(sub["not"])
    if negated is not None:
        del sub["not"]
        _also(sub, negated)


def negate_presence(schema: Any) -> dict[str, Any] | None:
    """The exact negation of a schema that only tests which properties are present, else None.
    (A presence test passes every non-object, so its negation requires an object.)"""
    if not isinstance(schema, dict) or not schema:
        return None
    keys = set(schema) - ANNOTATIONS
    if keys == {"required"} and isinstance(schema["required"], list) and schema["required"]:
        absent = [{"type": "object", "properties": {name: False}} for name in schema["required"]]
        return absent[0] if len(absent) == 1 else {"anyOf": absent}
    if keys in ({"anyOf"}, {"allOf"}) and isinstance(schema[keys.pop()], list):
        key = "anyOf" if "anyOf" in schema else "allOf"
        parts = [negate_presence(part) for part in schema[key]]
        if not parts or any(part is None for part in parts):
            return None
        return {"allOf" if key == "anyOf" else "anyOf": parts}
    return None


def negate_values(schema: Any) -> dict[str, Any] | None:
    """The exact negation of `enum`/`const` of scalars or of a `type` test, else None."""
    if not isinstance(schema, dict) or len(set(schema) - ANNOTATIONS) != 1:
        return None
    (key,) = set(schema) - ANNOTATIONS
    if key in ("enum", "const"):
        values = schema[key] if key == "enum" else [schema[key]]
        others = [not_value(v) for v in values] if isinstance(values, list) and values else [None]
        if any(o is None for o in others):
            return None
        return others[0] if len(others) == 1 else {"allOf": others}
    if key == "type":
        named = {schema["type"]} if isinstance(schema["type"], str) else set(schema["type"])
        if "integer" in named - {"number"} and "number" not in named:
            return None  # "a number with a fraction" has no spelling llguidance enforces
        rest = JSON_TYPES - named
        return {"type": sorted(rest)} if rest else None
    return None


def _rewrite_if(sub: dict[str, Any]) -> None:
    if "if" not in sub:  # `then`/`else` without `if` have no effect (JSON Schema 2020-12, 10.2.2)
        sub.pop("then", None)
        sub.pop("else", None)
        return
    test = sub["if"]
    negated = _negate_property_test(test)
    if negated is None:
        return
    then, otherwise = sub.get("then", {}), sub.get("else", {})
    for key in ("if", "then", "else"):
        sub.pop(key, None)
    _also(sub, {"anyOf": [{"allOf": [test, then]}, {"allOf": [negated, otherwise]}]})


def _negate_property_test(test: Any) -> dict[str, Any] | None:
    """not {"properties": {P: {"const": V}}, ["required": [P]]}, exactly, or None."""
    if not isinstance(test, dict) or not set(test) - ANNOTATIONS <= {"properties", "required"}:
        return None
    props = test.get("properties")
    if not isinstance(props, dict) or len(props) != 1:
        return None
    (name, prop), = props.items()
    if not isinstance(prop, dict) or set(prop) - ANNOTATIONS != {"const"}:
        return None
    other = not_value(prop["const"])
    required = test.get("required", [])
    if other is None or required not in ([], [name]):
        return None
    different = {"type": "object", "required": [name], "properties": {name: other}}
    if required:  # the test also fails when the property is missing
        return {"anyOf": [different, {"type": "object", "properties": {name: False}}]}
    return different


def not_value(value: Any) -> dict[str, Any] | None:
    """A schema for every JSON value except `value` (None for objects and arrays)."""
    if isinstance(value, (dict, list)):
        return None
    kinds = JSON_TYPES
    if value is None:
        return {"type": sorted(kinds - {"null"})}
    if isinstance(value, bool):
        return {"anyOf": [{"type": sorted(kinds - {"boolean"})}, {"const": not value}]}
    if isinstance(value, (int, float)):
        return {"anyOf": [{"type": sorted(kinds - {"number"})}, {"type": "number", "exclusiveMaximum": value},
                          {"type": "number", "exclusiveMinimum": value}]}
    return {"anyOf": [{"type": sorted(kinds - {"string"})}, {"type": "string", "pattern": every_string_but(value)}]}


def every_string_but(word: str) -> str:
    """A regex (no look-around) matching every string except `word`: a proper prefix of it, a
    string that leaves it at some character, or it followed by more."""
    esc = [_escape(c) for c in word]
    prefixes = ["".join(esc[:i]) for i in range(len(word))]
    leaves = [f"{''.join(esc[:i])}[^{_class_escape(c)}]" for i, c in enumerate(word)]
    return "^(?:" + "|".join([*prefixes, *(f"{x}[\\s\\S]*" for x in leaves), f"{''.join(esc)}[\\s\\S]+"]) + ")$"


def _escape(char: str) -> str:
    return "\\" + char if char in "\\.^$|?*+()[]{}" else char


def _class_escape(char: str) -> str:
    return "\\" + char if char in "\\]^-[" else char


def _rewrite_ref_siblings(sub: dict[str, Any], old_draft: bool) -> None:
    if not isinstance(sub.get("$ref"), str) or len(sub) == 1:
        return
    others = {k: v for k, v in sub.items() if k != "$ref" and k not in ANNOTATIONS}
    ref = sub["$ref"]
    sub.clear()
    if old_draft or not others:
        sub["$ref"] = ref
    else:
        sub.update(others)
        sub["allOf"] = [{"$ref": ref}, *others.get("allOf", [])]


def _rewrite_format(sub: dict[str, Any]) -> None:
    fmt = sub.get("format")
    if not isinstance(fmt, str):
        return
    if fmt not in STANDARD_FORMATS:
        del sub["format"]
    elif fmt in FORMAT_PATTERNS:
        del sub["format"]
        if "pattern" in sub:
            _also(sub, {"pattern": FORMAT_PATTERNS[fmt]})
        else:
            sub["pattern"] = FORMAT_PATTERNS[fmt]


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
    _also(sub, *branches)
