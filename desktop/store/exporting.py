"""Sessions out of the store: Markdown to read, Hearth JSON to keep, OpenAI JSONL to train on.

Hearth JSON ("hearth-sessions", version 1) is lossless: every branch, every message's parameters,
metrics and rating, so `import` of an export gives back the same sessions. Message ids in the file
are local (1, 2, ... in creation order, parents first) so an export does not depend on which
database it came from. Markdown and JSONL carry the active path only: what the user sees.
"""
from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from desktop.chat_messages import chat_messages
from desktop.errors import HearthError
from desktop.store.records import Message, Session

if TYPE_CHECKING:
    from desktop.store.store import Store

FORMAT_NAME = "hearth-sessions"
FORMAT_VERSION = 1
SESSION_KEYS = ("title", "title_auto", "created_at", "updated_at", "pinned", "folder", "tags",
                "system_prompt", "model", "params", "json_mode", "deleted_at")
MESSAGE_KEYS = ("role", "content", "created_at", "finished_at", "model_file", "model_sha256", "params",
                "constraint", "metrics", "finish_reason", "rating")
ROLE_HEADINGS = {"system": "System", "user": "User", "assistant": "Assistant"}


def export(store: "Store", session_ids: list[int] | None, fmt: str) -> str:
    writer = WRITERS.get(fmt)
    if writer is None:
        raise HearthError(f"unknown export format {fmt!r}; use one of {', '.join(WRITERS)}")
    if session_ids is None:
        sessions = sorted(store.list_sessions(), key=lambda s: s.id)
    else:
        sessions = [store.get_session(sid) for sid in session_ids]
    return writer(store, sessions)


def session_document(session: Session, messages: list[Message]) -> dict[str, Any]:
    """One session in Hearth JSON: its fields, and its message tree with file-local ids."""
    local = {m.id: n for n, m in enumerate(messages, start=1)}
    doc: dict[str, Any] = {"id": session.id}
    doc.update({key: getattr(session, key) for key in SESSION_KEYS})
    doc["active_leaf"] = local.get(session.active_leaf_id)
    doc["messages"] = [{"id": local[m.id], "parent": local.get(m.parent_id),
                        **{key: getattr(m, key) for key in MESSAGE_KEYS}} for m in messages]
    return doc


def hearth_json(store: "Store", sessions: list[Session]) -> str:
    document = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "exported_at": time.time(),
                "sessions": [session_document(s, store.messages(s.id)) for s in sessions]}
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


def openai_jsonl(store: "Store", sessions: list[Session]) -> str:
    """One line per session, {"messages": [...]}: the system prompt, then the active path."""
    lines = []
    for session in sessions:
        messages = chat_messages(session.system_prompt, [m for m in store.active_path(session.id) if m.content])
        if any(m.role != "system" for m in messages):
            lines.append(json.dumps({"messages": [m.to_dict() for m in messages]}, ensure_ascii=False) + "\n")
    return "".join(lines)


def markdown(store: "Store", sessions: list[Session]) -> str:
    return "\n---\n\n".join(_markdown_session(store, s) for s in sessions)


def _markdown_session(store: "Store", session: Session) -> str:
    created = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(session.created_at))
    facts = [f"session {session.id}", f"created {created}"] + ([f"model {session.model}"] if session.model else [])
    parts = [f"# {session.title or 'Untitled'}\n", f"*{' · '.join(facts)}*\n"]
    if session.system_prompt:
        parts.append(f"## System\n\n{session.system_prompt}\n")
    for message in store.active_path(session.id):
        parts.append(f"## {ROLE_HEADINGS[message.role]}\n\n{message.content}\n")
        details = _answer_details(message)
        if details:
            parts.append(f"*{details}*\n")
    return "\n".join(parts)


def _answer_details(message: Message) -> str:
    if message.role != "assistant":
        return ""
    metrics = message.metrics or {}
    details = [message.model_file or ""]
    if "completion_tokens" in metrics:
        details.append(f"{metrics['completion_tokens']} tokens")
    if "decode_tok_s" in metrics:
        details.append(f"{metrics['decode_tok_s']} tok/s")
    details.append(message.finish_reason or "unfinished")
    return " · ".join(d for d in details if d)


WRITERS = {"md": markdown, "json": hearth_json, "jsonl": openai_jsonl}
