"""Salvage's fast path: the sound stretches of a damaged file's tables, copied by SQLite itself.

Decoding every record in Python is most of the cost of salvaging a large store, yet in a damaged
file nearly every leaf page is sound. So the leaves that a table's b-tree still leads to are taken
in key order, in runs that stop wherever part of the tree is lost, and each run is copied with one
`INSERT ... SELECT` over its rowid range from the damaged file, attached read-only. The copy keeps
to the page reader's rules: the same checks of each field's type, and text that is not valid UTF-8
fails the statement. A run counts only if SQLite reads it without error and copies exactly as many
rows as its pages hold cells; otherwise it is split in two, down to single pages, and the pages
SQLite could not vouch for are left to the page reader (sqlite_pages). A damaged store thus costs
the Python reader only its damaged pages, and an unreadable schema or a `-wal` still holding
commits (which SQLite would have to recover first) simply leaves everything to the page reader.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

RUN_CELLS = 20_000  # rows per statement: a damaged page costs at most a few runs this long again
SQL_TYPES = {int: "integer", float: "real", str: "text", bytes: "blob", type(None): "null"}
LOWEST, HIGHEST = -(1 << 63), (1 << 63) - 1
# What SQLite may raise on a damaged page: its message may quote the damaged bytes, and a size
# field overwritten with a huge number reads as running out of memory (SQLITE_NOMEM).
UNREADABLE = (sqlite3.Error, UnicodeDecodeError, MemoryError)


@dataclass(frozen=True)
class Leaf:
    page: int
    low: int | None  # the rowids this leaf may hold: above `low`, up to `high` (None: unbounded)
    high: int | None
    cells: int


def read_only_uri(path: Path) -> str:
    """The URI that opens `path` for reading only and leaves nothing beside it.

    A plain read-only connection to a file in WAL mode makes an empty `-wal` and `-shm` next to
    it, which would then lie beside a damaged file that was at rest. With no `-wal` there is no
    log to read, so the file is opened as immutable, which makes neither; a `-wal` that is there
    is read as SQLite reads it (and its `-shm` is there already)."""
    uri = path.resolve().as_uri() + "?mode=ro"
    return uri if path.with_name(path.name + "-wal").exists() else uri + "&immutable=1"


def attach(conn: sqlite3.Connection, damaged: Path) -> bool:
    """Attach the damaged file read-only as `damaged`; False when SQLite cannot read its schema."""
    try:
        conn.execute("ATTACH DATABASE ? AS damaged", (read_only_uri(damaged),))
    except UNREADABLE:
        return False
    try:
        conn.execute("SELECT count(*) FROM damaged.sqlite_master").fetchone()
        return True
    except UNREADABLE:
        conn.execute("DETACH DATABASE damaged")
        return False


def copy_runs(conn: sqlite3.Connection, name: str, columns: list[tuple[str, frozenset, bool]],
              runs: list[list[Leaf]]) -> set[int]:
    """Copy the table's runs into `main`; returns the leaf pages whose rows SQLite copied.

    `columns` describe the new table as the page reader checks rows against it: each column's
    name, the Python types its value may have, and whether it is the rowid. Each run is a
    transaction of its own."""
    try:
        old = {row[1] for row in conn.execute(f'PRAGMA damaged.table_info("{name}")')}
    except UNREADABLE:
        return set()
    if not old:
        return set()
    kept = [column for column in columns if column[0] in old]
    names = ", ".join(f'"{column}"' for column, _, _ in kept)
    fields = [(column, types) for column, types, rowid in kept if not rowid]
    checks = " AND ".join(f'typeof("{column}") IN ({", ".join(sorted(repr(SQL_TYPES[t]) for t in types))})'
                          for column, types in fields)
    texts = [f'"{column}"' for column, types in fields if str in types]
    if texts:  # turning the text into Python strings fails the statement on invalid UTF-8
        conn.create_function("hearth_valid_text", -1, _valid_text, deterministic=True)
        checks += f" AND hearth_valid_text({', '.join(texts)})"
    sql = (f'INSERT OR IGNORE INTO main."{name}"({names}) SELECT {names} FROM damaged."{name}" '
           f"WHERE rowid >= ? AND rowid <= ? AND {checks or '1'} LIMIT ?")
    copied: set[int] = set()
    pending = [part for run in reversed(runs) for part in reversed(_parts(run))]
    while pending:
        leaves = pending.pop()
        if _copy(conn, sql, leaves):
            copied.update(leaf.page for leaf in leaves)
        elif len(leaves) > 1:
            half = len(leaves) // 2
            pending += [leaves[half:], leaves[:half]]
    return copied


def _valid_text(*_texts: str) -> int:
    return 1


def _parts(run: list[Leaf]) -> list[list[Leaf]]:
    """A run cut into pieces of about RUN_CELLS rows (adjacent pieces share their bound)."""
    parts, current, cells = [], [], 0
    for leaf in run:
        current.append(leaf)
        cells += leaf.cells
        if cells >= RUN_CELLS:
            parts.append(current)
            current, cells = [], 0
    return parts + [current] if current else parts


def _copy(conn: sqlite3.Connection, sql: str, leaves: list[Leaf]) -> bool:
    low, high = leaves[0].low, leaves[-1].high
    if low is not None and low >= HIGHEST:
        return False
    expected = sum(leaf.cells for leaf in leaves)
    # A transaction of its own: once SQLite has met a damaged page it keeps failing on that
    # file until its read transaction ends.
    conn.execute("BEGIN")
    try:
        # the LIMIT stops the scan at the run's last row: looking one row further would step onto
        # the next page, which may be the damaged one
        copied = conn.execute(sql, (LOWEST if low is None else low + 1, HIGHEST if high is None else high,
                                    expected)).rowcount
    except UNREADABLE:
        copied = -1
    conn.execute("COMMIT" if copied == expected else "ROLLBACK")
    return copied == expected
