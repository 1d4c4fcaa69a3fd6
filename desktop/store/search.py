"""Search: conversations that match, a page at a time, each with its best snippet and true count.

A conversation matches when its title, folder and tags hold every word of the query (these rank
first), or when one of its messages, in any branch, holds them all. Results are conversations,
newest first, so one conversation with thousands of matches never crowds out the others.

Words of three characters or more are found with the FTS5 trigram index; shorter ones (天气, 你好)
with the short-word index (desktop/store/short_words.py). A word found in more than
COMMON_MATCHES messages is common: instead of reading all its matches, conversations are walked
newest first and each is asked whether it holds one, which stops as soon as a page is full. Counts
and snippets are then read for that page's conversations alone.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from desktop.store.records import SESSION_COLUMNS, SearchHit, session_from_row
from desktop.store.schema import INDEX_PENDING
from desktop.store.short_words import index_tokens, query_token

TRIGRAM = 3
COMMON_MATCHES = 3000  # matching messages read from an index before a word counts as common
SNIPPET_CHARS = 48  # context kept around a match
INDEX_CHUNK = 10_000  # messages read at a time for the short-word index (an upgrade reads them all)
# A conversation's own words hold a query word: its title, folder or tags (one LIKE each: faster
# than one over the three joined, which builds a string per row).
META = "(s.title LIKE ? ESCAPE '\\' OR s.folder LIKE ? ESCAPE '\\' OR s.tags LIKE ? ESCAPE '\\')"


def has_pending(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT EXISTS (SELECT 1 FROM fts_pending) OR EXISTS (SELECT 1 FROM short_pending) "
                        "OR EXISTS (SELECT 1 FROM short_gone)").fetchone()[0] == 1


def index_pending(conn: sqlite3.Connection) -> None:
    """Bring both indexes up to date with the messages waiting for them (in a write transaction)."""
    for statement in INDEX_PENDING:
        conn.execute(statement)
    gone = conn.execute("SELECT message_id, content FROM short_gone").fetchall()
    conn.executemany("INSERT INTO messages_short(messages_short, rowid, tokens) VALUES ('delete', ?, ?)",
                     ((mid, index_tokens(text)) for mid, text in gone))
    conn.execute("DELETE FROM short_gone")
    last = 0
    while rows := conn.execute("SELECT m.id, m.content FROM short_pending p JOIN messages m ON m.id = p.message_id "
                               "WHERE p.message_id > ? ORDER BY p.message_id LIMIT ?", (last, INDEX_CHUNK)).fetchall():
        conn.executemany("INSERT INTO messages_short(rowid, tokens) VALUES (?, ?)",
                         ((mid, index_tokens(text)) for mid, text in rows))
        last = rows[-1][0]
    conn.execute("DELETE FROM short_pending")


def search(conn: sqlite3.Connection, query: str, limit: int, mark: tuple[str, str],
           offset: int = 0) -> list[SearchHit]:
    """One page of matching conversations: title matches first, then the newest."""
    terms = query.split()
    if not terms or limit <= 0:
        return []
    likes = [f"%{_escape_like(t)}%" for t in terms]
    titled = _title_matches(conn, likes, offset + limit)
    page = titled[offset:]
    found = None
    if len(titled) < offset + limit:  # every title match is known and the page has room for more
        skip, after = set(titled), max(0, offset - len(titled))
        found = _indexed_matches(conn, terms, likes)
        if found is None:
            page += _walk(conn, likes, after, limit - len(page))
        else:
            page += [sid for sid in _newest_first(conn, found) if sid not in skip][after:][:limit - len(page)]
    titled_here = set(titled[offset:])
    return [_hit(conn, sid, sid in titled_here, terms, likes, mark,
                 None if found is None else found.get(sid, [])) for sid in page]


def _title_matches(conn: sqlite3.Connection, likes: list[str], limit: int) -> list[int]:
    """The newest `limit` conversations whose title, folder and tags hold every word."""
    return [sid for (sid,) in conn.execute(
        f"SELECT s.id FROM sessions s WHERE s.deleted_at IS NULL AND {_meta(likes)} "
        "ORDER BY s.updated_at DESC, s.id DESC LIMIT ?", [*_meta_args(likes), limit])]


def _meta(likes: list[str]) -> str:
    return " AND ".join([META] * len(likes))


def _meta_args(likes: list[str]) -> list[str]:
    return [like for like in likes for _ in range(3)]


def _indexed_matches(conn: sqlite3.Connection, terms: list[str],
                     likes: list[str]) -> dict[int, list[int]] | None:
    """Every matching message (newest first) by conversation, read from an index; None when the
    words are common (more than COMMON_MATCHES matches) or no index can answer for them."""
    if any(len(t) >= TRIGRAM for t in terms):  # the trigram index, short words checked with LIKE
        table = "messages_fts"
        indexed = {t: t for t in terms if len(t) >= TRIGRAM}
    else:
        table = "messages_short"
        indexed = {t: token for t in terms if (token := query_token(t)) is not None}
        if not indexed:
            return None  # single ASCII characters: in nearly every message anyway
    match = " ".join('"' + token.replace('"', '""') + '"' for token in indexed.values())
    rest = [like for term, like in zip(terms, likes) if term not in indexed]
    filters = "".join(" AND m.content LIKE ? ESCAPE '\\'" for _ in rest)
    ids = conn.execute(f"SELECT json_group_array(rowid) FROM (SELECT rowid FROM {table} WHERE {table} "
                       "MATCH ? LIMIT ?)", (match, COMMON_MATCHES + 1)).fetchone()[0]
    if ids.count(",") >= COMMON_MATCHES:
        return None  # the index alone says so, before any message is read
    rows = conn.execute(
        "SELECT m.session_id, m.id FROM messages m JOIN sessions s ON s.id = m.session_id "
        f"WHERE m.id IN (SELECT value FROM json_each(?)) AND s.deleted_at IS NULL{filters} "
        "ORDER BY m.id DESC", [ids, *rest]).fetchall()
    found: dict[int, list[int]] = {}
    for session_id, message_id in rows:
        found.setdefault(session_id, []).append(message_id)
    return found


def _newest_first(conn: sqlite3.Connection, session_ids: Iterable[int]) -> list[int]:
    ids = list(session_ids)
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    return [sid for (sid,) in conn.execute(
        f"SELECT id FROM sessions WHERE id IN ({marks}) ORDER BY updated_at DESC, id DESC", ids)]


def _walk(conn: sqlite3.Connection, likes: list[str], offset: int, limit: int) -> list[int]:
    """Conversations newest first that hold a matching message and no title match, for common
    words: each is asked in turn (sessions_by_updated), and the walk stops when the page is full."""
    where = " AND ".join(["m.content LIKE ? ESCAPE '\\'"] * len(likes))
    return [sid for (sid,) in conn.execute(
        "SELECT s.id FROM sessions s INDEXED BY sessions_by_updated WHERE s.deleted_at IS NULL "
        f"AND NOT ({_meta(likes)}) AND EXISTS (SELECT 1 FROM messages m WHERE m.session_id = s.id AND {where}) "
        "ORDER BY s.updated_at DESC, s.id DESC LIMIT ? OFFSET ?", [*_meta_args(likes), *likes, limit, offset])]


def _hit(conn: sqlite3.Connection, session_id: int, titled: bool, terms: list[str], likes: list[str],
         mark: tuple[str, str], message_ids: list[int] | None) -> SearchHit:
    session = session_from_row(conn.execute(
        f"SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?", (session_id,)).fetchone())
    if message_ids is None:  # a common word: count this conversation's matches now
        where = " AND ".join(["content LIKE ? ESCAPE '\\'"] * len(likes))
        message_ids = [mid for (mid,) in conn.execute(
            f"SELECT id FROM messages WHERE session_id = ? AND {where} ORDER BY id DESC", [session_id, *likes])]
    if message_ids:
        text = conn.execute("SELECT content FROM messages WHERE id = ?", (message_ids[0],)).fetchone()[0]
    else:
        text = " · ".join(part for part in [session.title, session.folder, *session.tags] if part)
    return SearchHit(session, message_ids[0] if message_ids else None, like_snippet(text, terms, mark),
                     len(message_ids), message_ids, titled)


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
