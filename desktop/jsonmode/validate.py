"""The last word on a JSON-mode answer: parsed and validated before it is ever called valid.

The mask makes invalid output impossible in principle; this check makes it verified in practice
(and catches answers cut short by max_tokens). JSON is parsed strictly (no NaN/Infinity) and
validated with `jsonschema` under the schema's own `$schema` draft (2020-12 by default), formats
included. A grammar answer is run through llguidance's matcher over a byte-level vocabulary, so
no model is needed.
"""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import jsonschema
import llguidance

from desktop.jsonmode.constraint import Constraint
from desktop.jsonmode.compile import grammar_for
from desktop.jsonmode.schema_walk import pointer

_EOS = 256


def check_answer(text: str, constraint: Constraint) -> tuple[bool, str | None]:
    """(True, None) when `text` satisfies `constraint`, else (False, one line saying why)."""
    if constraint.kind in ("grammar", "lark"):
        return _check_grammar(text, constraint)
    if not text.strip():
        return False, "the answer is empty"
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        return False, f"not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"
    except ValueError as exc:
        return False, f"not valid JSON: {exc}"
    if constraint.kind == "json_object" and not isinstance(value, dict):
        return False, f"expected a JSON object, got {type(value).__name__}"
    if constraint.kind == "json_schema" and constraint.schema is not None:
        return _check_schema(value, constraint.schema)
    return True, None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def _check_schema(value: Any, schema: dict[str, Any]) -> tuple[bool, str | None]:
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    error = jsonschema.exceptions.best_match(validator.iter_errors(value))
    if error is None:
        return True, None
    where = pointer(tuple(str(p) for p in error.absolute_path))
    message = error.message if len(error.message) <= 200 else error.message[:197] + "..."
    return False, f"does not match the schema at {where}: {message}".replace("\n", " ")


def _check_grammar(text: str, constraint: Constraint) -> tuple[bool, str | None]:
    return matches(grammar_for(constraint), text)


def matches(grammar: str, text: str) -> tuple[bool, str | None]:
    """Whether llguidance grammar `grammar` (from `compile.grammar_for`) accepts exactly `text`."""
    matcher = llguidance.LLMatcher(_byte_tokenizer(), grammar, log_level=0)
    data = text.encode("utf-8")
    accepted = matcher.try_consume_tokens(list(data))
    if accepted < len(data):
        where = len(data[:accepted].decode("utf-8", errors="ignore"))
        return False, f"does not match the grammar at character {where + 1}"
    if not matcher.is_accepting():
        return False, "the answer stops before the grammar is complete"
    return True, None


class _Bytes:
    """A vocabulary of the 256 single bytes plus an end token, for checking text without a model."""

    eos_token_id = _EOS
    bos_token_id = None
    tokens = [bytes([b]) for b in range(256)] + [b"\xff<eos>"]
    special_token_ids = [_EOS]

    def __call__(self, text: bytes | str) -> list[int]:
        return list(text if isinstance(text, bytes) else text.encode("utf-8"))


@lru_cache(maxsize=1)
def _byte_tokenizer() -> llguidance.LLTokenizer:
    return llguidance.LLTokenizer(llguidance.TokenizerWrapper(_Bytes()))
