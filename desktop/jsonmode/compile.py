"""Constraint -> llguidance grammar, and `check()`: the gate every JSON-mode request passes first.

`check` runs in the caller's process before anything is queued (and as a schema editor's
validate-as-you-type), so it must be fast: it builds the grammar without a tokenizer, which takes
well under a millisecond for typical schemas. Whatever llguidance cannot enforce is an error here,
named and located - there is no lenient mode and no silent fallback to unconstrained output.
"""
from __future__ import annotations

import copy
import json
import re
from functools import lru_cache
from typing import Any

import jsonschema
from llguidance import LLMatcher

from desktop.jsonmode.constraint import Constraint
from desktop.errors import HearthError
from desktop.jsonmode import gbnf
from desktop.jsonmode.property_count import MAX_BRANCHES
from desktop.jsonmode.free_form import bound_free_form
from desktop.jsonmode.runaway import bound_integers
from desktop.jsonmode.schema_rewrite import rewrite
from desktop.jsonmode.schema_walk import pointer, subschemas

# JSON laid out the way models learned it - `{"a": 1}` or pretty-printed with indentation - but
# with whitespace capped: between two tokens at most one space, or one newline plus at most 32
# spaces of indentation. Runaway newlines and endless indentation are impossible.
JSON_OPTIONS: dict[str, Any] = {
    "whitespace_flexible": True,
    "whitespace_pattern": r"[ ]?|\n {0,32}",
    "item_separator": ",",
    "key_separator": ":",
    "coerce_one_of": False,  # oneOf is enforced exactly or rejected, never treated as anyOf
    "lenient": False,  # an unimplemented keyword is an error, never ignored
}

ANY_VALUE: dict[str, Any] = {}
ANY_OBJECT: dict[str, Any] = {"type": "object"}


def check(constraint: Constraint) -> None:
    """Raise HearthError (one line) unless `constraint` can be enforced exactly."""
    grammar_for(constraint)


def grammar_for(constraint: Constraint) -> str:
    """The llguidance grammar (a string for `LLMatcher`) enforcing `constraint`; HearthError if
    the constraint is malformed or uses something that cannot be enforced."""
    if constraint.kind == "json":
        return _json_grammar(json.dumps(ANY_VALUE))
    if constraint.kind == "json_object":
        return _json_grammar(json.dumps(ANY_OBJECT))
    if constraint.kind == "json_schema":
        schema = constraint.schema
        if schema is True:  # the schema `true` admits any JSON value
            schema = ANY_VALUE
        if schema is False:
            raise HearthError("the JSON Schema `false` admits no value at all: nothing could be generated")
        if not isinstance(schema, dict):
            raise HearthError("JSON Schema mode needs a schema: a JSON object such as {\"type\": \"object\"}")
        _check_against_metaschema(schema)
        rewritten = rewrite(schema)
        text = json.dumps(bound_free_form(bound_integers(rewritten)) if constraint.runaway_guard else rewritten)
        try:
            return _json_grammar(text)
        except _Unenforceable as exc:
            raise HearthError(_explain(schema, str(exc))) from None
    if constraint.kind == "grammar":
        if not isinstance(constraint.grammar, str):
            raise HearthError("grammar mode needs grammar text (GBNF, as llama.cpp writes it)")
        return _lark_grammar(gbnf.to_lark(constraint.grammar))
    if constraint.kind == "lark":
        if not isinstance(constraint.grammar, str):
            raise HearthError("lark mode needs grammar text in llguidance's Lark syntax")
        return _lark_grammar(constraint.grammar)
    raise HearthError(f"unknown constraint kind {constraint.kind!r}: use json, json_object, json_schema, "
                      "grammar or lark")


def embeddable_schema(schema: Any) -> str:
    """`schema` as the JSON text of a Lark `%json` block, laid out exactly as `json.dumps` writes
    (", " and ": ", no other whitespace) so that text around it can be parsed without guessing;
    HearthError (naming the feature and where) when it cannot be enforced."""
    grammar_for(Constraint(kind="json_schema", schema=schema))
    rewritten = rewrite(ANY_VALUE if schema is True else schema)
    options = JSON_OPTIONS | {"whitespace_flexible": False, "item_separator": ", ", "key_separator": ": "}
    options.pop("whitespace_pattern")
    return json.dumps(rewritten | {"x-guidance": options}, ensure_ascii=False)


def embeddable_format(constraint: Constraint) -> str:
    """A JSON-kind constraint (`response_format`) as the JSON text of a Lark `%json` block, laid
    out as freely as the constraint alone allows: the text alternative of a tool-call grammar.
    HearthError (naming the feature) when it cannot be enforced."""
    grammar_for(constraint)
    schema = {"json": ANY_VALUE, "json_object": ANY_OBJECT}.get(constraint.kind, constraint.schema)
    rewritten = rewrite(ANY_VALUE if schema is True else schema)
    if constraint.kind == "json_schema" and constraint.runaway_guard:
        rewritten = bound_integers(rewritten)
    return json.dumps(rewritten | {"x-guidance": JSON_OPTIONS}, ensure_ascii=False)


class _Unenforceable(Exception):
    """llguidance's own message for a schema it cannot compile."""


@lru_cache(maxsize=256)
def _json_grammar(schema_text: str) -> str:
    grammar = LLMatcher.grammar_from_json_schema(schema_text, defaults=JSON_OPTIONS)
    is_error, messages = LLMatcher.validate_grammar_with_warnings(grammar)
    if is_error:
        raise _Unenforceable(messages[0])
    return grammar


@lru_cache(maxsize=64)
def _lark_grammar(lark: str) -> str:
    grammar = LLMatcher.grammar_from_lark(lark)
    is_error, messages = LLMatcher.validate_grammar_with_warnings(grammar)
    if is_error:
        raise HearthError(f"grammar error: {_first_line(messages[0])}")
    return grammar


def _check_against_metaschema(schema: dict[str, Any]) -> None:
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    error = jsonschema.exceptions.best_match(_metaschema_validator(cls).iter_errors(schema))
    if error is not None:
        where = pointer(tuple(str(p) for p in error.absolute_path))
        raise HearthError(f"invalid JSON Schema at {where}: {_first_line(error.message)}")


@lru_cache(maxsize=None)
def _metaschema_validator(cls: type) -> Any:
    """One validator per draft: building one resolves the metaschema's references, which costs more
    than validating a typical schema."""
    return cls(cls.META_SCHEMA)


def _explain(schema: dict[str, Any], message: str) -> str:
    """Turn llguidance's message into "what, where" for the original (unrewritten) schema."""
    first = _first_line(message)
    keys = re.match(r'Unimplemented keys: \[(.*)\]', first)
    if keys:
        names = json.loads(f"[{keys.group(1)}]")
        return _feature(f"'{names[0]}'", _where(schema, lambda s: names[0] in s))
    fmt = re.match(r"Unknown format: (.*)", first)
    if fmt:
        return _feature(f"format {fmt.group(1)!r}", _where(schema, lambda s: s.get("format") == fmt.group(1)))
    if first.startswith("oneOf"):
        return (_feature("oneOf with overlapping alternatives", _where_one_of(schema))
                + " (an answer could match several; make the alternatives distinct, or use anyOf)")
    if "min/maxProperties" in first:
        where = _where(schema, lambda s: "minProperties" in s or "maxProperties" in s)
        return _feature(f"minProperties/maxProperties over more optional properties than Hearth expands "
                        f"(at most {MAX_BRANCHES} combinations)", where)
    if first.startswith("Unsatisfiable schema"):
        return f"this JSON Schema admits no value at all, so nothing could be generated ({first})"
    if message.startswith("regex parse error"):
        bad = _where(schema, lambda s: isinstance(s.get("pattern"), str) and s["pattern"] in message)
        return f"unsupported regular expression in 'pattern'{bad}: {_regex_reason(message)}"
    if "lookaround" in first and " in regex /" in first:
        regex = first.split(" in regex /", 1)[1].rsplit("/", 1)[0]
        unescaped = regex.replace("\\/", "/")  # llguidance prints "/" escaped
        bad = _where(schema, lambda s: isinstance(s.get("pattern"), str) and s["pattern"].replace("\\/", "/") == unescaped)
        return f"unsupported regular expression in 'pattern'{bad}: '$' or '^' inside the pattern (only at its ends)"
    if "not present in a registry" in first or "$ref" in first:
        return f"unsupported JSON Schema feature: only local $ref (\"#/...\") is supported ({first})"
    return f"cannot enforce this JSON Schema: {first}"


def _feature(what: str, where: str) -> str:
    return f"unsupported JSON Schema feature: {what}{where}"


def _where(schema: dict[str, Any], test) -> str:
    for path, sub in subschemas(schema):
        if test(sub):
            return f" at {pointer(path)}"
    return ""


def _where_one_of(schema: dict[str, Any]) -> str:
    """The oneOf llguidance cannot prove exclusive: the one that still fails when every other
    oneOf is relaxed to anyOf (only on the error path, so a few extra compiles are fine)."""
    rewritten = rewrite(schema)
    paths = [path for path, sub in subschemas(rewritten) if "oneOf" in sub]
    for keep in paths:
        trial = copy.deepcopy(rewritten)
        for path, sub in list(subschemas(trial)):
            if "oneOf" in sub and path != keep:
                sub["anyOf"] = sub.pop("oneOf")
        try:
            _json_grammar(json.dumps(trial))
        except _Unenforceable:
            return f" at {pointer(_original_path(schema, keep))}"
    return ""


def _original_path(schema: Any, path: tuple[str, ...]) -> tuple[str, ...]:
    """`path` in the rewritten schema, spelled as in the user's: a oneOf proved exclusive was
    renamed anyOf by the rewrite."""
    out, node = [], schema
    for part in path:
        if part == "anyOf" and isinstance(node, dict) and "anyOf" not in node and "oneOf" in node:
            part = "oneOf"
        out.append(part)
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
    return tuple(out)


def _regex_reason(message: str) -> str:
    lines = [line.strip() for line in message.splitlines() if line.strip().startswith("error:")]
    return lines[0].removeprefix("error:").strip() if lines else _first_line(message)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text
