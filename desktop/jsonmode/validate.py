"""The last word on a JSON-mode answer: parsed and validated before it is ever called valid.

The mask makes invalid output impossible in principle; this check makes it verified in practice
(and catches answers cut short by max_tokens). JSON is parsed strictly (no NaN/Infinity) and
validated with `jsonschema` under the schema's own `$schema` draft (2020-12 by default), formats
included. A grammar answer is run through llguidance's matcher over a byte-level vocabulary, so
no model is needed.
"""
from __future__ import annotations

import json
import re
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
    return matches(grammar_for(constraint), text, tuple(constraint.special_tokens))


def matches(grammar: str, text: str, special_tokens: tuple[str, ...] = ()) -> tuple[bool, str | None]:
    """Whether llguidance grammar `grammar` (from `compile.grammar_for`) accepts exactly `text`.
    `special_tokens`: names the grammar uses as `<name>`; in `text` each one is written as its
    name, the way the engine detokenizes the token."""
    matcher = llguidance.LLMatcher(_byte_tokenizer(special_tokens), grammar, log_level=0)
    tokens, ends = _byte_tokens(text, special_tokens)
    accepted = matcher.try_consume_tokens(tokens)
    if accepted < len(tokens):
        where = ends[accepted - 1] if accepted else 0
        return False, f"does not match the grammar at character {where + 1}"
    if not matcher.is_accepting():
        return False, "the answer stops before the grammar is complete"
    return True, None


def _byte_tokens(text: str, special_tokens: tuple[str, ...]) -> tuple[list[int], list[int]]:
    """`text` in the byte vocabulary (a special token's name as its token), and after each token
    how many characters of `text` it ends at."""
    tokens: list[int] = []
    ends: list[int] = []
    pieces = re.split(f"({'|'.join(map(re.escape, special_tokens))})", text) if special_tokens else [text]
    at = 0
    for piece in pieces:
        if piece in special_tokens:
            tokens.append(_EOS + 1 + special_tokens.index(piece))
            ends.append(at + len(piece))
        else:
            for i, ch in enumerate(piece):
                data = ch.encode("utf-8")
                tokens += list(data)
                ends += [at + i] * (len(data) - 1) + [at + i + 1]
        at += len(piece)
    return tokens, ends


class _Bytes:
    """A vocabulary of the 256 single bytes, an end token and any special tokens a grammar names,
    for checking text without a model."""

    eos_token_id = _EOS
    bos_token_id = None

    def __init__(self, special_tokens: tuple[str, ...]) -> None:
        self.tokens = ([bytes([b]) for b in range(256)] + [b"\xff<eos>"]
                       + [b"\xff" + name.encode() for name in special_tokens])
        self.special_token_ids = [_EOS + i for i in range(len(special_tokens) + 1)]

    def __call__(self, text: bytes | str) -> list[int]:
        return list(text if isinstance(text, bytes) else text.encode("utf-8"))


@lru_cache(maxsize=8)
def _byte_tokenizer(special_tokens: tuple[str, ...] = ()) -> llguidance.LLTokenizer:
    return llguidance.LLTokenizer(llguidance.TokenizerWrapper(_Bytes(special_tokens)))
