"""Search: conversations that match, a page at a time, each with its best snippet and true count.

A conversation matches when its title, folder and tags hold every word of the query (these rank
first, most recently updated first), or when one of its messages, in any branch, holds them all
(newest match first). Results are conversations, so one with thousands of matches never crowds
out the others.

Words of three characters or more are found with the FTS5 trigram index; shorter ones (天气, 你好)
with the short-word index (desktop/store/short_words.py). A word found in more than
COMMON_MATCHES messages is common: instead of reading all its matches, they are read newest first
only until the page has its conversations, and each of those counts its own matches.
"""
from __future__ import annotations

import sqlite3

from desktop.store.records import SESSION_COLUMNS, SearchHit, session_from_row
from desktop.store.schema import INDEX_PENDING
from desktop.store.short_words import index_tokens, query_token

TRIGRAM = 3
COMMON_MATCHES = 3000  # matching messages read from an index before a word counts as common
SNIPPET_CHARS = 48  # context kept around a match
STREAM_ROWS = 256  # matches fetched at a time while looking for a page's conversations
INDEX_CHUNK = 10_000  # messages read at a time for the short-word index (an upgrade reads them all)
OWN_WORDS = ("s.title", "s.folder", "s.tags")  # a conversation's own words, searched beside its messages


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
    conn.create_function("hearth_has", 2, _has, deterministic=True)
    titled = _title_matches(conn, terms, offset + limit)
    page = titled[offset:]
    found = None
    if len(titled) < offset + limit:  # every title match is known and the page has room for more
        after, wanted = max(0, offset - len(titled)), limit - len(page)
        found = _indexed_matches(conn, terms)
        if found is None:
            page += _newest_matches(conn, terms, after + wanted)[after:]
        else:
            skip = set(titled)
            page += [sid for sid in found if sid not in skip][after:][:wanted]
    titled_here = set(titled[offset:])
    return [_hit(conn, sid, sid in titled_here, terms, mark,
                 None if found is None else found.get(sid, [])) for sid in page]


def _title_matches(conn: sqlite3.Connection, terms: list[str], limit: int) -> list[int]:
    """The newest `limit` conversations whose title, folder and tags hold every word."""
    own, args = _own_words_hold(terms)
    return [sid for (sid,) in conn.execute(
        f"SELECT s.id FROM sessions s WHERE s.deleted_at IS NULL AND {own} "
        "ORDER BY s.updated_at DESC, s.id DESC LIMIT ?", [*args, limit])]


def _holds(column: str, terms: list[str]) -> tuple[str, list[str]]:
    """SQL that is true when `column` holds every term, ignoring case, and its arguments. LIKE is
    fast but folds ASCII case alone, while both indexes fold every letter: words with other cased
    letters (Привет, Été) use hearth_has instead; Chinese and Japanese have no case, so keep LIKE."""
    parts, args = [], []
    for term in terms:
        if all(c.isascii() or c.lower() == c.upper() for c in term):
            parts.append(f"{column} LIKE ? ESCAPE '\\'")
            args.append(f"%{_escape_like(term)}%")
        else:
            parts.append(f"hearth_has({column}, ?)")
            args.append(term.lower())
    return " AND ".join(parts) or "1", args


def _own_words_hold(terms: list[str]) -> tuple[str, list[str]]:
    """True when each term is in the conversation's title, folder or tags."""
    parts, args = [], []
    for term in terms:
        conditions = [_holds(column, [term]) for column in OWN_WORDS]
        parts.append("(" + " OR ".join(sql for sql, _ in conditions) + ")")
        args += [arg for _, column_args in conditions for arg in column_args]
    return " AND ".join(parts), args


def _has(text: str | None, lowered: str) -> bool:
    return text is not None and lowered in text.lower()


def _indexed_matches(conn: sqlite3.Connection, terms: list[str]) -> dict[int, list[int]] | None:
    """Every matching message (newest first) by conversation, read from an index; None when the
    words are common (more than COMMON_MATCHES matches) or no index can answer for them."""
    table, match, rest = _index_query(terms)
    if not table:
        return None  # single ASCII characters: in nearly every message anyway
    filters, rest_args = _holds("m.content", rest)
    ids = conn.execute(f"SELECT json_group_array(rowid) FROM (SELECT rowid FROM {table} WHERE {table} "
                       "MATCH ? LIMIT ?)", (match, COMMON_MATCHES + 1)).fetchone()[0]
    if ids.count(",") >= COMMON_MATCHES:
        return None  # the index alone says so, before any message is read
    rows = conn.execute(
        "SELECT m.session_id, m.id FROM messages m JOIN sessions s ON s.id = m.session_id "
        f"WHERE m.id IN (SELECT value FROM json_each(?)) AND s.deleted_at IS NULL AND {filters} "
        "ORDER BY m.id DESC", [ids, *rest_args]).fetchall()
    found: dict[int, list[int]] = {}  # in order of each conversation's newest match
    for session_id, message_id in rows:
        found.setdefault(session_id, []).append(message_id)
    return found


def _index_query(terms: list[str]) -> tuple[str, str, list[str]]:
    """The index that finds the messages holding `terms` ("" when none can answer), its MATCH
    expression, and the words it leaves unchecked."""
    if any(len(t) >= TRIGRAM for t in terms):  # the trigram index; short words checked with LIKE
        table, indexed = "messages_fts", {t: t for t in terms if len(t) >= TRIGRAM}
    else:
        table = "messages_short"
        indexed = {t: token for t in terms if (token := query_token(t)) is not None}
    rest = [term for term in terms if term not in indexed]
    if not indexed:
        return "", "", rest
    match = " ".join('"' + token.replace('"', '""') + '"' for token in indexed.values())
    return table, match, rest


def _newest_matches(conn: sqlite3.Connection, terms: list[str], count: int) -> list[int]:
    """The first `count` conversations without a title match by newest matching message, for
    common words: matches are read newest first (from an index where one answers) and the reading
    stops as soon as that many conversations have appeared."""
    table, match, rest = _index_query(terms)
    filters, rest_args = _holds("m.content", rest)
    own, own_args = _own_words_hold(terms)
    if table:
        sql = (f"SELECT m.session_id FROM {table} JOIN messages m ON m.id = {table}.rowid "
               f"JOIN sessions s ON s.id = m.session_id WHERE {table} MATCH ? AND s.deleted_at IS NULL "
               f"AND NOT ({own}) AND {filters} ORDER BY {table}.rowid DESC")
    else:  # no index answers (single ASCII characters): messages newest first
        sql = ("SELECT m.session_id FROM messages m CROSS JOIN sessions s ON s.id = m.session_id "
               f"WHERE s.deleted_at IS NULL AND NOT ({own}) AND {filters} ORDER BY m.id DESC")
    cursor = conn.execute(sql, [*([match] if table else []), *own_args, *rest_args])
    seen: dict[int, None] = {}
    while len(seen) < count and (rows := cursor.fetchmany(STREAM_ROWS)):
        for (session_id,) in rows:
            seen.setdefault(session_id)
            if len(seen) == count:
                break
    cursor.close()
    return list(seen)


def _hit(conn: sqlite3.Connection, session_id: int, titled: bool, terms: list[str],
         mark: tuple[str, str], message_ids: list[int] | None) -> SearchHit:
    session = session_from_row(conn.execute(
        f"SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?", (session_id,)).fetchone())
    if message_ids is None:  # a common word: count this conversation's matches now
        where, args = _holds("content", terms)
        message_ids = [mid for (mid,) in conn.execute(
            f"SELECT id FROM messages WHERE session_id = ? AND {where} ORDER BY id DESC", [session_id, *args])]
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
