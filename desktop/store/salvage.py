"""Salvage: every row of a damaged store that can still be read, copied into a fresh store.

The damaged file is read page by page (see sqlite_pages), so one bad page costs only the rows on
it. A row is recognised as a session, message or outbox item by its place in the file's b-trees
when those still lead to it, else by its shape (field count and types checked against the current
schema, which is read from a fresh store rather than written out again here). Nothing is invented:
a recovered message is byte for byte the original; what salvage has to change to keep the trees
consistent (a parent that was lost, a session row that was lost) is recorded in `salvage_marks`.
The full-text index is rebuilt from the recovered messages, and the new file is written under a
temporary name, checked with `integrity_check` and only then renamed into place.
"""
from __future__ import annotations

import gc
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from desktop.errors import HearthError
from desktop.store import sqlite_pages
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
    for leftover in (tmp, tmp.with_name(tmp.name + "-journal")):
        leftover.unlink(missing_ok=True)
    try:
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = OFF")  # a crash leaves only the temporary file
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute("PRAGMA cache_size = -131072")  # 128 MB: a large store's indexes are built in memory
            migrate(conn)
            # Millions of small lists and no cycles among them: the cycle collector would rescan
            # them over and over (74 s -> 51 s of CPU for a million messages), so it waits.
            collecting = gc.isenabled()
            gc.disable()
            try:
                rows = read_rows(pages, shapes(conn))
                report = _write(conn, rows, _counts(damaged))
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
        tmp.unlink(missing_ok=True)
    return report


def read_rows(pages: PagedFile, table_shapes: dict[str, TableShape]) -> dict[str, dict[int, list]]:
    """{table: {rowid: values}} for every salvaged table, from every leaf page that still parses."""
    owners, tree_pages = _tree_owners(pages)
    taken = tree_pages | sqlite_pages.free_pages(pages)
    found: dict[str, dict[int, tuple[bool, list]]] = {name: {} for name in table_shapes}
    for number in range(1, pages.page_count + 1):
        owner = owners.get(number)
        if number in taken and owner is None:
            continue  # a free or interior page: stale or no rows
        if owner is not None and owner not in table_shapes:
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


def _tree_owners(pages: PagedFile) -> tuple[dict[int, str], set[int]]:
    """{leaf page: table} for the leaves the schema's b-trees still lead to, and all their pages."""
    owners: dict[int, str] = {}
    tree: set[int] = set()
    if not pages.header_ok:
        return owners, tree
    schema: dict[int, str] = {}
    for row in _walk(pages, 1, tree, owners, "sqlite_schema"):
        values = row.values
        if len(values) == 5 and values[0] == "table" and isinstance(values[3], int) and values[3] > 1:
            schema[values[3]] = values[1]
    for root, name in schema.items():
        for _ in _walk(pages, root, tree, owners, name):
            pass
    return owners, tree


def _walk(pages: PagedFile, root: int, tree: set[int], owners: dict[int, str], name: str):
    stack = [root]
    while stack:
        number = stack.pop()
        if number in tree:
            continue
        kind = sqlite_pages.page_kind(pages, number)
        if kind == sqlite_pages.TABLE_INTERIOR:
            try:
                stack.extend(sqlite_pages.children(pages, number))
                tree.add(number)
            except Unreadable:
                pass
        elif kind == sqlite_pages.TABLE_LEAF:
            tree.add(number)
            owners[number] = name
            if name == "sqlite_schema":
                yield from sqlite_pages.leaf_rows(pages, number, set())


def _counts(damaged: Path) -> dict[str, int]:
    """How many sessions and messages SQLite still counts in the damaged file, where it can."""
    counts: dict[str, int] = {}
    try:
        conn = sqlite3.connect(damaged.resolve().as_uri() + "?mode=ro", uri=True)
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


def _write(conn: sqlite3.Connection, rows: dict[str, dict[int, list]], counts: dict[str, int]) -> SalvageReport:
    sessions, messages, outbox = rows["sessions"], rows["messages"], rows["outbox"]
    names = {name: [c[1] for c in conn.execute(f"PRAGMA table_info({name})")] for name in TABLES}
    col = {name: {c: i for i, c in enumerate(names[name])} for name in TABLES}
    m, s = col["messages"], col["sessions"]
    marks: list[tuple[int, str]] = []
    kept: dict[int, int] = {}  # message id -> session id, for the messages placed so far
    for mid in sorted(messages):
        values = messages[mid]
        sid, parent = values[m["session_id"]], values[m["parent_id"]]
        if parent is not None and kept.get(parent) != sid:
            values[m["parent_id"]] = None
            marks.append((mid, f"its earlier message {parent} was lost; it now starts its conversation"))
        kept[mid] = sid
    oldest: dict[int, int] = {}
    newest: dict[int, int] = {}
    for mid, sid in kept.items():  # ids ascend, so the first seen is the oldest
        oldest.setdefault(sid, mid)
        newest[sid] = mid
    # A conversation whose own row was lost is rebuilt around its messages, under a plain title.
    lost_sessions = {sid: [sid, LOST_SESSION_TITLE, 0, messages[oldest[sid]][m["created_at"]],
                           messages[leaf][m["created_at"]], leaf]
                     for sid, leaf in newest.items() if sid not in sessions}
    for sid, values in sessions.items():
        leaf = values[s["active_leaf_id"]] if len(values) > s["active_leaf_id"] else None
        if leaf is not None and kept.get(leaf) != sid:
            values[s["active_leaf_id"]] = newest.get(sid)
    o = col["outbox"]
    for values in outbox.values():
        if values[o["session_id"]] not in sessions and values[o["session_id"]] not in lost_sessions:
            values[o["session_id"]] = None
        if values[o["message_id"]] not in kept:
            values[o["message_id"]] = None
    conn.execute("BEGIN")
    # Indexes and triggers are dropped while the rows go in and made again from their own SQL
    # afterwards: building an index over sorted rows once is several times cheaper than keeping
    # it up to date row by row, and the full-text index is rebuilt in one pass anyway.
    deferred = conn.execute("SELECT name, type, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
                            "AND tbl_name IN ('sessions', 'messages', 'outbox') AND sql IS NOT NULL").fetchall()
    for name, kind, _ in deferred:
        conn.execute(f'DROP {kind.upper()} "{name}"')
    for name, table in (("sessions", sessions), ("messages", messages), ("outbox", outbox)):
        _insert(conn, name, names[name], table)
        if name == "sessions":
            conn.executemany("INSERT INTO sessions(id, title, title_auto, created_at, updated_at, "
                             "active_leaf_id) VALUES (?, ?, ?, ?, ?, ?)", list(lost_sessions.values()))
    for _, _, sql in deferred:
        conn.execute(sql)
    conn.executemany("INSERT INTO salvage_marks(message_id, note) VALUES (?, ?)", marks)
    conn.executemany("INSERT INTO salvage_marks(session_id, note) VALUES (?, ?)",
                     [(sid, "its own record was lost; rebuilt around its messages") for sid in lost_sessions])
    conn.execute("INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')")
    conn.execute("COMMIT")
    # A row that fits a table's shape but breaks one of its CHECKs was skipped: count what is there.
    recovered, written, queued = (conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in TABLES)
    return SalvageReport(sessions=recovered, sessions_known=max(recovered, counts.get("sessions", 0)),
                         messages=written, messages_known=max(written, counts.get("messages", 0)),
                         reattached=len(marks), outbox=queued)


def _insert(conn: sqlite3.Connection, name: str, columns: list[str], table: dict[int, list]) -> None:
    by_width: dict[int, list[list]] = {}
    for rowid, values in sorted(table.items()):
        by_width.setdefault(len(values), []).append([rowid, *values[1:]])
    for width, batch in by_width.items():
        names = ", ".join(columns[:width])
        conn.executemany(f"INSERT OR IGNORE INTO {name}({names}) VALUES ({', '.join('?' * width)})", batch)
