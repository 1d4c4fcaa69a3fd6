"""Building a feedback report: the user's words plus everything needed to reproduce them.

`draft_report` gathers the conversation and context from the store and returns the payload
*before* redaction; `finalize` redacts it and validates it against the versioned schema. The
dialog and `hearth feedback new` both show the finalized payload as the preview, and exactly that
text (after any manual edits) is what gets queued and sent.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jsonschema

from desktop.chat_messages import chat_messages
from desktop.errors import HearthError
from desktop.feedback import context
from desktop.feedback.redaction import redact_payload, summarize
from desktop.feedback.schema import DOMAINS, FORMAT, KINDS, LICENCES, MATCH_MODES, REPORT_SCHEMA, VERSION

TITLE_LIMIT = 120
MAX_BENCHMARK_BYTES = 2 * 2**20  # a results file bigger than this is not a benchmark result


@dataclass
class ReportRequest:
    """What the user chose in the dialog or on the command line."""

    kind: str
    description: str = ""
    expected: str | None = None  # bug: the answer the model should have given
    match: str | None = None  # how a regression replay compares; None: chosen from the constraint
    ideal_answer: str | None = None  # data: the edited answer; None: the model's answer as a start
    domain: str = "other"
    licence: str = LICENCES[0]
    consent: bool = False
    benchmark_file: str | None = None


@dataclass
class Conversation:
    """The reported exchange: the messages up to the reported answer, and that answer."""

    session: Any | None
    messages: list[Any]  # store Messages, root first, ending with `answer` when there is one
    answer: Any | None  # the assistant Message the report is about


def load_conversation(store: Any, session_id: int | None, message_id: int | None) -> Conversation:
    """The branch that leads to `message_id` (or the session's active branch) from the store.

    A report about a question is about the answer it got, so a user message is followed down the
    active branch to its answer when there is one."""
    if message_id is not None:
        session_id = store.get_message(message_id).session_id  # HearthError names a missing id
    if session_id is None:
        return Conversation(None, [], None)
    session = store.get_session(session_id)
    active = store.active_path(session_id)
    messages = _path_to(store.messages(session_id), message_id) if message_id is not None else active
    if messages and messages[-1].role != "assistant" and messages == active[: len(messages)]:
        messages = active[: len(messages) + 1]
    answers = [m for m in messages if m.role == "assistant"]
    answer = answers[-1] if answers else None
    if answer is not None:
        messages = messages[: messages.index(answer) + 1]
    return Conversation(session, messages, answer)


def _path_to(all_messages: list[Any], leaf_id: int) -> list[Any]:
    by_id = {m.id: m for m in all_messages}
    path, current = [], by_id.get(leaf_id)
    while current is not None:
        path.append(current)
        current = by_id.get(current.parent_id) if current.parent_id is not None else None
    return path[::-1]


def draft_report(request: ReportRequest, conversation: Conversation) -> dict[str, Any]:
    """The full payload before redaction. Raises HearthError for a request that cannot be met."""
    if request.kind not in KINDS:
        raise HearthError(f"unknown feedback kind '{request.kind}' (choose one of: {', '.join(KINDS)})")
    answer = conversation.answer
    system_prompt = conversation.session.system_prompt if conversation.session is not None else None
    chat = [m.to_dict() for m in chat_messages(system_prompt, conversation.messages)]
    env = context.environment()
    model = context.model_facts(answer.model_file, answer.model_sha256) if answer else None
    details = _DETAIL_BUILDERS[request.kind](request, conversation, chat, env)
    return {
        "format": FORMAT,
        "version": VERSION,
        "id": uuid.uuid4().hex,
        "kind": request.kind,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "title": _title(request, model),
        "description": request.description,
        "model": model,
        "sampling": answer.params if answer else None,
        "constraint": answer.constraint if answer else None,
        "conversation": chat,
        "answer": {"finish_reason": answer.finish_reason, "metrics": answer.metrics} if answer else None,
        "environment": env,
        "details": details,
        "redactions": [],
    }


def finalize(payload: dict[str, Any], redact: bool = True) -> dict[str, Any]:
    """Redact the payload (unless the user turned that off in Settings), record what was
    redacted, and check it against the schema."""
    if redact:
        clean, hits = redact_payload({k: v for k, v in payload.items() if k != "redactions"})
        clean["redactions"] = summarize(hits)
    else:
        clean = {**payload, "redactions": []}
    validate(clean)
    return clean


def validate(payload: Any) -> None:
    """Raise HearthError naming the first problem if `payload` is not a valid version-1 report."""
    if not isinstance(payload, dict):
        raise HearthError("the report must be a JSON object")
    try:
        jsonschema.validate(payload, REPORT_SCHEMA)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "the report"
        raise HearthError(f"invalid report at {where}: {exc.message}") from None


def parse_edited(text: str) -> dict[str, Any]:
    """The user's edited preview back as a payload, validated; one-line errors for bad edits."""
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise HearthError(f"the edited report is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    validate(payload)
    return payload


def to_json(payload: dict[str, Any]) -> str:
    """The preview and wire text: readable, non-ASCII kept (Chinese stays Chinese)."""
    return json.dumps(payload, ensure_ascii=False, indent=2)


def _default_match(conversation: Conversation, requested: str | None) -> str:
    if requested is not None:
        if requested not in MATCH_MODES:
            raise HearthError(f"unknown match mode '{requested}' (choose one of: {', '.join(MATCH_MODES)})")
        return requested
    constraint = conversation.answer.constraint if conversation.answer else None
    return "schema" if constraint and constraint.get("schema") else "contains"


def _bug(request: ReportRequest, conversation: Conversation, chat: list, env: dict) -> dict[str, Any]:
    expected = request.expected if request.expected else None
    if expected is not None and conversation.answer is None:
        raise HearthError("an expected answer needs a conversation with an answer: pass --session or --message-id")
    return {"expected": expected, "match": _default_match(conversation, request.match)}


def _performance(request: ReportRequest, conversation: Conversation, chat: list, env: dict) -> dict[str, Any]:
    answer = conversation.answer
    if answer is None or not answer.metrics:
        raise HearthError("a performance report needs an answer with measurements: choose a finished answer")
    return {"metrics": answer.metrics, "offload": answer.metrics.get("offload"),
            "ram_bytes": env["ram_bytes"], **context.memory_now()}


def _data(request: ReportRequest, conversation: Conversation, chat: list, env: dict) -> dict[str, Any]:
    if conversation.answer is None:
        raise HearthError("a data contribution needs a conversation with an answer to turn into a sample")
    if request.domain not in DOMAINS:
        raise HearthError(f"unknown domain '{request.domain}' (choose one of: {', '.join(DOMAINS)})")
    if request.licence not in LICENCES:
        raise HearthError(f"unknown licence '{request.licence}' (choose one of: {', '.join(LICENCES)})")
    ideal = request.ideal_answer if request.ideal_answer is not None else conversation.answer.content
    return {"prompt": chat[:-1], "ideal_answer": ideal, "domain": request.domain,
            "licence": request.licence, "consent": bool(request.consent),
            "match": _default_match(conversation, request.match)}


def _benchmark(request: ReportRequest, conversation: Conversation, chat: list, env: dict) -> dict[str, Any]:
    if not request.benchmark_file:
        raise HearthError("a benchmark report needs a results file: save `hearth eval json --format json` "
                          "output or a bench/ result and pass --file")
    path = Path(request.benchmark_file).expanduser()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise HearthError(f"cannot read the benchmark file {path}: {exc.strerror or exc}") from None
    if len(raw) > MAX_BENCHMARK_BYTES:
        raise HearthError(f"{path.name} is {len(raw) // 2**20} MB; a benchmark result must be under 2 MB")
    text = raw.decode("utf-8", errors="replace")
    try:
        result: Any = json.loads(text)
    except json.JSONDecodeError:
        lines = [line for line in text.splitlines() if line.strip()]
        try:  # JSON Lines, e.g. one result per model
            result = [json.loads(line) for line in lines]
        except json.JSONDecodeError:
            result = text  # plain text output of a speed run
    return {"file": path.name, "result": result}


_DETAIL_BUILDERS = {"bug": _bug, "performance": _performance, "data": _data, "benchmark": _benchmark}

_DEFAULT_TITLES = {"bug": "Bug report", "performance": "Performance report",
                   "data": "Data contribution", "benchmark": "Benchmark result"}


def _title(request: ReportRequest, model: dict[str, Any] | None) -> str:
    first_line = request.description.strip().splitlines()[0] if request.description.strip() else ""
    title = first_line or _DEFAULT_TITLES[request.kind]
    suffix = f" ({model['file']})" if model and model.get("file") else ""
    room = TITLE_LIMIT - len(suffix)
    if len(title) > room:  # cut the user's words at a word, never the model's name
        title = title[:room - 1].rsplit(" ", 1)[0].rstrip(" ,.;:") + "…"
    return (title + suffix)[:TITLE_LIMIT]
