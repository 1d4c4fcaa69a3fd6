"""What the store hands out and the names every store module shares: plain dataclasses detached
from the database, the message roles, automatic titles and the row <-> record conversions.

Rows are turned into these at once so callers in any thread can keep them, compare them and pass
them to Qt models without holding a cursor. JSON columns come back as Python values. Every other
store module imports from here and this module imports none of them, so the names have one home.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

ROLES = ("system", "user", "assistant")
TITLE_LENGTH = 60


def automatic_title(text: str) -> str:
    """A title from the first user message: its first line, cut at a word near TITLE_LENGTH."""
    line = " ".join(text.strip().splitlines()[0].split()) if text.strip() else ""
    if len(line) <= TITLE_LENGTH:
        return line
    cut = line[:TITLE_LENGTH]
    if " " in cut[TITLE_LENGTH // 2:]:
        cut = cut[:cut.rindex(" ")]
    return cut.rstrip(" ,.;:") + "…"


@dataclass
class Session:
    id: int
    title: str
    title_auto: bool  # True while the title is the automatic one; an edit makes it the user's
    created_at: float  # unix seconds
    updated_at: float
    pinned: bool
    folder: str
    tags: list[str]
    system_prompt: str
    model: str
    params: dict[str, Any]
    json_mode: dict[str, Any] | None
    active_leaf_id: int | None
    deleted_at: float | None  # set while the session is in the trash


@dataclass
class Message:
    id: int
    session_id: int
    parent_id: int | None
    role: str  # "system" | "user" | "assistant"
    content: str
    created_at: float
    finished_at: float | None = None
    model_file: str | None = None
    model_sha256: str | None = None
    params: dict[str, Any] | None = None  # sampling parameters, seed included
    constraint: dict[str, Any] | None = None  # grammar or JSON schema the answer was held to
    metrics: dict[str, Any] | None = None  # prompt_tokens, completion_tokens, ttft_s, decode_tok_s
    finish_reason: str | None = None  # stop | length | cancelled | error; None while streaming
    rating: int | None = None  # 1, -1 or None

    @property
    def streaming(self) -> bool:
        """An assistant answer that was begun and never finished (still streaming, or cut off)."""
        return self.role == "assistant" and self.finish_reason is None


@dataclass
class SearchHit:
    """One matching conversation: opening `message_id` shows the branch that holds the match."""
    session: Session
    message_id: int | None  # the newest matching message, in any branch; None: only the title matched
    snippet: str  # matched text between the marks, e.g. "…the «weather» today…"
    matches: int = 1  # every matching message in this conversation, all branches
    message_ids: list[int] = field(default_factory=list)  # those messages, newest first
    title_match: bool = False  # the title, folder or tags hold every word (ranked first)


def load_json(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def dump_json(value: Any) -> str | None:
    """JSON for a column; accepts the engine's dataclasses (SamplingParams, Constraint) too."""
    if value is None:
        return None
    if hasattr(value, "to_dict"):
        value = value.to_dict()
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


SESSION_COLUMNS = ("id, title, title_auto, created_at, updated_at, pinned, folder, tags, system_prompt, "
                   "model, params, json_mode, active_leaf_id, deleted_at")
MESSAGE_COLUMNS = ("id, session_id, parent_id, role, content, created_at, finished_at, model_file, "
                   "model_sha256, params, constraint_json, metrics, finish_reason, rating")


def session_from_row(row: sqlite3.Row | tuple) -> Session:
    (id_, title, title_auto, created, updated, pinned, folder, tags, system_prompt, model, params,
     json_mode, leaf, deleted) = row
    return Session(id_, title, bool(title_auto), created, updated, bool(pinned), folder,
                   json.loads(tags), system_prompt, model, json.loads(params), load_json(json_mode),
                   leaf, deleted)


def message_from_row(row: sqlite3.Row | tuple) -> Message:
    (id_, session_id, parent_id, role, content, created, finished, model_file, sha, params,
     constraint, metrics, finish_reason, rating) = row
    return Message(id_, session_id, parent_id, role, content, created, finished, model_file, sha,
                   load_json(params), load_json(constraint), load_json(metrics), finish_reason, rating)
