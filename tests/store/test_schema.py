"""Migrations: a database written at any earlier schema version opens with its data intact."""
from __future__ import annotations

import sqlite3

import pytest

from desktop.store import Store
from desktop.errors import HearthError
from desktop.store.schema import APPLICATION_ID, LATEST_VERSION, MIGRATIONS, migrate, schema_version


def test_a_new_store_is_at_the_latest_version_in_wal_mode_with_foreign_keys(tmp_path):
    with Store.open(tmp_path / "h.sqlite3") as store:
        conn = store._connection()
        assert schema_version(conn) == LATEST_VERSION
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
        applied = conn.execute("SELECT version FROM migrations ORDER BY version").fetchall()
        assert [v for (v,) in applied] == [m.version for m in MIGRATIONS]


def test_versions_are_consecutive():
    assert [m.version for m in MIGRATIONS] == list(range(1, LATEST_VERSION + 1))


def _database_at(path, version: int) -> None:
    """A file as an older Hearth left it: schema up to `version`, one conversation in it."""
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, target=version)
    conn.execute("INSERT INTO sessions(id, title, created_at, updated_at, system_prompt, active_leaf_id) "
                 "VALUES (1, 'Old talk', 1.0, 2.0, 'Be kind.', 2)")
    conn.execute("INSERT INTO messages(id, session_id, parent_id, role, content, created_at) "
                 "VALUES (1, 1, NULL, 'user', 'Where do penguins live?', 1.0)")
    conn.execute("INSERT INTO messages(id, session_id, parent_id, role, content, created_at, metrics, "
                 "finish_reason, rating) VALUES (2, 1, 1, 'assistant', 'Mostly in Antarctica.', 1.5, "
                 "'{\"completion_tokens\": 4}', 'stop', 1)")
    conn.execute("INSERT INTO outbox(kind, payload, session_id, created_at, updated_at) "
                 "VALUES ('report', '{\"note\": \"kept\"}', 1, 1.0, 1.0)")
    conn.close()


@pytest.mark.parametrize("version", [m.version for m in MIGRATIONS[:-1]])
def test_every_earlier_version_migrates_with_its_data(tmp_path, version):
    path = tmp_path / "old.sqlite3"
    _database_at(path, version)
    with Store.open(path) as store:
        assert store.recovery_notice is None
        assert schema_version(store._connection()) == LATEST_VERSION
        [session] = store.list_sessions()
        assert (session.title, session.system_prompt, session.deleted_at) == ("Old talk", "Be kind.", None)
        path_messages = store.active_path(session.id)
        assert [m.content for m in path_messages] == ["Where do penguins live?", "Mostly in Antarctica."]
        assert path_messages[1].metrics == {"completion_tokens": 4} and path_messages[1].rating == 1
        assert store.outbox.list()[0].payload == {"note": "kept"}
        # What later versions added works on the old data: search (v3) and the trash (v2).
        assert [h.session.id for h in store.search("penguins")] == [session.id]
        store.delete_session(session.id)
        assert store.list_sessions() == [] and len(store.list_sessions(trash=True)) == 1


def test_a_failed_migration_leaves_the_file_at_its_old_version(tmp_path, monkeypatch):
    path = tmp_path / "old.sqlite3"
    _database_at(path, 1)
    from desktop.store import schema

    broken = schema.Migration(2, "broken", ("ALTER TABLE sessions ADD COLUMN deleted_at REAL",
                                            "THIS IS NOT SQL"))
    monkeypatch.setattr(schema, "MIGRATIONS", (MIGRATIONS[0], broken))
    conn = sqlite3.connect(path, isolation_level=None)
    with pytest.raises(HearthError, match="version 2 .broken. failed: .*left unchanged at version 1"):
        schema.migrate(conn, target=2)
    assert schema_version(conn) == 1
    columns = [row[1] for row in conn.execute("PRAGMA table_info(sessions)")]
    assert "deleted_at" not in columns
    conn.close()


def test_short_words_in_messages_written_before_their_index_are_found(tmp_path):
    """Version 5 indexes words of one or two characters; messages already stored are indexed at
    the first search after the upgrade."""
    path = tmp_path / "old.sqlite3"
    _database_at(path, 4)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("INSERT INTO messages(id, session_id, parent_id, role, content, created_at) "
                 "VALUES (3, 1, 2, 'user', '企鹅住在南极吗', 2.0)")
    conn.close()
    with Store.open(path) as store:
        [hit] = store.search("企鹅")
        assert (hit.message_id, hit.matches, hit.snippet) == (3, 1, "«企鹅»住在南极吗")
        assert store.search("南极")[0].session.title == "Old talk"
