"""Salvage: every row of a damaged store that can still be read, copied into a fresh store.

Where a table's b-tree still leads to its leaf pages, SQLite itself copies them, run by run
(salvage_copy: fast, and checked against the pages' cell counts); every page it cannot vouch for
is read by Hearth's own page reader (sqlite_pages), so one bad page costs only the rows on it. A
row on a page no b-tree leads to any more is recognised as a session, message or outbox item by
its shape (field count and types checked against the current schema, which is read from a fresh
store rather than written out again here). Nothing is invented: a recovered message is byte for
byte the original; what salvage has to change to keep the trees consistent (a parent that was
lost, a session row that was lost) is recorded in `salvage_marks`. Both full-text indexes are
rebuilt from the recovered messages (salvage_index: both at once), and the new file is written
under a temporary name, checked with `integrity_check` and only then renamed into place.
"""
from __future__ import annotations

import gc
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from desktop.errors import HearthError
from desktop.store import salvage_copy, salvage_index, sqlite_pages
from desktop.store.salvage_copy import Leaf
from desktop.store.schema import migrate
from desktop.store.sqlite_pages import PagedFile, Row, Unreadable

TABLES = ("sessions", "messages", "outbox")  # in the order they are written (references point back)
LOST_SESSION_TITLE = "Recovered conversation"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # the declared type: INTEGER, REAL, TEXT
    not_null: bool
    rowid: bool  # INTEGER PRIMARY KEY: stored as the row's key, NULL in the record


@dataclass(frozen=True)
class TableShape:
    name: str
    columns: tuple[Column, ...]
    min_fields: int  # rows written before later ALTER TABLE ... ADD COLUMN steps carry fewer fields
    allowed: tuple[frozenset, ...]  # for each column, the Python types its stored value may have

    def fits(self, values: list) -> bool:
        if not self.min_fields <= len(values) <= len(self.columns):
            return False
        return all(type(value) in allowed for value, allowed in zip(values, self.allowed))


def _allowed(column: Column) -> frozenset:
    if column.rowid:
        return frozenset({type(None)})  # the key lives in the cell, the record holds NULL
    return ACCEPTS.get(column.kind, ANY) | (frozenset() if column.not_null else {type(None)})


# SQLite may store an integral REAL as an integer on disk; it reads back as a float.
ACCEPTS: dict[str, frozenset] = {"INTEGER": frozenset({int}), "REAL": frozenset({int, float}),
                                 "TEXT": frozenset({str})}
ANY = frozenset({int, float, str, bytes})


@dataclass
class SalvageReport:
    sessions: int  # conversations recovered (with their own row or rebuilt around their messages)
    sessions_known: int  # conversations known to have existed
    messages: int
    messages_known: int
    reattached: int  # messages whose parent was lost, now at their conversation's root
    outbox: int
    kept_as: Path | None = None

    def line(self) -> str:
        text = (f"Recovered {self.sessions} of {self.sessions_known} conversation"
                f"{'s' if self.sessions_known != 1 else ''} ({self.messages} message"
                f"{'s' if self.messages != 1 else ''}")
        if self.reattached:
            text += f", {self.reattached} re-attached where their earlier message was lost"
        text += ")"
        if self.kept_as is not None:
            text += f"; the damaged file is kept as {self.kept_as}"
        return text


def shapes(conn: sqlite3.Connection) -> dict[str, TableShape]:
    """The salvaged tables' shapes, read from a store at the latest and at the first schema."""
    first = sqlite3.connect(":memory:")
    try:
        migrate(first, target=1)
        result = {}
        for name in TABLES:
            columns = tuple(Column(row[1], row[2].upper(), bool(row[3]), row[5] == 1 and row[2].upper() == "INTEGER")
                            for row in conn.execute(f"PRAGMA table_info({name})"))
            oldest = len(first.execute(f"PRAGMA table_info({name})").fetchall())
            result[name] = TableShape(name, columns, oldest or len(columns), tuple(map(_allowed, columns)))
        return result
    finally:
        first.close()


def salvage(damaged: Path, out: Path, kept_as: Path | None = None) -> SalvageReport:
    """Write a fresh store at `out` holding every row recoverable from `damaged` (and its -wal)."""
    try:
        pages = sqlite_pages.open_pages(damaged)
    except OSError as exc:
        raise HearthError(f"cannot read {damaged}: {exc.strerror or exc}") from None
    tmp = out.with_name(out.name + ".salvage-tmp")
    leftovers = [tmp.with_name(tmp.name + suffix) for suffix in ("", "-journal", "-wal", "-shm")]
    leftovers.append(salvage_index.built_path(tmp))
    try:
        for leftover in leftovers:
            leftover.unlink(missing_ok=True)
        # URIs on: salvage_copy attaches the damaged file read-only
        conn = sqlite3.connect(tmp.resolve().as_uri(), uri=True, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = MEMORY")  # a crash leaves only the temporary file
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute("PRAGMA temp_store = MEMORY")
            conn.execute("PRAGMA cache_size = -131072")  # 128 MB: a large store's indexes are built in memory
            migrate(conn)
            counts = _counts(damaged)
            # Millions of small lists and no cycles among them: the cycle collector would rescan
            # them over and over (74 s -> 51 s of CPU for a million messages), so it waits.
            collecting = gc.isenabled()
            gc.disable()
            try:
                report = _recover(conn, tmp, damaged, pages, counts)
            finally:
                if collecting:
                    gc.enable()
            report.kept_as = kept_as
            problems = [r[0] for r in conn.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise HearthError(f"the salvaged copy of {damaged} did not pass SQLite's check "
                                  f"({problems[0]}); nothing was replaced")
        finally:
            conn.close()
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except sqlite3.Error as exc:
        raise HearthError(f"cannot write the salvaged store {out}: {exc}") from None
    except OSError as exc:
        raise HearthError(f"cannot write the salvaged store {out}: {exc.strerror or exc}") from None
    finally:
        pages.close()
        for leftover in leftovers:
            leftover.unlink(missing_ok=True)
    return report


def _recover(conn: sqlite3.Connection, path: Path, damaged: Path, pages: PagedFile,
             counts: dict[str, int]) -> SalvageReport:
    """Copy the rows into the fresh store `conn` (at `path`): SQLite's own reading where the
    file's b-trees are sound (salvage_copy), the page reader for the rest, then make the trees
    whole again and rebuild the full-text indexes (salvage_index)."""
    table_shapes = shapes(conn)
    owners, tree_pages, runs = trees(pages)
    # A -wal still holding commits would need SQLite to recover it, which a read-only file forbids.
    attached = not pages.log_pages and salvage_copy.attach(conn, damaged)
    # Indexes and triggers are dropped while the rows go in and made again from their own SQL
    # afterwards: building an index over sorted rows once is several times cheaper than keeping
    # it up to date row by row, and the full-text indexes are rebuilt in one pass anyway.
    deferred = conn.execute("SELECT name, type, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
                            "AND tbl_name IN ('sessions', 'messages', 'outbox') AND sql IS NOT NULL").fetchall()
    conn.execute("BEGIN")
    for name, kind, _ in deferred:
        conn.execute(f'DROP {kind.upper()} "{name}"')
    conn.execute("COMMIT")
    copied: set[int] = set()
    if attached:  # the file is only a temporary one until the end, so these commit as they go
        for name in TABLES:
            shape = table_shapes[name]
            columns = [(c.name, allowed, c.rowid) for c, allowed in zip(shape.columns, shape.allowed)]
            copied |= salvage_copy.copy_runs(conn, name, columns, runs.get(name, []))
        conn.execute("DETACH DATABASE damaged")
    conn.execute("BEGIN")
    rows = read_rows(pages, table_shapes, owners, tree_pages, copied)
    for name in TABLES:  # after SQLite's copies: a row the b-trees lead to wins over a stray copy
        _insert(conn, name, [c.name for c in table_shapes[name].columns], rows[name])
    conn.execute("COMMIT")
    with salvage_index.Rebuild(conn, path) as indexes:  # every message is in: its thread starts on them
        conn.execute("BEGIN")
        for _, kind, sql in deferred:
            if kind == "index":
                conn.execute(sql)
        report = _make_whole(conn, counts)
        for _, kind, sql in deferred:
            if kind == "trigger":
                conn.execute(sql)
        conn.execute("COMMIT")
        indexes.finish()
    return report


def read_rows(pages: PagedFile, table_shapes: dict[str, TableShape], owners: dict[int, str],
              tree_pages: set[int], copied: set[int]) -> dict[str, dict[int, list]]:
    """{table: {rowid: values}} from every leaf page that still parses, but those already `copied`."""
    taken = tree_pages | sqlite_pages.free_pages(pages)
    found: dict[str, dict[int, tuple[bool, list]]] = {name: {} for name in table_shapes}
    for number in range(1, pages.page_count + 1):
        owner = owners.get(number)
        if number in taken and owner is None:
            continue  # a free or interior page: stale or no rows
        if owner is not None and (owner not in table_shapes or number in copied):
            continue  # the full-text index, migrations, ...: rebuilt rather than copied
        if sqlite_pages.page_kind(pages, number) != sqlite_pages.TABLE_LEAF:
            continue
        try:
            for row in sqlite_pages.leaf_rows(pages, number, taken):
                _keep(found, table_shapes, owner, row)
        except Unreadable:
            continue
    return {name: {rowid: values for rowid, (_, values) in rows.items()} for name, rows in found.items()}


def _keep(found: dict, table_shapes: dict[str, TableShape], owner: str | None, row: Row) -> None:
    candidates = [owner] if owner is not None else list(table_shapes)
    for name in candidates:
        if table_shapes[name].fits(row.values):
            reached = owner is not None
            earlier = found[name].get(row.rowid)
            if earlier is None or (reached and not earlier[0]):
                found[name][row.rowid] = (reached, row.values)
            return


def trees(pages: PagedFile) -> tuple[dict[int, str], set[int], dict[str, list[list[Leaf]]]]:
    """What the schema's b-trees still lead to: {leaf page: table}, all their pages, and each
    table's leaves in key order, in runs broken wherever part of its tree is lost."""
    owners: dict[int, str] = {}
    tree: set[int] = set()
    runs: dict[str, list[list[Leaf]]] = {}
    if not pages.header_ok:
        return owners, tree, runs
    schema: dict[int, str] = {}
    for leaf in _walk(pages, 1, tree, owners, "sqlite_schema", []):
        for row in sqlite_pages.leaf_rows(pages, leaf.page, set()):
            values = row.values
            if len(values) == 5 and values[0] == "table" and isinstance(values[3], int) and values[3] > 1:
                schema[values[3]] = values[1]
    for root, name in schema.items():
        runs[name] = []
        _walk(pages, root, tree, owners, name, runs[name])
    return owners, tree, runs


def _walk(pages: PagedFile, root: int, tree: set[int], owners: dict[int, str], name: str,
          runs: list[list[Leaf]]) -> list[Leaf]:
    """Walk one table's b-tree in key order; returns its leaves and appends them to `runs`."""
    leaves: list[Leaf] = []
    run: list[Leaf] = []
    stack: list[tuple[int, int | None, int | None]] = [(root, None, None)]
    while stack:
        number, low, high = stack.pop()
        kind = None if number in tree else sqlite_pages.page_kind(pages, number)
        if kind == sqlite_pages.TABLE_INTERIOR:
            try:
                cells = sqlite_pages.separated_children(pages, number)
            except Unreadable:
                cells = None
            if cells is not None:
                tree.add(number)
                bounds, below = [], low
                for child, key in cells:
                    bounds.append((child, below, high if key is None else key))
                    below = key
                stack.extend(reversed(bounds))
                continue
        elif kind == sqlite_pages.TABLE_LEAF:
            tree.add(number)
            owners[number] = name
            leaf = Leaf(number, low, high, sqlite_pages.cell_count(pages, number))
            leaves.append(leaf)
            run.append(leaf)
            continue
        if run:  # a lost part of the tree (or a page reached twice): the run ends here
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    return leaves


def _counts(damaged: Path) -> dict[str, int]:
    """How many sessions and messages SQLite still counts in the damaged file, where it can."""
    counts: dict[str, int] = {}
    try:
        conn = sqlite3.connect(salvage_copy.read_only_uri(damaged), uri=True)
    except sqlite3.Error:
        return counts
    try:
        for name in ("sessions", "messages"):
            try:
                counts[name] = conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
            except (sqlite3.Error, UnicodeDecodeError):  # SQLite's message may quote damaged bytes
                pass
    finally:
        conn.close()
    return counts


def _make_whole(conn: sqlite3.Connection, counts: dict[str, int]) -> SalvageReport:
    """Keep every conversation's tree whole: a message whose parent was lost starts its
    conversation, a conversation whose own row was lost is rebuilt around its messages, and
    references to lost rows are cleared. Each change is noted in `salvage_marks`."""
    conn.execute("CREATE TEMP TABLE salvage_orphans AS SELECT m.id, m.parent_id FROM messages m "
                 "WHERE m.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM messages p "
                 "WHERE p.id = m.parent_id AND p.session_id = m.session_id AND p.id < m.id)")
    conn.execute("INSERT INTO salvage_marks(message_id, note) SELECT id, 'its earlier message ' || parent_id "
                 "|| ' was lost; it now starts its conversation' FROM temp.salvage_orphans ORDER BY id")
    conn.execute("UPDATE messages SET parent_id = NULL WHERE id IN (SELECT id FROM temp.salvage_orphans)")
    reattached = conn.execute("SELECT count(*) FROM temp.salvage_orphans").fetchone()[0]
    conn.execute("CREATE TEMP TABLE salvage_lost AS SELECT session_id AS id, min(id) AS oldest, "
                 "max(id) AS newest FROM messages GROUP BY session_id "
                 "HAVING session_id NOT IN (SELECT id FROM sessions)")
    conn.execute("INSERT INTO sessions(id, title, title_auto, created_at, updated_at, active_leaf_id) "
                 "SELECT l.id, ?, 0, o.created_at, n.created_at, l.newest FROM temp.salvage_lost l "
                 "JOIN messages o ON o.id = l.oldest JOIN messages n ON n.id = l.newest", (LOST_SESSION_TITLE,))
    conn.execute("INSERT INTO salvage_marks(session_id, note) SELECT id, "
                 "'its own record was lost; rebuilt around its messages' FROM temp.salvage_lost")
    conn.execute("UPDATE sessions SET active_leaf_id = (SELECT max(id) FROM messages WHERE session_id = sessions.id) "
                 "WHERE active_leaf_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM messages m "
                 "WHERE m.id = sessions.active_leaf_id AND m.session_id = sessions.id)")
    conn.execute("UPDATE outbox SET session_id = NULL WHERE session_id NOT IN (SELECT id FROM sessions)")
    conn.execute("UPDATE outbox SET message_id = NULL WHERE message_id NOT IN (SELECT id FROM messages)")
    conn.execute("DROP TABLE temp.salvage_orphans")
    conn.execute("DROP TABLE temp.salvage_lost")
    recovered, written, queued = (conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in TABLES)
    return SalvageReport(sessions=recovered, sessions_known=max(recovered, counts.get("sessions", 0)),
                         messages=written, messages_known=max(written, counts.get("messages", 0)),
                         reattached=reattached, outbox=queued)


def _insert(conn: sqlite3.Connection, name: str, columns: list[str], table: dict[int, list]) -> None:
    by_width: dict[int, list[list]] = {}
    for rowid, values in sorted(table.items()):
        by_width.setdefault(len(values), []).append([rowid, *values[1:]])
    for width, batch in by_width.items():
        names = ", ".join(columns[:width])
        conn.executemany(f"INSERT OR IGNORE INTO {name}({names}) VALUES ({', '.join('?' * width)})", batch)
