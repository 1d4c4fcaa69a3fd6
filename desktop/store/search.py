"""Full-text search: FTS5 with the trigram tokenizer, so Chinese and parts of words are found.

Trigrams cannot match fewer than three characters, so words shorter than that (common in Chinese:
天气, 你好) are checked with LIKE instead: alongside the index when the query also has a longer word,
on their own otherwise. Matches are read newest first and stop after a bounded number of rows, which
keeps a query over a million messages fast even for a very common word.
"""
from __future__ import annotations

import sqlite3

from desktop.store.records import SESSION_COLUMNS, SearchHit, session_from_row
from desktop.store.schema import INDEX_PENDING

TRIGRAM = 3
ROWS_PER_SESSION = 10  # matching messages read per session asked for
SNIPPET_TOKENS = 48
SNIPPET_CHARS = 48  # context kept around a LIKE match


def has_pending(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT EXISTS (SELECT 1 FROM fts_pending)").fetchone()[0] == 1


def index_pending(conn: sqlite3.Connection) -> None:
    """Bring the index up to date with the messages waiting in fts_pending (in a write transaction)."""
    for statement in INDEX_PENDING:
        conn.execute(statement)


def search(conn: sqlite3.Connection, query: str, limit: int, mark: tuple[str, str]) -> list:
    terms = query.split()
    if not terms:
        return []
    indexed = [t for t in terms if len(t) >= TRIGRAM]
    short = [t for t in terms if len(t) < TRIGRAM]
    conditions = ["s.deleted_at IS NULL"] + ["m.content LIKE ? ESCAPE '\\'"] * len(short)
    args: list = [f"%{_escape_like(t)}%" for t in short]
    if indexed:
        sql = (f"SELECT m.session_id, m.id, snippet(messages_fts, 0, ?, ?, '…', {SNIPPET_TOKENS}) "
               "FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid "
               "JOIN sessions s ON s.id = m.session_id "
               f"WHERE messages_fts MATCH ? AND {' AND '.join(conditions)} "
               "ORDER BY messages_fts.rowid DESC LIMIT ?")
        match = " ".join('"' + t.replace('"', '""') + '"' for t in indexed)
        rows = conn.execute(sql, [*mark, match, *args, limit * ROWS_PER_SESSION]).fetchall()
    else:
        sql = ("SELECT m.session_id, m.id, m.content FROM messages m CROSS JOIN sessions s ON s.id = m.session_id "
               f"WHERE {' AND '.join(conditions)} ORDER BY m.id DESC LIMIT ?")
        rows = [(sid, mid, like_snippet(text, short, mark))
                for sid, mid, text in conn.execute(sql, [*args, limit * ROWS_PER_SESSION])]
    return _group_by_session(conn, rows, limit)


def _group_by_session(conn: sqlite3.Connection, rows: list, limit: int) -> list[SearchHit]:
    hits: dict[int, SearchHit] = {}
    for session_id, message_id, snippet in rows:
        hit = hits.get(session_id)
        if hit is None:
            if len(hits) == limit:
                continue
            hits[session_id] = SearchHit(None, message_id, snippet, 0, [])  # session filled below
            hit = hits[session_id]
        hit.matches += 1
        hit.message_ids.append(message_id)
    if hits:
        marks = ",".join("?" * len(hits))
        sessions = {row[0]: session_from_row(row) for row in conn.execute(
            f"SELECT {SESSION_COLUMNS} FROM sessions WHERE id IN ({marks})", list(hits))}
        for session_id, hit in hits.items():
            hit.session = sessions[session_id]
    return list(hits.values())


def like_snippet(text: str, terms: list[str], mark: tuple[str, str]) -> str:
    """A window of `text` around the first term found, every term found in it between the marks."""
    lower = text.lower()
    first = min((i for i in (lower.find(t.lower()) for t in terms) if i >= 0), default=0)
    start = max(0, first - SNIPPET_CHARS // 2)
    window = text[start:start + SNIPPET_CHARS * 2]
    for term in sorted(terms, key=len, reverse=True):
        window = _mark_all(window, term, mark)
    return ("…" if start > 0 else "") + window + ("…" if start + SNIPPET_CHARS * 2 < len(text) else "")


def _mark_all(text: str, term: str, mark: tuple[str, str]) -> str:
    out, lower, needle, i = [], text.lower(), term.lower(), 0
    while (j := lower.find(needle, i)) >= 0:
        out += [text[i:j], mark[0], text[j:j + len(term)], mark[1]]
        i = j + len(term)
    return "".join(out) + text[i:]


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
