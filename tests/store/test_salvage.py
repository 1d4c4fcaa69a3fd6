"""Salvage of damaged stores: every row still readable comes back, unchanged, in a sound new store.

The fuzz test damages 100 copies of one small store (seeded, so a failure can be replayed): a random
page overwritten in full or in part, the first page, a page of the schema, an interior page, a frame
of the -wal log, a cut-off file. What lies on the damaged pages may be lost; everything else must
come back (at least 99%), byte for byte, and the new file must pass SQLite's integrity_check.
"""
from __future__ import annotations

import random
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.store import Store, salvage_copy, sqlite_pages
from desktop.store.salvage import LOST_SESSION_TITLE, salvage, shapes, trees
from desktop.store.schema import migrate
from desktop.store.search import index_pending

PAGE = 4096
CASES = 100
RECOVERED_FRACTIONS: list[float] = []


def _fill(store: Store, sessions: int, rng: random.Random) -> None:
    for n in range(sessions):
        sid = store.create_session(system_prompt=f"prompt {n}", params={"temperature": 0.1 * (n % 7)},
                                   tags=["fuzz", f"t{n % 3}"])
        question = store.add_message(sid, "user", f"问题 {n}: " + "words " * rng.randint(5, 80))
        answer = store.begin_assistant(sid, question.id, model_file="m.gguf", params={"seed": n})
        long = n % 9 == 0  # some answers span overflow pages
        text = f"answer {n} " * (rng.randint(600, 3000) if long else rng.randint(5, 120))
        store.finish_assistant(answer.id, text, "stop", metrics={"completion_tokens": n}, seed=n)
        if n % 4 == 0:  # a regenerated branch
            again = store.begin_assistant(sid, question.id)
            store.finish_assistant(again.id, f"other answer {n}", "stop")
        follow = store.add_message(sid, "user", f"follow-up {n}")
        store.set_rating(answer.id, 1 if n % 2 else -1)
        store.add_message(sid, "assistant", f"reply {n} " * rng.randint(1, 40), parent_id=follow.id)


def _rows(path: Path, table: str) -> dict[int, tuple]:
    conn = sqlite3.connect(path)
    try:
        return {row[0]: row for row in conn.execute(f"SELECT * FROM {table} ORDER BY id")}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def stores(tmp_path_factory) -> dict:
    """The same conversations twice: fully checkpointed, and with their last changes in the -wal."""
    folder = tmp_path_factory.mktemp("salvage")
    rng = random.Random(17)
    plain = folder / "plain.sqlite3"
    with Store.open(plain) as store:
        _fill(store, 60, rng)
        store._connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    logged = folder / "logged.sqlite3"
    with Store.open(logged) as store:
        _fill(store, 30, rng)
        store._connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _fill(store, 12, rng)
        shutil.copyfile(logged, folder / "logged-copy.sqlite3")  # copied while open: the -wal stays
        shutil.copyfile(logged.with_name("logged.sqlite3-wal"), folder / "logged-copy.sqlite3-wal")
    return {"plain": plain, "logged": folder / "logged-copy.sqlite3"}


def _message_pages(path: Path) -> dict[int, tuple[int, ...]]:
    """Where each message lies in the intact file (its leaf page and overflow pages)."""
    pages = sqlite_pages.open_pages(path)
    conn = sqlite3.connect(path)
    leaves = [row[0] for row in conn.execute(
        "SELECT pageno FROM dbstat WHERE name = 'messages' AND pagetype = 'leaf'")]
    conn.close()
    return {row.rowid: row.pages for leaf in leaves for row in sqlite_pages.leaf_rows(pages, leaf, set())}


def _pages_of(path: Path, name: str, kind: str) -> list[int]:
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute(
            "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = ?", (name, kind))]
    finally:
        conn.close()


def _damage(case: int, stores: dict, work: Path) -> tuple[Path, set[int], Path]:
    """A damaged copy; the pages hit (their rows may be lost); the file holding the truth."""
    rng = random.Random(case)
    kind = ("first", "schema", "log", "cut", "interior")[case % 10] if case % 10 < 5 else "page"
    source = stores["logged"] if kind == "log" else stores["plain"]
    target = work / f"case{case}.sqlite3"
    shutil.copyfile(source, target)
    if kind == "log":
        shutil.copyfile(source.with_name(source.name + "-wal"), target.with_name(target.name + "-wal"))
        log = bytearray(target.with_name(target.name + "-wal").read_bytes())
        frames = (len(log) - 32) // (24 + PAGE)
        start = 32 + rng.randrange(frames) * (24 + PAGE) + rng.randrange(24 + PAGE - 64)
        log[start:start + 64] = rng.randbytes(64)
        target.with_name(target.name + "-wal").write_bytes(bytes(log))
        # What SQLite itself makes of the damaged pair is the truth: it drops the log from the bad frame on.
        truth = work / f"truth{case}.sqlite3"
        shutil.copyfile(target, truth)
        shutil.copyfile(target.with_name(target.name + "-wal"), truth.with_name(truth.name + "-wal"))
        sqlite3.connect(truth).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
        return target, set(), truth
    data = bytearray(target.read_bytes())
    count = len(data) // PAGE
    if kind == "cut":
        keep = rng.randrange(1, count)
        target.write_bytes(bytes(data[:keep * PAGE + rng.randrange(PAGE)]))
        return target, set(range(keep + 1, count + 1)), source
    page = {"first": lambda: 1,
            "schema": lambda: rng.choice(_pages_of(source, "sqlite_schema", "leaf")
                                         + _pages_of(source, "sqlite_schema", "internal") or [1]),
            "interior": lambda: rng.choice(_pages_of(source, "messages", "internal")),
            "page": lambda: rng.randrange(1, count + 1)}[kind]()
    start = (page - 1) * PAGE
    if rng.random() < 0.5:
        data[start:start + PAGE] = rng.randbytes(PAGE)
    else:
        offset, size = rng.randrange(PAGE - 512), rng.randint(8, 512)
        data[start + offset:start + offset + size] = b"\xff" * size
    target.write_bytes(bytes(data))
    return target, {page}, source


@pytest.mark.parametrize("case", range(CASES))
def test_salvage_of_a_damaged_store_keeps_every_readable_message_unchanged(case, stores, tmp_path):
    damaged, hit, truth = _damage(case, stores, tmp_path)
    out = tmp_path / "salvaged.sqlite3"
    report = salvage(damaged, out)

    conn = sqlite3.connect(out)
    assert [row[0] for row in conn.execute("PRAGMA integrity_check")] == ["ok"]
    reattached = {row[0] for row in conn.execute("SELECT message_id FROM salvage_marks WHERE message_id IS NOT NULL")}
    rebuilt = {row[0] for row in conn.execute("SELECT session_id FROM salvage_marks WHERE session_id IS NOT NULL")}
    conn.close()
    original, recovered = _rows(truth, "messages"), _rows(out, "messages")
    for mid, row in recovered.items():  # nothing invented, nothing mixed
        assert mid in original
        if mid in reattached:
            assert row[:2] == original[mid][:2] and row[2] is None and row[3:] == original[mid][3:]
        else:
            assert row == original[mid]
    sessions, recovered_sessions = _rows(truth, "sessions"), _rows(out, "sessions")
    for sid, row in recovered_sessions.items():
        if sid in rebuilt:
            assert row[1] == LOST_SESSION_TITLE
        else:
            assert row[:12] == sessions[sid][:12] and row[13:] == sessions[sid][13:]  # all but the active leaf
    where = _message_pages(truth)
    outside = [mid for mid in original if not hit & set(where.get(mid, ()))]
    back = sum(1 for mid in outside if mid in recovered)
    RECOVERED_FRACTIONS.append(back / len(outside) if outside else 1.0)
    assert back >= 0.99 * len(outside), f"case {case}: {back} of {len(outside)} messages outside the damage"
    assert report.messages == len(recovered)


def test_the_recovered_fraction_over_all_cases():
    """Runs after the cases above (file order): the figure quoted in the README."""
    if len(RECOVERED_FRACTIONS) < CASES:
        pytest.skip("the fuzz cases did not all run")
    total = sum(RECOVERED_FRACTIONS) / len(RECOVERED_FRACTIONS)
    print(f"\nmean recovered fraction of messages outside the damaged pages: {total:.4f}, "
          f"worst {min(RECOVERED_FRACTIONS):.4f}")
    assert total >= 0.99


def test_an_intact_store_comes_back_exactly(stores, tmp_path):
    out = tmp_path / "copy.sqlite3"
    report = salvage(stores["plain"], out)
    for table in ("sessions", "messages"):
        assert _rows(out, table) == _rows(stores["plain"], table)
    assert report.line().startswith(f"Recovered {report.sessions} of {report.sessions} conversations")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.sqlite3"]  # no temporary file left
    with Store.open(out) as store:  # both full-text indexes were rebuilt
        assert store.search("follow-up 7")
        assert len(store.search("问题", limit=1000)) == report.sessions  # a two-character word


def test_the_short_word_index_built_beside_the_store_is_the_one_built_in_place(stores, tmp_path):
    """salvage_index builds it in a file of its own and copies FTS5's tables in: they must be
    exactly what indexing the messages in the store itself gives (all but FTS5's write counter)."""
    out, here = tmp_path / "salvaged.sqlite3", tmp_path / "indexed-here.sqlite3"
    salvage(stores["plain"], out)
    shutil.copyfile(out, here)
    conn = sqlite3.connect(here, isolation_level=None)
    conn.execute("BEGIN")
    conn.execute("INSERT INTO messages_short(messages_short) VALUES ('delete-all')")
    conn.execute("INSERT INTO short_pending(message_id) SELECT id FROM messages")
    index_pending(conn)
    conn.execute("COMMIT")
    conn.close()
    for table in ("data", "idx", "docsize"):
        skip = "WHERE rowid != 10" if table == "data" else ""  # the structure record counts writes
        query = f"SELECT * FROM messages_short_{table} {skip} ORDER BY 1"
        assert _all(out, query) == _all(here, query) != []
    conn = sqlite3.connect(out)
    conn.execute("INSERT INTO messages_short(messages_short) VALUES ('integrity-check')")
    conn.execute("INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')")
    conn.close()


def _all(path: Path, query: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


def _wipe(path: Path, pages: set[int], out: Path) -> Path:
    data = bytearray(path.read_bytes())
    for page in pages:
        data[(page - 1) * PAGE:page * PAGE] = bytes(PAGE)
    out.write_bytes(bytes(data))
    return out


def test_a_message_whose_parent_was_lost_starts_its_conversation_and_is_marked(stores, tmp_path):
    where = _message_pages(stores["plain"])
    original = _rows(stores["plain"], "messages")
    # a page holding a parent whose child lies on another page
    page, parent, child = next((where[r[2]][0], r[2], mid) for mid, r in original.items()
                               if r[2] is not None and where[r[2]][0] != where[mid][0])
    damaged = _wipe(stores["plain"], {page}, tmp_path / "damaged.sqlite3")
    report = salvage(damaged, tmp_path / "out.sqlite3")
    recovered = _rows(tmp_path / "out.sqlite3", "messages")
    assert parent not in recovered and recovered[child][2] is None and report.reattached >= 1
    with Store.open(tmp_path / "out.sqlite3") as store:
        [note] = store._connection().execute("SELECT note FROM salvage_marks WHERE message_id = ?",
                                             (child,)).fetchone()
        assert f"earlier message {parent} was lost" in note
        session = store.get_session(original[child][1])
        assert [m.id for m in store.active_path(session.id)]  # the conversation opens
    assert "re-attached" in report.line()


def test_a_conversation_whose_own_row_was_lost_is_rebuilt_around_its_messages(stores, tmp_path):
    [page, *_] = _pages_of(stores["plain"], "sessions", "leaf")
    damaged = _wipe(stores["plain"], {page}, tmp_path / "damaged.sqlite3")
    report = salvage(damaged, tmp_path / "out.sqlite3")
    sessions, original = _rows(tmp_path / "out.sqlite3", "sessions"), _rows(stores["plain"], "sessions")
    assert set(sessions) == set(original)  # every conversation still has messages to rebuild it from
    rebuilt = [sid for sid, row in sessions.items() if row[1] == LOST_SESSION_TITLE]
    assert rebuilt and report.sessions == len(original)
    with Store.open(tmp_path / "out.sqlite3") as store:
        path = store.active_path(rebuilt[0])
        assert path and path[-1].content == _rows(stores["plain"], "messages")[path[-1].id][4]
        assert store.search("follow-up")  # the rebuilt full-text index finds them


def test_opening_a_damaged_store_salvages_it_and_says_so_in_one_line(stores):
    from desktop import paths

    target = paths.database_path()
    shutil.copyfile(stores["plain"], target)
    [page, *_] = _pages_of(target, "messages", "leaf")
    _wipe(target, {page}, target)
    with Store.open() as store:
        notice = store.recovery_notice
        total = len(_rows(stores["plain"], "sessions"))
        assert "\n" not in notice and f"Recovered {total} of {total} conversations (" in notice
        assert "the damaged file is kept as" in notice and ".corrupt-" in notice
        assert len(store.list_sessions()) == total
    # The file was at rest: nothing but the damaged file itself is kept (no empty -wal, -shm).
    assert [p.name for p in target.parent.iterdir() if ".corrupt-" in p.name] == [Path(notice.split(
        "kept as ")[1].rstrip(".")).name]


# Opens a damaged store and is killed (by itself, so the moment is certain) halfway through
# salvaging it: the rows are written to the temporary file, the full-text indexes are not.
KILLED_MID_SALVAGE = """
import os, signal, sys
from desktop.store import Store, salvage_index
salvage_index.Rebuild.finish = lambda self: os.kill(os.getpid(), signal.SIGKILL)
Store.open(sys.argv[1])
"""


def test_a_salvage_cut_short_by_kill_9_is_done_again_at_the_next_start(stores, tmp_path):
    target = tmp_path / "hearth.sqlite3"
    shutil.copyfile(stores["plain"], target)
    [page, *_] = _pages_of(target, "messages", "leaf")
    _wipe(target, {page}, target)
    child = subprocess.run([sys.executable, "-c", KILLED_MID_SALVAGE, str(target)], timeout=300)
    assert child.returncode == -signal.SIGKILL
    assert not target.exists()  # the damaged file is set aside and nothing took its place yet

    with Store.open(target) as store:
        total = len(_rows(stores["plain"], "sessions"))
        assert f"Recovered {total} of {total} conversations (" in store.recovery_notice
        assert "interrupted" in store.recovery_notice
        assert len(store.list_sessions()) == total and store.search("问题")
    [kept] = [p.name for p in tmp_path.iterdir() if p.name != "hearth.sqlite3"]  # no temporary file, no marker
    assert kept.startswith("hearth.sqlite3.corrupt-")
    with Store.open(target) as store:  # once done, it is done
        assert store.recovery_notice is None


@pytest.mark.parametrize("case", range(0, CASES, 7))
def test_sqlites_own_reading_finds_exactly_what_the_page_reader_finds(case, stores, tmp_path, monkeypatch):
    damaged, _, _ = _damage(case, stores, tmp_path)
    salvage(damaged, tmp_path / "fast.sqlite3")
    monkeypatch.setattr(salvage_copy, "attach", lambda conn, path: False)  # the page reader alone
    salvage(damaged, tmp_path / "pages.sqlite3")
    for table in ("sessions", "messages", "outbox"):
        assert _rows(tmp_path / "fast.sqlite3", table) == _rows(tmp_path / "pages.sqlite3", table)
    marks = [sorted(row[1:] for row in _rows(tmp_path / name, "salvage_marks").values())
             for name in ("fast.sqlite3", "pages.sqlite3")]
    assert marks[0] == marks[1]


def test_sqlite_copies_the_sound_leaves_and_leaves_a_damaged_one_to_the_page_reader(stores, tmp_path):
    leaves = _pages_of(stores["plain"], "messages", "leaf")
    damaged = _wipe(stores["plain"], {leaves[len(leaves) // 2]}, tmp_path / "damaged.sqlite3")
    for path, lost in ((stores["plain"], set()), (damaged, {leaves[len(leaves) // 2]})):
        pages = sqlite_pages.open_pages(path)
        _, _, runs = trees(pages)
        conn = sqlite3.connect(tmp_path.joinpath(f"out-{len(lost)}.sqlite3").as_uri(), uri=True, isolation_level=None)
        migrate(conn)
        assert salvage_copy.attach(conn, path)
        columns = [(c.name, allowed, c.rowid) for c, allowed in
                   zip(shapes(conn)["messages"].columns, shapes(conn)["messages"].allowed)]
        assert salvage_copy.copy_runs(conn, "messages", columns, runs["messages"]) == set(leaves) - lost
        conn.close()


def test_text_that_is_not_utf8_never_comes_through_sqlites_copy(tmp_path):
    path = tmp_path / "store.sqlite3"
    with Store.open(path) as store:
        sid = store.create_session()
        ids = [store.add_message(sid, "user", f"message {n}").id for n in range(50)]
        store._connection().execute("UPDATE messages SET content = CAST(x'68ff69' AS TEXT) WHERE id = ?",
                                    (ids[20],))
    assert not path.with_name(path.name + "-wal").exists()  # checkpointed: SQLite's copy is used
    report = salvage(path, tmp_path / "out.sqlite3")
    assert set(_rows(tmp_path / "out.sqlite3", "messages")) == set(ids) - {ids[20]}
    assert report.reattached == 1  # the message after it starts the conversation
