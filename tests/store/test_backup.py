"""Backups while Hearth writes, restoring one, and schema upgrades that never strand data."""
from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from desktop import paths
from desktop.errors import HearthError
from desktop.store import Store, backup, schema
from desktop.store.schema import Migration


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _contents(path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT id, session_id, parent_id, role, content FROM messages ORDER BY id").fetchall()
    finally:
        conn.close()


def _fill(store: Store, sessions: int, words: int = 200) -> None:
    for n in range(sessions):
        sid = store.create_session()
        store.add_message(sid, "user", f"question {n} " + "word " * words)


def test_a_backup_taken_while_another_thread_appends_is_a_sound_snapshot(store):
    _fill(store, 300)
    stop = threading.Event()
    written = []

    def append() -> None:
        with Store.open(store.path) as other:
            sid = other.create_session()
            while not stop.is_set():
                written.append(other.add_message(sid, "user", "meanwhile").id)

    writer = threading.Thread(target=append)
    writer.start()
    try:
        while not written:
            time.sleep(0.01)
        out = backup.backup(store.path, step_pages=8, pause_s=0.001)
    finally:
        stop.set()
        writer.join()
    conn = sqlite3.connect(out)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    copied = conn.execute("SELECT count(*) FROM messages WHERE content = 'meanwhile'").fetchone()[0]
    conn.close()
    assert 1 <= copied <= len(written)  # a snapshot: what was committed when it started
    assert _contents(out)[:300] == _contents(store.path)[:300]
    assert [b.path for b in backup.list_backups(store.path)] == [out]


def test_only_the_newest_backups_are_kept(store):
    _fill(store, 3)
    made = [backup.backup(store.path, out=backup.folder_for(store.path) / f"hearth-2026010{d}T000000Z.sqlite3")
            for d in range(1, 5)]
    newest = backup.backup(store.path, keep=3)
    assert [b.path for b in backup.list_backups(store.path)] == [newest, made[3], made[2]]
    assert backup.due(store.path) is False
    assert backup.due(store.path, now=time.time() + backup.DAY_S + 1) is True


def test_a_full_disk_fails_that_backup_only_with_one_line(store, monkeypatch):
    _fill(store, 200)
    earlier = backup.backup(store.path)
    before = _digest(earlier)

    def tiny_disk(path):  # the repo's way of filling the disk: SQLite may not grow the file further
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA max_page_count = 20")
        return conn

    monkeypatch.setattr(backup, "destination", tiny_disk)
    with pytest.raises(HearthError) as info:
        backup.backup(store.path)
    message = str(info.value)
    assert "\n" not in message and "is full" in message and "earlier backups are unchanged" in message
    assert [b.path for b in backup.list_backups(store.path)] == [earlier] and _digest(earlier) == before
    assert not [p for p in earlier.parent.iterdir() if p.name.startswith(backup.TEMP_PREFIX)]
    store.add_message(store.create_session(), "user", "the store still works")


KILLED_BACKUP = """
import sys
from pathlib import Path
from desktop.store import backup
print("started", flush=True)
backup.backup(Path(sys.argv[1]), step_pages=1, pause_s=0.02)
"""


def test_kill_9_during_a_backup_leaves_earlier_backups_and_the_store_intact(store):
    _fill(store, 400)
    earlier = backup.backup(store.path)
    before, messages = _digest(earlier), _contents(store.path)
    child = subprocess.Popen([sys.executable, "-c", KILLED_BACKUP, str(store.path)],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "started"
    folder = backup.folder_for(store.path)
    deadline = time.time() + 30
    while not any(p.name.startswith(backup.TEMP_PREFIX) and p.stat().st_size > 40_000
                  for p in folder.iterdir()):
        assert time.time() < deadline and child.poll() is None, "the backup did not get going"
        time.sleep(0.02)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    child.stdout.close()
    assert [b.path for b in backup.list_backups(store.path)] == [earlier] and _digest(earlier) == before
    assert _contents(store.path) == messages
    assert sqlite3.connect(store.path).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    later = backup.backup(store.path)  # the next backup works and clears the killed one's leftovers
    assert _contents(later) == messages
    assert not [p for p in folder.iterdir() if p.name.startswith(backup.TEMP_PREFIX)]


def test_restore_backs_the_current_store_up_first_and_brings_the_old_conversations_back(store):
    _fill(store, 5)
    saved = backup.backup(store.path)
    old = _contents(store.path)
    store.add_message(store.create_session(), "user", "written after the backup")
    newer = _contents(store.path)
    safety = backup.restore(store.path, saved)
    assert _contents(store.path) == old  # also seen by the connection that was open all along
    assert len(store.list_sessions()) == 5
    assert _contents(safety) == newer


def test_restoring_something_that_is_not_a_backup_is_one_line_and_changes_nothing(store, tmp_path):
    _fill(store, 2)
    before = _contents(store.path)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database")
    foreign = tmp_path / "other.sqlite3"
    sqlite3.connect(foreign).execute("CREATE TABLE recipes(name TEXT)").connection.close()
    for bad, why in ((notes, "not a SQLite database"), (foreign, "another program"),
                     (tmp_path / "missing.sqlite3", "no backup file")):
        with pytest.raises(HearthError, match=why):
            backup.restore(store.path, bad)
    assert _contents(store.path) == before and backup.list_backups(store.path) == []


def test_a_failed_migration_rolls_back_and_the_old_version_still_opens_the_store(monkeypatch):
    path = paths.database_path()
    with Store.open() as store:
        _fill(store, 20)
    before = _contents(path)
    version = schema.latest_version()
    broken = Migration(version + 1, "a step that fails halfway", (
        "CREATE TABLE half_done (x INTEGER)",
        "INSERT INTO no_such_table VALUES (1)"))
    original = schema.MIGRATIONS
    monkeypatch.setattr(schema, "MIGRATIONS", original + (broken,))
    with pytest.raises(HearthError) as info:
        Store.open()
    assert "\n" not in str(info.value) and f"schema version {version + 1}" in str(info.value)
    assert "left unchanged" in str(info.value)
    [taken] = backup.list_backups(path)  # the backup before the upgrade
    assert taken.path.name.endswith(f"-before-schema-{version + 1}.sqlite3") and _contents(taken.path) == before
    # The Hearth that wrote the file opens it as before (not monkeypatch.undo(): that would also
    # undo the test's own HEARTH_HOME and open the real data folder).
    monkeypatch.setattr(schema, "MIGRATIONS", original)
    with Store.open() as store:
        assert schema.schema_version(store._connection()) == version
        assert store._connection().execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'half_done'").fetchone()[0] == 0
    assert _contents(path) == before


def test_a_store_from_an_older_hearth_is_backed_up_before_its_upgrade():
    path = paths.database_path()
    conn = sqlite3.connect(path, isolation_level=None)
    schema.migrate(conn, target=3)
    conn.execute("INSERT INTO sessions(title, created_at, updated_at) VALUES ('old', 1, 1)")
    conn.close()
    with Store.open() as store:
        assert [s.title for s in store.list_sessions()] == ["old"]
    [taken] = backup.list_backups(path)
    with sqlite3.connect(taken.path) as old:
        assert schema.schema_version(old) == 3
    with Store.open():
        pass
    assert len(backup.list_backups(path)) == 1  # no upgrade, no new backup


def test_daily_backups_run_in_the_background_at_most_once_a_day(store):
    _fill(store, 3)
    daily = backup.DailyBackups(store.path, keep=7, delay_s=0, check_s=0.05).start()
    try:
        deadline = time.time() + 20
        while daily.last is None:
            assert time.time() < deadline
            time.sleep(0.02)
        time.sleep(0.3)  # several more checks: none is due
    finally:
        daily.stop()
    assert [b.path for b in backup.list_backups(store.path)] == [daily.last]


def test_a_failing_daily_backup_is_reported_once_until_one_succeeds_again(store):
    _fill(store, 2)
    heard: list[str] = []
    daily = backup.DailyBackups(store.path, on_error=heard.append)
    folder = backup.folder_for(store.path)
    folder.write_text("a file where the backups folder should be")
    for _ in range(3):  # the retries of the hours that follow
        daily.check()
    assert len(heard) == 1 and daily.failing and daily.last is None
    assert heard[0].startswith("the backup to ") and "\n" not in heard[0]
    folder.unlink()
    daily.check()
    assert daily.last is not None and not daily.failing and len(heard) == 1
    daily.check()  # not due for a day
    assert backup.list_backups(store.path)[0].path == daily.last
    daily.last.unlink()  # due again, and failing again: said again
    folder.rmdir()
    folder.write_text("in the way again")
    daily.check()
    assert len(heard) == 2
