"""The database schema as an ordered list of migrations.

Each step moves a database from `version - 1` to `version`; `PRAGMA user_version` says which step a
file has reached, and the `migrations` table records when each step ran. A new feature that needs a
schema change appends a step here and never edits an old one, so every database ever written by
Hearth can be brought up to date, and the tests replay the list from every earlier version.
"""
from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from desktop.errors import HearthError

# "Hrth" in ASCII: marks a SQLite file as Hearth's own, so a foreign database is never mistaken for one.
APPLICATION_ID = 0x48727468


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "sessions, message trees and the feedback outbox", (
        """CREATE TABLE migrations (
            version INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at REAL NOT NULL)""",
        """CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL DEFAULT '',
            title_auto INTEGER NOT NULL DEFAULT 1,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            pinned INTEGER NOT NULL DEFAULT 0,
            folder TEXT NOT NULL DEFAULT '',
            tags TEXT NOT NULL DEFAULT '[]',
            system_prompt TEXT NOT NULL DEFAULT '',
            model TEXT NOT NULL DEFAULT '',
            params TEXT NOT NULL DEFAULT '{}',
            json_mode TEXT,
            active_leaf_id INTEGER)""",
        """CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            parent_id INTEGER REFERENCES messages(id) ON DELETE CASCADE,
            role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
            content TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL,
            finished_at REAL,
            model_file TEXT,
            model_sha256 TEXT,
            params TEXT,
            constraint_json TEXT,
            metrics TEXT,
            finish_reason TEXT,
            rating INTEGER CHECK (rating IN (-1, 1)))""",
        "CREATE INDEX messages_by_session ON messages(session_id, id)",
        "CREATE INDEX messages_by_parent ON messages(parent_id, id)",
        """CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            payload TEXT NOT NULL,
            session_id INTEGER REFERENCES sessions(id) ON DELETE SET NULL,
            message_id INTEGER REFERENCES messages(id) ON DELETE SET NULL,
            status TEXT NOT NULL DEFAULT 'draft'
                CHECK (status IN ('draft', 'queued', 'sent', 'failed')),
            destination TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            sent_at REAL)""",
        "CREATE INDEX outbox_by_status ON outbox(status, id)",
    )),
    Migration(2, "trash: deleting a session can be undone", (
        "ALTER TABLE sessions ADD COLUMN deleted_at REAL",
        "CREATE INDEX sessions_by_recent ON sessions(deleted_at, pinned, updated_at, id)",
    )),
    Migration(3, "full-text search over messages (trigram: finds Chinese and parts of words)", (
        """CREATE VIRTUAL TABLE messages_fts USING fts5(
            content, content='messages', content_rowid='id', tokenize='trigram')""",
        """CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
            INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
        END""",
        """CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
            INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
        END""",
        """CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
            INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
            INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
        END""",
        "INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')",
    )),
    # Adding one message to a trigram index costs ~0.1 ms, but every ~15th pays for merging index
    # segments (several ms), which broke the 2 ms append goal. New and changed messages now wait in
    # fts_pending and are indexed in batches: before every search, and when 512 are waiting.
    Migration(4, "full-text indexing in batches, off the append path", (
        "CREATE TABLE fts_pending (message_id INTEGER PRIMARY KEY)",
        "DROP TRIGGER messages_fts_insert",
        "DROP TRIGGER messages_fts_update",
        "DROP TRIGGER messages_fts_delete",
        """CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
            INSERT OR IGNORE INTO fts_pending(message_id) VALUES (new.id);
        END""",
        # An indexed message (one not pending) leaves the index with exactly the text it went in with.
        """CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
            INSERT INTO messages_fts(messages_fts, rowid, content)
                SELECT 'delete', old.id, old.content
                WHERE NOT EXISTS (SELECT 1 FROM fts_pending WHERE message_id = old.id);
            INSERT OR IGNORE INTO fts_pending(message_id) VALUES (new.id);
        END""",
        """CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
            INSERT INTO messages_fts(messages_fts, rowid, content)
                SELECT 'delete', old.id, old.content
                WHERE NOT EXISTS (SELECT 1 FROM fts_pending WHERE message_id = old.id);
            DELETE FROM fts_pending WHERE message_id = old.id;
        END""",
    )),
    # The trigram index cannot find words of one or two characters (天气, 你好), which took a LIKE
    # scan of every message. messages_short holds the tokens desktop/store/short_words.py makes
    # (pairs of characters, single non-ASCII ones); being made in Python, they are written by
    # index_pending, never by a trigger, so any SQLite client can still change the tables. A
    # message that leaves the index (changed or deleted) waits in short_gone with the text it was
    # indexed with, which a contentless table needs to take it out. detail=none: a short word is one
    # token, so positions are never needed, and the index stays a quarter of the size.
    Migration(5, "an index for words of one or two characters (Chinese words such as 天气)", (
        "CREATE VIRTUAL TABLE messages_short USING fts5(tokens, content='', detail=none)",
        "CREATE TABLE short_pending (message_id INTEGER PRIMARY KEY)",
        "CREATE TABLE short_gone (message_id INTEGER PRIMARY KEY, content TEXT NOT NULL)",
        """CREATE TRIGGER messages_short_insert AFTER INSERT ON messages BEGIN
            INSERT OR IGNORE INTO short_pending(message_id) VALUES (new.id);
        END""",
        """CREATE TRIGGER messages_short_update AFTER UPDATE OF content ON messages BEGIN
            INSERT OR IGNORE INTO short_gone(message_id, content)
                SELECT old.id, old.content
                WHERE NOT EXISTS (SELECT 1 FROM short_pending WHERE message_id = old.id);
            INSERT OR IGNORE INTO short_pending(message_id) VALUES (new.id);
        END""",
        """CREATE TRIGGER messages_short_delete AFTER DELETE ON messages BEGIN
            INSERT OR IGNORE INTO short_gone(message_id, content)
                SELECT old.id, old.content
                WHERE NOT EXISTS (SELECT 1 FROM short_pending WHERE message_id = old.id);
            DELETE FROM short_pending WHERE message_id = old.id;
        END""",
        "INSERT INTO short_pending(message_id) SELECT id FROM messages",  # indexed at the next search
    )),
    # Salvage (desktop/store/salvage.py) never edits a recovered message; what it had to change to
    # keep a conversation whole (a lost parent, a lost session row) is noted here instead.
    Migration(6, "salvage marks: what a recovery from a damaged file had to change", (
        """CREATE TABLE salvage_marks (
            id INTEGER PRIMARY KEY,
            session_id INTEGER REFERENCES sessions(id) ON DELETE CASCADE,
            message_id INTEGER REFERENCES messages(id) ON DELETE CASCADE,
            note TEXT NOT NULL)""",
        "CREATE INDEX salvage_marks_by_message ON salvage_marks(message_id)",
    )),
)

LATEST_VERSION = MIGRATIONS[-1].version

# Indexing the waiting messages (see migration 4): the caller holds a write transaction.
INDEX_PENDING = (
    "INSERT INTO messages_fts(rowid, content) "
    "SELECT m.id, m.content FROM fts_pending p JOIN messages m ON m.id = p.message_id",
    "DELETE FROM fts_pending",
)


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def latest_version() -> int:
    """The newest step (read at call time, so a test can add a step that fails)."""
    return MIGRATIONS[-1].version


def migrate(conn: sqlite3.Connection, target: int | None = None) -> int:
    """Apply every step above the file's version up to `target` (default: all) in one transaction.

    Returns the number of steps applied. A failure rolls everything back, leaving the file at its
    old version and usable by the Hearth that wrote it; it is raised as one HearthError line, and
    the upgrade is simply retried at the next start."""
    target = latest_version() if target is None else target
    if schema_version(conn) >= target:
        return 0  # the usual case: no write lock taken just for opening
    conn.execute("BEGIN IMMEDIATE")
    step = None
    try:
        current = schema_version(conn)
        pending = [m for m in MIGRATIONS if current < m.version <= target]
        for step in pending:
            for statement in step.statements:
                conn.execute(statement)
            conn.execute("INSERT INTO migrations(version, name, applied_at) VALUES (?, ?, ?)",
                         (step.version, step.name, time.time()))
        if pending:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {pending[-1].version}")
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        conn.execute("ROLLBACK")
        if step is None or getattr(exc, "sqlite_errorcode", 0) & 0xFF in (5, 6, 13):  # busy, locked, full
            raise
        raise HearthError(f"upgrading the session store to schema version {step.version} ({step.name}) "
                          f"failed: {exc}; the store was left unchanged at version {current}") from exc
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return len(pending)
