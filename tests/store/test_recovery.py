"""A damaged or foreign file at start-up: kept as a backup, a fresh store opens, the user is told.

A damaged Hearth file also has what it still holds salvaged into the fresh store (tests/store/test_salvage.py
tests salvage itself in depth)."""
from __future__ import annotations

import sqlite3

import pytest

from desktop import paths
from desktop.errors import HearthError
from desktop.store import Store
from desktop.store.schema import LATEST_VERSION


def _backups(path):
    return sorted(p for p in path.parent.iterdir() if ".corrupt-" in p.name)


def _opens_fresh_and_keeps(path, original: bytes, salvaged: bool = False) -> str:
    with Store.open() as store:
        notice = store.recovery_notice
        assert notice is not None and str(path) in notice
        if salvaged:
            assert notice.count("Recovered ") == 1 and "the damaged file is kept as" in notice
            assert store.list_sessions() != []
        else:
            assert store.list_sessions() == []
        store.create_session()  # the fresh store works
    [backup] = [p for p in _backups(path) if not p.name.endswith(("-wal", "-shm"))]
    assert backup.name.startswith("hearth.sqlite3.corrupt-") and str(backup) in notice
    assert backup.read_bytes() == original
    return notice


def test_a_file_that_is_not_sqlite_is_kept_as_a_backup():
    path = paths.database_path()
    path.write_bytes(b"these are my notes, not a database\n" * 100)
    notice = _opens_fresh_and_keeps(path, b"these are my notes, not a database\n" * 100)
    assert "not a SQLite database" in notice


def test_another_programs_database_is_kept_as_a_backup():
    path = paths.database_path()
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE recipes(name TEXT)")
    conn.execute("INSERT INTO recipes VALUES ('soup')")
    conn.commit()
    conn.close()
    notice = _opens_fresh_and_keeps(path, path.read_bytes())
    assert "another program" in notice


def test_a_damaged_hearth_database_is_kept_with_its_log():
    path = paths.database_path()
    with Store.open() as store:
        for n in range(300):
            sid = store.create_session()
            store.add_message(sid, "user", f"message {n} " * 50)
        store._connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(page * 3, len(data) - page, page * 7):  # scribble over pages in the middle
        data[offset + 100: offset + 600] = b"\xff" * 500
    path.write_bytes(bytes(data))
    path.with_name("hearth.sqlite3-wal").write_bytes(b"stale log")
    notice = _opens_fresh_and_keeps(path, bytes(data), salvaged=True)
    assert "damage" in notice or "cannot read" in notice
    assert any(p.name.endswith("-wal") for p in _backups(path))


def test_a_truncated_file_is_kept_as_a_backup():
    path = paths.database_path()
    with Store.open() as store:
        for n in range(200):
            store.add_message(store.create_session(), "user", "words " * 100)
        store._connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = path.read_bytes()
    data = data[: len(data) // 4096 // 2 * 4096]
    path.write_bytes(data)
    _opens_fresh_and_keeps(path, data, salvaged=True)


def test_an_empty_file_is_simply_used():
    paths.database_path().write_bytes(b"")
    with Store.open() as store:
        assert store.recovery_notice is None
    assert _backups(paths.database_path()) == []


def test_a_store_from_a_newer_hearth_is_left_alone():
    path = paths.database_path()
    with Store.open():
        pass
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    conn.close()
    with pytest.raises(HearthError, match="newer Hearth"):
        Store.open()
    assert _backups(path) == [] and path.exists()


def test_damage_met_in_use_is_set_aside_at_the_next_start(monkeypatch):
    """A large store skips the full check at start-up; damage found later triggers it next time."""
    from desktop.store import recovery

    monkeypatch.setattr(recovery, "FULL_CHECK_BYTES", 0)  # every file counts as large here
    path = paths.database_path()
    with Store.open() as store:
        sid = store.create_session()
        for n in range(400):
            store.add_message(sid, "user", f"message {n} " * 40)
        store._connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    for offset in range(len(data) // 2 // 4096 * 4096, len(data), 4096):
        data[offset: offset + 8] = b"\xff" * 8  # page headers in the second half: message pages
    path.write_bytes(bytes(data))

    with Store.open() as store:
        assert store.recovery_notice is None  # not checked in full at start-up
        with pytest.raises(HearthError, match="is damaged; restart Hearth"):
            store.messages(sid)
    assert path.with_name("hearth.sqlite3.needs-check").exists()
    _opens_fresh_and_keeps(path, bytes(data), salvaged=True)
    assert not path.with_name("hearth.sqlite3.needs-check").exists()
