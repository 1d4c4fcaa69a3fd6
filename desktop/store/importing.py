"""Import: recognise the file, read it completely, then store it in one transaction.

Every session is checked before anything is written, and the writing is a single transaction, so a
bad file (or a full disk halfway) leaves the store exactly as it was. Recognised files: Hearth JSON
({"format": "hearth-sessions", ...}), OpenAI chat JSONL (one {"messages": [...]} per line) and
ChatGPT's conversations.json (a list of conversations with a `mapping` tree).
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.errors import HearthError
from desktop.store.import_sources import ImportProblem, read_chatgpt, read_hearth, read_openai_line
from desktop.store.rows import insert_message, insert_session
from desktop.store.search import index_pending

if TYPE_CHECKING:
    from desktop.store.store import Store

UNKNOWN = ("it is not a Hearth JSON export, OpenAI chat JSONL (one {\"messages\": [...]} per line) "
           "or ChatGPT's conversations.json")


def import_file(store: "Store", path: str | Path) -> list[int]:
    """Import Hearth JSON, OpenAI chat JSONL or ChatGPT's conversations.json; all or nothing."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise HearthError(f"cannot import {path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise HearthError(f"cannot import {path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise HearthError(f"cannot import {path}: {exc.strerror}") from None
    try:
        sessions = read_sessions(text)
    except ImportProblem as problem:
        raise HearthError(f"cannot import {path}: {problem}; nothing was imported") from None
    return write_sessions(store, sessions)


def read_sessions(text: str) -> list[dict[str, Any]]:
    """Session documents from a file's text, whatever its format; ImportProblem names the spot."""
    if not text.strip():
        raise ImportProblem("the file is empty")
    now = time.time()
    first_line = text.lstrip().split("\n", 1)[0]
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        if _parses(first_line) and text.strip().count("\n"):
            return _read_jsonl(text, now)
        raise ImportProblem(f"line {exc.lineno} column {exc.colno}: not valid JSON ({exc.msg})") from None
    if isinstance(document, dict) and "format" in document:
        return read_hearth(document)
    if isinstance(document, dict) and "messages" in document:
        return [read_openai_line(document, "line 1", now)]
    if isinstance(document, list) and document and all(isinstance(c, dict) and "mapping" in c
                                                        for c in document):
        return read_chatgpt(document, now)
    raise ImportProblem(UNKNOWN)


def _parses(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except json.JSONDecodeError:
        return False


def _read_jsonl(text: str, now: float) -> list[dict[str, Any]]:
    sessions = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ImportProblem(f"line {number}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        sessions.append(read_openai_line(record, f"line {number}", now))
    return sessions


def write_sessions(store: "Store", sessions: list[dict[str, Any]]) -> list[int]:
    """Store checked session documents in one transaction; returns their new ids, in file order."""
    new_ids = []
    with store.transaction() as conn:
        for doc in sessions:
            session_id = insert_session(
                conn, title=doc["title"], title_auto=doc["title_auto"], created_at=doc["created_at"],
                updated_at=doc["updated_at"], pinned=doc["pinned"], folder=doc["folder"],
                tags=doc["tags"], system_prompt=doc["system_prompt"], model=doc["model"],
                params=doc["params"], json_mode=doc["json_mode"], deleted_at=doc["deleted_at"])
            ids: dict[int, int] = {}
            for m in doc["messages"]:
                ids[m["id"]] = insert_message(
                    conn, session_id, ids.get(m["parent"]), m["role"], m["content"],
                    created_at=m["created_at"], finished_at=m.get("finished_at"),
                    model_file=m.get("model_file"), model_sha256=m.get("model_sha256"),
                    params=m.get("params"), constraint=m.get("constraint"), metrics=m.get("metrics"),
                    finish_reason=m.get("finish_reason"), rating=m.get("rating"))
            conn.execute("UPDATE sessions SET active_leaf_id = ? WHERE id = ?",
                         (ids.get(doc["active_leaf"]), session_id))
            new_ids.append(session_id)
        index_pending(conn)
    return new_ids
