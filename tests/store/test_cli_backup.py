"""`hearth sessions backup | backups | restore FILE | salvage FILE` end to end on a real store."""
from __future__ import annotations

import random
import sqlite3

from desktop import paths
from desktop.cli.main import main
from desktop.store import Store


def _store_with(sessions: int) -> list[str]:
    with Store.open() as store:
        for n in range(sessions):
            store.add_message(store.create_session(), "user", f"conversation {n} " + "text " * 120)
        store._connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return [s.title for s in store.list_sessions()]


def test_backup_then_restore_brings_the_conversations_back(capsys, tmp_path):
    titles = _store_with(3)
    assert main(["sessions", "backup"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("backed up to ") and line.endswith(" MB)")
    assert main(["sessions", "backup", "--out", str(tmp_path / "mine.sqlite3")]) == 0
    capsys.readouterr()
    with Store.open() as store:
        store.delete_session(store.list_sessions()[0].id)
        store.empty_trash()
    assert main(["sessions", "restore", str(tmp_path / "mine.sqlite3")]) == 0
    out = capsys.readouterr().out
    assert "restored the conversations from" in out and "before-restore" in out
    with Store.open() as store:
        assert [s.title for s in store.list_sessions()] == titles
    assert main(["sessions", "backups"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == 2 and "before-restore" in listed[0] and "manual" in listed[1]


def test_restore_with_a_number_still_restores_a_session_from_the_trash(capsys):
    with Store.open() as store:
        sid = store.create_session(title="kept")
        store.delete_session(sid)
    assert main(["sessions", "restore", str(sid)]) == 0
    with Store.open() as store:
        assert [s.title for s in store.list_sessions()] == ["kept"]


def test_salvage_writes_a_new_store_from_a_damaged_file(capsys, tmp_path):
    _store_with(120)
    damaged = tmp_path / "damaged.sqlite3"
    data = bytearray(paths.database_path().read_bytes())
    page = len(data) // 4096 // 2
    data[page * 4096:(page + 1) * 4096] = random.Random(3).randbytes(4096)
    damaged.write_bytes(bytes(data))
    assert main(["sessions", "salvage", str(damaged)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Recovered ") and "conversations (" in out
    salvaged = tmp_path / "damaged.sqlite3.salvaged.sqlite3"
    assert sqlite3.connect(salvaged).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert damaged.read_bytes() == bytes(data)  # the damaged file is never changed
    assert main(["sessions", "restore", str(salvaged)]) == 0


def test_salvage_of_a_file_without_conversations_is_one_line(capsys, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("no conversations here\n" * 500)
    assert main(["sessions", "salvage", str(notes)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("hearth: error: no conversations could be read") and err.count("\n") == 1
    assert not (tmp_path / "notes.txt.salvaged.sqlite3").exists()
    assert main(["sessions", "salvage", str(tmp_path / "missing")]) == 1
    assert "there is no file" in capsys.readouterr().err
