"""The one place sessions and messages are inserted, each column named once.

A new chat, an answer being begun and a whole imported file all write their rows here, so a column
a migration adds is written by every path or by none. Values are Python values; JSON columns are
encoded here. The caller holds the transaction.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from desktop.errors import HearthError
from desktop.store.records import ROLES, dump_json


def insert_session(conn: sqlite3.Connection, *, created_at: float, updated_at: float | None = None,
                   title: str = "", title_auto: bool | None = None, pinned: bool = False,
                   folder: str = "", tags: Iterable[str] = (), system_prompt: str = "", model: str = "",
                   params: Any = None, json_mode: Any = None, deleted_at: float | None = None) -> int:
    """A session row; its title is automatic unless one is given (or `title_auto` says otherwise)."""
    values = {
        "title": title, "title_auto": int(not title if title_auto is None else title_auto),
        "created_at": created_at, "updated_at": created_at if updated_at is None else updated_at,
        "pinned": int(pinned), "folder": folder, "tags": dump_json(list(tags)),
        "system_prompt": system_prompt, "model": model, "params": dump_json(params or {}),
        "json_mode": dump_json(json_mode), "deleted_at": deleted_at,
    }
    return _insert(conn, "sessions", values)


def insert_message(conn: sqlite3.Connection, session_id: int, parent_id: int | None, role: str,
                   content: str, *, created_at: float, finished_at: float | None = None,
                   model_file: str | None = None, model_sha256: str | None = None, params: Any = None,
                   constraint: Any = None, metrics: Any = None, finish_reason: str | None = None,
                   rating: int | None = None) -> int:
    """A message row (the active leaf is the caller's business: the Store moves it, import sets it
    once the whole tree is in)."""
    if role not in ROLES:
        raise HearthError(f"a message's role is one of {', '.join(ROLES)}, not {role!r}")
    values = {
        "session_id": session_id, "parent_id": parent_id, "role": role, "content": content,
        "created_at": created_at, "finished_at": finished_at, "model_file": model_file,
        "model_sha256": model_sha256, "params": dump_json(params),
        "constraint_json": dump_json(constraint), "metrics": dump_json(metrics),
        "finish_reason": finish_reason, "rating": rating,
    }
    return _insert(conn, "messages", values)


def _insert(conn: sqlite3.Connection, table: str, values: dict[str, Any]) -> int:
    columns = ", ".join(values)
    marks = ", ".join("?" * len(values))
    return conn.execute(f"INSERT INTO {table}({columns}) VALUES ({marks})", list(values.values())).lastrowid
