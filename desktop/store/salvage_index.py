"""Salvage's last step: both full-text indexes rebuilt from the recovered messages, side by side.

The two indexes are most of the cost of salvaging a large store, and they need different things:
the trigram index is built by SQLite alone (C, which lets go of Python's lock while it runs),
the short-word index from tokens made in Python (desktop/store/short_words.py). So the short-word
index is built by a second thread into a file of its own while the trigram index is rebuilt in
the fresh store (it starts as soon as the messages are in, beside the rest of salvage's work),
and its finished tables are then copied in: FTS5 keeps an index entirely in its
shadow tables (`<name>_data`, `_idx`, `_docsize`), so tables made by the same definition from the
same rows, in the same order, are the index itself. For the second thread to read the messages
while the first writes, the fresh store is in WAL mode for this step: a rollback journal would
shut every reader out as soon as the writer's cache spilled.

Each index is built with a large FTS5 hash: a rebuild gathers its terms in memory and writes a
segment whenever the hash fills, then merges those segments, so 64 MB instead of FTS5's default
1 MB writes far fewer of them (about 40% less time for the trigram index of a large store).
"""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from desktop.store.short_words import index_tokens

FTS_HASH_BYTES = 1 << 20  # FTS5's own default, kept for the app's small batches
REBUILD_HASH_BYTES = 64 << 20
CHUNK = 10_000  # messages read at a time by the short-word thread
WAIT_MS = 600_000  # how long either side waits for the other's lock: only a stuck one runs out
SHORT = "messages_short"
SHORT_TABLES = tuple(f"{SHORT}_{part}" for part in ("data", "idx", "docsize"))


def built_path(store: Path) -> Path:
    """Where the short-word index of the fresh store `store` is built (removed afterwards)."""
    return store.with_name(store.name + "-short")


class Rebuild:
    """Both indexes of the fresh store `conn` (the file at `path`), rebuilt side by side:

        with Rebuild(conn, path) as indexes:  # the messages are committed: the thread starts reading
            ...                               # other work on `conn` meanwhile
            indexes.finish()                  # the trigram index, then the short-word one copied in

    Both indexes must be empty and no transaction open, at the start and at finish(). Leaving
    the block early stops the thread and removes its file; the store keeps its journal mode."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn, self.built = conn, built_path(path)
        self.mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        conn.execute(f"PRAGMA busy_timeout = {WAIT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        self.built.unlink(missing_ok=True)
        definition = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (SHORT,)).fetchone()[0]
        self.worker = _ShortWords(path, self.built, definition)

    def __enter__(self) -> Rebuild:
        self.worker.start()
        return self

    def __exit__(self, kind: type | None, *_: object) -> None:
        if kind is not None:
            self.worker.stop.set()  # something failed: the short-word index is not wanted any more
        self.worker.join()
        self.built.unlink(missing_ok=True)

    def finish(self) -> None:
        conn = self.conn
        conn.execute("BEGIN")
        conn.execute("INSERT INTO messages_fts(messages_fts, rank) VALUES ('hashsize', ?)", (REBUILD_HASH_BYTES,))
        conn.execute("INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')")
        conn.execute("INSERT INTO messages_fts(messages_fts, rank) VALUES ('hashsize', ?)", (FTS_HASH_BYTES,))
        conn.execute("COMMIT")
        self.worker.join()
        if self.worker.error is not None:
            raise self.worker.error
        _copy_in(conn, self.built)
        conn.execute(f"PRAGMA journal_mode = {self.mode}")


def _copy_in(conn: sqlite3.Connection, built: Path) -> None:
    """Replace the (empty) short-word index of `conn` with the one built in `built`."""
    conn.execute("ATTACH DATABASE ? AS short_built", (str(built),))
    try:
        conn.execute("BEGIN")
        for table in SHORT_TABLES:
            conn.execute(f'DELETE FROM main."{table}"')
            conn.execute(f'INSERT INTO main."{table}" SELECT * FROM short_built."{table}"')
        conn.execute("DELETE FROM short_pending")
        conn.execute("COMMIT")
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.execute("DETACH DATABASE short_built")


class _ShortWords(threading.Thread):
    """Reads the fresh store's messages and writes their short-word index into a file of its own."""

    def __init__(self, source: Path, target: Path, definition: str) -> None:
        super().__init__(name="salvage-short-words", daemon=True)
        self.source, self.target, self.definition = source, target, definition
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._build()
        except BaseException as exc:  # noqa: BLE001 - handed to the thread that waits for this one
            self.error = exc

    def _build(self) -> None:
        source = sqlite3.connect(self.source.resolve().as_uri() + "?mode=ro", uri=True, timeout=WAIT_MS / 1000)
        target = sqlite3.connect(self.target, isolation_level=None)
        try:
            target.execute("PRAGMA journal_mode = OFF")  # a file that is thrown away if anything fails
            target.execute("PRAGMA synchronous = OFF")
            target.execute(self.definition)
            target.execute(f"INSERT INTO {SHORT}({SHORT}, rank) VALUES ('hashsize', ?)", (REBUILD_HASH_BYTES,))
            target.execute("BEGIN")
            last = 0
            while not self.stop.is_set() and (rows := source.execute(
                    "SELECT id, content FROM messages WHERE id > ? ORDER BY id LIMIT ?", (last, CHUNK)).fetchall()):
                target.executemany(f"INSERT INTO {SHORT}(rowid, tokens) VALUES (?, ?)",
                                   ((mid, index_tokens(text)) for mid, text in rows))
                last = rows[-1][0]
            target.execute("COMMIT")
        finally:
            source.close()
            target.close()
