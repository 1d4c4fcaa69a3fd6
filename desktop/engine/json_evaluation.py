"""Scoring a model's JSON answers: run cases through the engine, constrained or not, and tabulate.

The terms follow JSONSchemaBench (Geng et al. 2025): *declared coverage* - the engine accepts the
schema; *empirical coverage* - the answer parses and validates; *compliance* - empirical / declared.
Unconstrained runs get the same prompt (schema hint included) and one leniency: when the answer
contains a Markdown code block, only the first block is parsed, as a user copying it would.
"""
from __future__ import annotations

import json
import random
import re
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from desktop.chat_messages import ChatMessage
from desktop.engine.client import as_sent
from desktop.engine.types import Done, SamplingParams
from desktop.jsonmode.constraint import Constraint
from desktop.errors import HearthError
from desktop.jsonmode.compile import check
from desktop.jsonmode.validate import check_answer


@dataclass(frozen=True)
class Item:
    """One thing to ask: a prompt and the schema its answer must follow."""

    id: str
    group: str  # shape (builtin) or subset (JSONSchemaBench), for the per-group breakdown
    prompt: str
    schema: Any


@dataclass
class Outcome:
    id: str
    group: str
    declared: bool  # check() accepted the schema (always True when unconstrained)
    compile_ms: float
    finish: str  # stop | length | failed | not run
    parsed: bool
    valid: bool
    error: str | None
    tokens: int
    decode_tok_s: float
    text: str
    wrapped_up: bool = False  # closed early near max_tokens (the guard's wrap-up)


FENCE = re.compile(r"```[a-zA-Z]*[ \t]*\n(.*?)\n?```", re.S)


def unfenced(text: str) -> str:
    """The first Markdown code block's content if there is one (what a user would copy), else
    the whole answer."""
    match = FENCE.search(text)
    return match.group(1) if match else text


def parses(text: str) -> bool:
    try:
        json.loads(text)
        return True
    except ValueError:
        return False


def run_item(client: Any, item: Item, constrained: bool, params: SamplingParams,
             runaway_guard: bool = True) -> Outcome:
    """Ask one item through the engine client and judge the answer."""
    constraint = Constraint("json_schema", schema=item.schema, runaway_guard=runaway_guard)
    start = time.perf_counter()
    try:
        check(constraint)
        declared, error = True, None
    except HearthError as exc:
        declared, error = False, str(exc)
    compile_ms = (time.perf_counter() - start) * 1000
    if constrained and not declared:
        return Outcome(item.id, item.group, False, compile_ms, "not run", False, False, error, 0, 0.0, "")
    messages = [ChatMessage("user", item.prompt)]
    if constrained:
        result = client.chat(messages, params, constraint).collect()
    else:
        result = client.chat(as_sent(messages, constraint), params, None).collect()
    if not isinstance(result, Done):
        return Outcome(item.id, item.group, declared or not constrained, compile_ms, "failed", False, False,
                       f"{result.kind}: {result.message}", 0, 0.0, "")
    text = result.text if constrained else unfenced(result.text)
    valid, why = check_answer(text, constraint)
    if result.finish_reason == "length":
        why = "cut short by max_tokens"
    return Outcome(item.id, item.group, declared or not constrained, compile_ms, result.finish_reason,
                   parses(text), valid and result.finish_reason == "stop", why, result.completion_tokens,
                   result.decode_tok_s, result.text, result.wrapped_up)


def run_all(client: Any, items: Iterable[Item], constrained: bool, params: SamplingParams,
            progress: Callable[[int, Outcome], None] | None = None, runaway_guard: bool = True) -> list[Outcome]:
    outcomes = []
    for i, item in enumerate(items, 1):
        outcome = run_item(client, item, constrained, params, runaway_guard)
        outcomes.append(outcome)
        if progress:
            progress(i, outcome)
    return outcomes


def summarize(outcomes: list[Outcome]) -> dict[str, Any]:
    """The numbers of the table, for one list of outcomes."""
    n = len(outcomes)
    declared = [o for o in outcomes if o.declared]
    finished = [o for o in outcomes if o.finish == "stop"]
    valid = [o for o in outcomes if o.valid]
    speeds = [o.decode_tok_s for o in outcomes if o.decode_tok_s > 0]
    return {
        "cases": n,
        "declared_coverage": len(declared) / n if n else 0.0,
        "parse_rate": sum(o.parsed for o in outcomes) / n if n else 0.0,
        "empirical_coverage": len(valid) / n if n else 0.0,
        "compliance": len(valid) / len(declared) if declared else 0.0,
        "valid_of_finished": len([o for o in finished if o.valid]) / len(finished) if finished else 0.0,
        "finished": len(finished),
        "truncated": sum(o.finish == "length" for o in outcomes),
        "wrapped_up": sum(o.wrapped_up for o in outcomes),
        "failed": sum(o.finish == "failed" for o in outcomes),
        "compile_ms_median": statistics.median(o.compile_ms for o in outcomes) if n else 0.0,
        "decode_tok_s_median": statistics.median(speeds) if speeds else 0.0,
        "tokens_total": sum(o.tokens for o in outcomes),
    }


COLUMNS = [
    ("cases", "cases", "{}"),
    ("declared", "declared_coverage", "{:.3f}"),
    ("parse rate", "parse_rate", "{:.3f}"),
    ("conformance (empirical)", "empirical_coverage", "{:.3f}"),
    ("compliance", "compliance", "{:.3f}"),
    ("valid of finished", "valid_of_finished", "{:.3f}"),
    ("truncated", "truncated", "{}"),
    ("wrapped up", "wrapped_up", "{}"),
    ("compile ms (median)", "compile_ms_median", "{:.2f}"),
    ("decode tok/s (median)", "decode_tok_s_median", "{:.1f}"),
]


def table(rows: list[tuple[str, dict[str, Any]]], extra: list[tuple[str, str]] | None = None) -> str:
    """A Markdown table: one row per (label, summary)."""
    head = ["", *[c[0] for c in COLUMNS], *[e[0] for e in extra or []]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, summary in rows:
        cells = [label, *[fmt.format(summary[key]) for _, key, fmt in COLUMNS]]
        cells += [str(summary.get(key, "")) for _, key in extra or []]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def by_group(outcomes: list[Outcome]) -> list[tuple[str, dict[str, Any]]]:
    groups: dict[str, list[Outcome]] = {}
    for o in outcomes:
        groups.setdefault(o.group, []).append(o)
    return [(name, summarize(items)) for name, items in sorted(groups.items())]


def spread(items: list[Any], limit: int | None) -> list[Any]:
    """`limit` items drawn with a fixed seed, in set order: the same subset every run, and every
    shape / subset represented in proportion."""
    if not limit or limit >= len(items):
        return list(items)
    chosen = sorted(random.Random(20250101).sample(range(len(items)), limit))
    return [items[i] for i in chosen]


def outcome_dicts(outcomes: list[Outcome]) -> list[dict[str, Any]]:
    return [asdict(o) for o in outcomes]
