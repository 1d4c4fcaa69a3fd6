"""Reports become regression cases; cases are replayed against any model and scored.

A bug report with an expected answer, or a data contribution, says "for these messages, with
these sampling parameters, seed and schema, the answer should be this". Replaying the recorded
request through the real engine checks that statement against a new model or quantization:

    exact     the answer, stripped of surrounding whitespace, equals the expected text
    contains  the expected text occurs in the answer (case-insensitive)
    schema    the answer parses as JSON and satisfies the recorded JSON Schema

Cases travel as JSON Lines (`format: hearth-regression`), so a maker can collect them from
received reports and replay them before every release.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

import jsonschema

from desktop.atomic_write import write_atomically
from desktop.errors import HearthError
from desktop.feedback.schema import FORMAT as REPORT_FORMAT
from desktop.feedback.schema import MATCH_MODES

CASE_FORMAT = "hearth-regression"
CASE_VERSION = 1


@dataclass
class RegressionCase:
    id: str  # the report's id
    source: str  # "bug" or "data"
    messages: list[dict[str, str]]  # the prompt: everything before the reported answer
    sampling: dict[str, Any] | None
    constraint: dict[str, Any] | None
    expected: str
    match: str
    model_file: str | None = None  # the model the report was made with (for reference)
    model_sha256: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"format": CASE_FORMAT, "version": CASE_VERSION, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RegressionCase":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass
class CaseResult:
    case_id: str
    match: str
    passed: bool
    answer: str
    reason: str  # why it failed; "" when it passed
    seconds: float


def case_from_report(payload: dict[str, Any]) -> RegressionCase | None:
    """The regression case a report carries, or None (no expected answer, or another kind)."""
    kind, details = payload.get("kind"), payload.get("details") or {}
    conversation = payload.get("conversation") or []
    if kind == "bug" and details.get("expected"):
        expected, prompt = details["expected"], conversation[:-1]
    elif kind == "data" and details.get("ideal_answer"):
        expected, prompt = details["ideal_answer"], details.get("prompt") or conversation[:-1]
    else:
        return None
    if not prompt:
        return None
    model = payload.get("model") or {}
    return RegressionCase(id=payload["id"], source=kind, messages=prompt, sampling=payload.get("sampling"),
                          constraint=payload.get("constraint"), expected=expected,
                          match=details.get("match") or "contains",
                          model_file=model.get("file"), model_sha256=model.get("sha256"))


def cases_from_store(store: Any) -> list[RegressionCase]:
    """Every case in the outbox, drafts included: a user's own reports guard their own upgrades."""
    found = (case_from_report(item.payload) for item in store.outbox.list())
    return [case for case in found if case is not None]


def load_cases(path: str | Path) -> list[RegressionCase]:
    """Cases from a JSONL file of cases (`export_cases`) or of reports (`hearth feedback export`)."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise HearthError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    cases = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise HearthError(f"{path.name} line {number}: not JSON ({exc.msg})") from None
        data = data.get("payload", data) if isinstance(data, dict) else data  # outbox export lines
        fmt = data.get("format") if isinstance(data, dict) else None
        if fmt == CASE_FORMAT:
            try:
                cases.append(RegressionCase.from_dict(data))
            except TypeError as exc:
                raise HearthError(f"{path.name} line {number}: incomplete regression case ({exc})") from None
        elif fmt == REPORT_FORMAT:
            case = case_from_report(data)
            if case is not None:
                cases.append(case)
        else:
            raise HearthError(f"{path.name} line {number}: neither a Hearth report nor a regression case")
    return cases


def export_cases(cases: Iterable[RegressionCase], path: str | Path) -> int:
    """Write cases as a JSONL test set (temp file + rename); returns how many were written."""
    return write_jsonl((case.to_dict() for case in cases), path)


def write_jsonl(rows: Iterable[dict[str, Any]], path: str | Path) -> int:
    """One JSON object per line, written whole or not at all; returns the number of lines."""
    lines = [json.dumps(row, ensure_ascii=False) + "\n" for row in rows]
    write_atomically(path, lines)
    return len(lines)


def judge(case: RegressionCase, answer: str) -> tuple[bool, str]:
    """Does `answer` satisfy the case? Returns (passed, why not)."""
    if case.match == "exact":
        ok = answer.strip() == case.expected.strip()
        return ok, "" if ok else "the answer differs from the expected text"
    if case.match == "contains":
        ok = case.expected.strip().casefold() in answer.casefold()
        return ok, "" if ok else "the expected text does not occur in the answer"
    if case.match == "schema":
        try:
            value = json.loads(answer)
        except json.JSONDecodeError as exc:
            return False, f"the answer is not JSON ({exc.msg} at character {exc.pos})"
        schema = (case.constraint or {}).get("schema")
        if schema:
            try:
                jsonschema.validate(value, schema)
            except jsonschema.ValidationError as exc:
                return False, f"the answer breaks the schema: {exc.message}"
        return True, ""
    raise HearthError(f"case {case.id}: unknown match mode '{case.match}' (one of: {', '.join(MATCH_MODES)})")


def replay(client: Any, cases: Iterable[RegressionCase], *, match: str | None = None,
           on_result: Callable[[CaseResult], None] | None = None) -> list[CaseResult]:
    """Run each case through the engine (a loaded EngineClient) with its recorded request."""
    from desktop.chat_messages import ChatMessage
    from desktop.engine import Constraint, Done, EngineFailure, SamplingParams, Token

    results = []
    for case in cases:
        if match is not None:
            case = RegressionCase(**{**asdict(case), "match": match})
        params = SamplingParams.from_dict(case.sampling or {})
        constraint = Constraint.from_dict(case.constraint) if case.constraint else None
        started, pieces, failure = time.perf_counter(), [], None
        answer = None
        try:
            messages = [ChatMessage.from_dict(m) for m in case.messages]
            for event in client.chat(messages, params, constraint=constraint):
                if isinstance(event, Token):
                    pieces.append(event.text)
                elif isinstance(event, Done):
                    answer = event.text
                elif isinstance(event, EngineFailure):
                    failure = f"the engine failed ({event.kind}): {event.message}"
        except HearthError as exc:  # e.g. a recorded schema this build cannot enforce
            failure = str(exc)
        answer = "".join(pieces) if answer is None else answer
        passed, reason = (False, failure) if failure else judge(case, answer)
        result = CaseResult(case.id, case.match, passed, answer, reason, time.perf_counter() - started)
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results
