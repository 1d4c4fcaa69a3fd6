"""The session store: every conversation as a tree of messages in one SQLite file.

Nothing is overwritten: editing a message or regenerating an answer adds a sibling, and the session
remembers which leaf is active. The store may be used from many threads (each gets its own
connection) and many processes (WAL journal, busy timeout); every write is one short transaction,
so a crash or kill -9 loses at most the change in flight.
"""
from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from desktop import paths
from desktop.errors import HearthError
from desktop.store import backup, recovery, search as search_module
from desktop.store.faults import as_hearth_error
from desktop.store.outbox import Outbox
from desktop.store.records import (MESSAGE_COLUMNS, SESSION_COLUMNS, Message, SearchHit, Session,
                                   automatic_title, dump_json, message_from_row, session_from_row)
from desktop.store.rows import insert_message, insert_session
from desktop.store.schema import migrate

BUSY_TIMEOUT_MS = 5000
INDEX_BATCH = 512  # messages waiting for the full-text index before an append indexes them
# An append writes ~7 WAL pages; checkpointing every 1000 pages (SQLite's default) put a copy-back
# into one append in 140, above the 99th percentile. 8000 pages (32 MB) makes it one in 1,100.
WAL_CHECKPOINT_PAGES = 8000

# update_session's fields -> how a value is stored (JSON columns are encoded, flags become 0/1).
SESSION_FIELDS: dict[str, Any] = {
    "title": str,
    "pinned": int,
    "folder": str,
    "tags": lambda tags: dump_json(list(tags)),
    "system_prompt": str,
    "model": str,
    "params": lambda params: dump_json(params or {}),
    "json_mode": dump_json,
}
class Store:
    """Open with `Store.open()`; see docs/architecture.md, "The store contract"."""

    def __init__(self, path: Path, recovery_notice: str | None = None) -> None:
        self.path = path
        self.recovery_notice = recovery_notice
        self.outbox = Outbox(self.transaction)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        # Opt-in guard: the app names its UI thread here, so a call from it (which could freeze
        # the window on a busy database) fails loudly in tests instead of running.
        self.forbidden_thread: threading.Thread | None = None

    @classmethod
    def open(cls, path: str | Path | None = None) -> "Store":
        """Open (creating or upgrading) the store; a damaged or foreign file is set aside first."""
        path = Path(path) if path is not None else paths.database_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        notice = recovery.resume(path)
        problem = recovery.problem_with(path)
        if problem is not None:
            notice = recovery.recover(path, problem)
        backup.before_migration(path)
        store = cls(path, notice)
        try:
            migrate(store._connection())
        except sqlite3.Error as exc:
            store.close()
            raise as_hearth_error(exc, path) from exc
        except HearthError:
            store.close()
            raise
        return store

    # -- connections and transactions -------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self.forbidden_thread is threading.current_thread():
            raise RuntimeError(f"the store was used on the {self.forbidden_thread.name} thread, "
                               "which must never wait on SQLite")
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                       timeout=BUSY_TIMEOUT_MS / 1000)
                conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: an app crash loses nothing
                conn.execute("PRAGMA foreign_keys = ON")
                conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
            except sqlite3.Error as exc:
                raise as_hearth_error(exc, self.path) from exc
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[sqlite3.Connection]:
        """One transaction on this thread's connection; SQLite errors become one-line HearthErrors.

        Writers take the lock up front (BEGIN IMMEDIATE) so two processes never deadlock upgrading
        a read lock; readers get a consistent snapshot across several statements."""
        conn = self._connection()
        try:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            yield conn
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            _rollback(conn)
            if recovery.is_damage(exc):
                recovery.request_check(self.path)
            raise as_hearth_error(exc, self.path) from exc
        except BaseException:
            _rollback(conn)
            raise

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sessions ---------------------------------------------------------------------------------

    def create_session(self, system_prompt: str = "", model: str = "", params: Any = None,
                       json_mode: Any = None, *, title: str = "", folder: str = "",
                       tags: list[str] | tuple[str, ...] = ()) -> int:
        with self.transaction() as conn:
            return insert_session(conn, created_at=time.time(), title=title, folder=folder, tags=tags,
                                  system_prompt=system_prompt, model=model, params=params,
                                  json_mode=json_mode)

    def get_session(self, session_id: int) -> Session:
        with self.transaction(write=False) as conn:
            return _session(conn, session_id)

    def list_sessions(self, *, trash: bool = False, folder: str | None = None, tag: str | None = None,
                      limit: int | None = None, offset: int = 0,
                      pinned_first: bool = True) -> list[Session]:
        """Sessions, most recently updated first (pinned ones on top unless pinned_first=False);
        `trash=True` lists deleted ones instead."""
        where = ["deleted_at IS NOT NULL" if trash else "deleted_at IS NULL"]
        args: list[Any] = []
        if folder is not None:
            where.append("folder = ?")
            args.append(folder)
        if tag is not None:
            where.append("EXISTS (SELECT 1 FROM json_each(sessions.tags) WHERE value = ?)")
            args.append(tag)
        order = "pinned DESC, updated_at DESC, id DESC" if pinned_first else "updated_at DESC, id DESC"
        sql = f"SELECT {SESSION_COLUMNS} FROM sessions WHERE {' AND '.join(where)} ORDER BY {order}"
        sql += " LIMIT ? OFFSET ?"
        args += [-1 if limit is None else limit, offset]
        with self.transaction(write=False) as conn:
            return [session_from_row(row) for row in conn.execute(sql, args)]

    def update_session(self, session_id: int, **changes: Any) -> Session:
        """Change any of SESSION_FIELDS; setting a title makes it the user's (no longer automatic)."""
        unknown = set(changes) - set(SESSION_FIELDS)
        if unknown:
            raise HearthError(f"cannot change {', '.join(sorted(unknown))} of a session; "
                              f"changeable: {', '.join(SESSION_FIELDS)}")
        columns = [f"{name} = ?" for name in changes] + ["updated_at = ?"]
        values = [SESSION_FIELDS[name](value) for name, value in changes.items()] + [time.time()]
        if "title" in changes:
            columns.append("title_auto = 0")
        with self.transaction() as conn:
            _session(conn, session_id)
            conn.execute(f"UPDATE sessions SET {', '.join(columns)} WHERE id = ?", [*values, session_id])
            return _session(conn, session_id)

    def delete_session(self, session_id: int) -> None:
        """Move a session to the trash; restore_session undoes this until empty_trash."""
        with self.transaction() as conn:
            _session(conn, session_id)
            conn.execute("UPDATE sessions SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
                         (time.time(), session_id))

    def restore_session(self, session_id: int) -> None:
        with self.transaction() as conn:
            _session(conn, session_id)
            conn.execute("UPDATE sessions SET deleted_at = NULL WHERE id = ?", (session_id,))

    def empty_trash(self) -> int:
        """Delete the trashed sessions for good (their messages too); returns how many."""
        with self.transaction() as conn:
            return conn.execute("DELETE FROM sessions WHERE deleted_at IS NOT NULL").rowcount

    # -- messages ---------------------------------------------------------------------------------

    def add_message(self, session_id: int, role: str, content: str,
                    parent_id: int | None = None) -> Message:
        """Append a message after `parent_id` (default: the active leaf) and make it active."""
        with self.transaction() as conn:
            session = _session(conn, session_id)
            parent = session.active_leaf_id if parent_id is None else parent_id
            message_id = _insert_message(conn, session_id, parent, role, content)
            if role == "user" and session.title_auto and not session.title:
                conn.execute("UPDATE sessions SET title = ? WHERE id = ?",
                             (automatic_title(content), session_id))
            return _message(conn, message_id)

    def edit_message(self, message_id: int, content: str) -> Message:
        """A new version of a message, as a sibling of the old one (which is kept), made active."""
        with self.transaction() as conn:
            old = _message(conn, message_id)
            new_id = _insert_message(conn, old.session_id, old.parent_id, old.role, content)
            if old.parent_id is None and old.role == "user":  # the first question: retitle if automatic
                conn.execute("UPDATE sessions SET title = ? WHERE id = ? AND title_auto = 1",
                             (automatic_title(content), old.session_id))
            return _message(conn, new_id)

    def begin_assistant(self, session_id: int, parent_id: int | None = None, *,
                        model_file: str | None = None, model_sha256: str | None = None,
                        params: Any = None, constraint: Any = None) -> Message:
        """Start an answer below `parent_id` (default: the active leaf). Answering a message that
        already has an answer is a regeneration: the new answer becomes a sibling branch."""
        with self.transaction() as conn:
            session = _session(conn, session_id)
            parent = session.active_leaf_id if parent_id is None else parent_id
            message_id = _insert_message(conn, session_id, parent, "assistant", "",
                                         model_file=model_file, model_sha256=model_sha256,
                                         params=params, constraint=constraint)
            return _message(conn, message_id)

    def fill_model_sha256(self, message_ids: list[int], sha256: str) -> list[int]:
        """Record the model's sha256 on answers begun before its file was hashed (hashing runs in
        the background so it never delays an answer). Answers that already name a hash keep it;
        returns the ids that were filled in."""
        ids = sorted(set(message_ids))
        if not ids:
            return []
        marks = ", ".join("?" * len(ids))
        where = f"id IN ({marks}) AND role = 'assistant' AND model_sha256 IS NULL"
        with self.transaction() as conn:
            filled = [row[0] for row in conn.execute(f"SELECT id FROM messages WHERE {where} ORDER BY id", ids)]
            conn.execute(f"UPDATE messages SET model_sha256 = ? WHERE {where}", (sha256, *ids))
            return filled

    def save_partial(self, message_id: int, text: str) -> None:
        """Store the answer so far: one single-row UPDATE, cheap enough to call every second."""
        with self.transaction() as conn:
            conn.execute("UPDATE messages SET content = ? WHERE id = ?", (text, message_id))

    def finish_assistant(self, message_id: int, text: str, finish_reason: str,
                         metrics: dict[str, Any] | None = None, seed: int | None = None) -> Message:
        """Store the final answer. `seed` is the one the engine actually used (Done.seed), recorded
        in the message's params so the answer can be reproduced."""
        now = time.time()
        with self.transaction() as conn:
            msg = _message(conn, message_id)
            params = dict(msg.params or {})
            if seed is not None:
                params["seed"] = seed
            conn.execute("UPDATE messages SET content = ?, finish_reason = ?, metrics = ?, params = ?, "
                         "finished_at = ? WHERE id = ?",
                         (text, finish_reason, dump_json(metrics), dump_json(params), now, message_id))
            conn.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (now, msg.session_id))
            return _message(conn, message_id)

    def get_message(self, message_id: int) -> Message:
        with self.transaction(write=False) as conn:
            return _message(conn, message_id)

    def messages(self, session_id: int) -> list[Message]:
        """Every message of a session, all branches, parents before children."""
        with self.transaction(write=False) as conn:
            _session(conn, session_id)
            rows = conn.execute(f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE session_id = ? "
                                "ORDER BY id", (session_id,))
            return [message_from_row(row) for row in rows]

    def active_path(self, session_id: int) -> list[Message]:
        """The conversation as shown: root to active leaf along the remembered branch."""
        with self.transaction(write=False) as conn:
            session = _session(conn, session_id)
            return _path_to(conn, session.active_leaf_id)

    def reattached(self, session_id: int) -> set[int]:
        """The session's messages whose earlier message was lost to damage: salvage made them start
        the conversation (desktop/store/salvage.py); the conversation view says so beside them."""
        with self.transaction(write=False) as conn:
            return {row[0] for row in conn.execute(
                "SELECT id FROM messages WHERE session_id = ? AND id IN "
                "(SELECT message_id FROM salvage_marks WHERE message_id IS NOT NULL)", (session_id,))}

    def siblings(self, message_id: int) -> list[Message]:
        """The message and its alternatives (same parent), oldest first: the ‹ 2/3 › of the UI."""
        with self.transaction(write=False) as conn:
            msg = _message(conn, message_id)
            rows = conn.execute(f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE session_id = ? AND "
                                "parent_id IS ? ORDER BY id", (msg.session_id, msg.parent_id))
            return [message_from_row(row) for row in rows]

    def switch_branch(self, message_id: int) -> list[Message]:
        """Make the branch through `message_id` active, down to its most recent leaf; returns the
        new active path."""
        with self.transaction() as conn:
            msg = _message(conn, message_id)
            leaf = conn.execute(
                "WITH RECURSIVE below(id) AS (SELECT ? UNION ALL "
                "SELECT m.id FROM messages m JOIN below ON m.parent_id = below.id) "
                "SELECT max(id) FROM below", (message_id,)).fetchone()[0]
            conn.execute("UPDATE sessions SET active_leaf_id = ? WHERE id = ?", (leaf, msg.session_id))
            return _path_to(conn, leaf)

    def set_rating(self, message_id: int, rating: int | None) -> None:
        if rating not in (1, -1, None):
            raise HearthError(f"a rating is 1, -1 or None, not {rating!r}")
        with self.transaction() as conn:
            _message(conn, message_id)
            conn.execute("UPDATE messages SET rating = ? WHERE id = ?", (rating, message_id))

    # -- search -----------------------------------------------------------------------------------

    def search(self, query: str, limit: int = 20, mark: tuple[str, str] = ("«", "»"),
               offset: int = 0) -> list[SearchHit]:
        """Conversations holding every word of `query` in their title, folder and tags (first) or in
        one message of any branch (newest match first); `offset` skips that many (the next page)."""
        with self.transaction(write=False) as conn:
            stale = search_module.has_pending(conn)
        if stale:
            with self.transaction() as conn:
                search_module.index_pending(conn)
        with self.transaction(write=False) as conn:
            return search_module.search(conn, query, limit, mark, offset)


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # SQLite already rolled back (e.g. after SQLITE_FULL); nothing left to undo


def _session(conn: sqlite3.Connection, session_id: int) -> Session:
    row = conn.execute(f"SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?", (session_id,)).fetchone()
    if row is None:
        raise HearthError(f"there is no session {session_id} (see `hearth sessions list`)")
    return session_from_row(row)


def _message(conn: sqlite3.Connection, message_id: int) -> Message:
    row = conn.execute(f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,)).fetchone()
    if row is None:
        raise HearthError(f"there is no message {message_id}")
    return message_from_row(row)


def _path_to(conn: sqlite3.Connection, leaf_id: int | None) -> list[Message]:
    if leaf_id is None:
        return []
    rows = conn.execute(
        "WITH RECURSIVE up(id) AS (SELECT ? UNION ALL "
        "SELECT m.parent_id FROM messages m JOIN up ON m.id = up.id WHERE m.parent_id IS NOT NULL) "
        f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id IN up ORDER BY id", (leaf_id,))
    return [message_from_row(row) for row in rows]


def _insert_message(conn: sqlite3.Connection, session_id: int, parent_id: int | None, role: str,
                    content: str, **extra: Any) -> int:
    """Insert a message and make it the session's active leaf (the caller holds the transaction)."""
    if parent_id is not None:
        owner = conn.execute("SELECT session_id FROM messages WHERE id = ?", (parent_id,)).fetchone()
        if owner is None or owner[0] != session_id:
            raise HearthError(f"message {parent_id} is not part of session {session_id}")
    now = time.time()
    message_id = insert_message(conn, session_id, parent_id, role, content, created_at=now, **extra)
    conn.execute("UPDATE sessions SET active_leaf_id = ?, updated_at = ? WHERE id = ?",
                 (message_id, now, session_id))
    if conn.execute("SELECT count(*) FROM fts_pending").fetchone()[0] >= INDEX_BATCH:
        search_module.index_pending(conn)
    return message_id
