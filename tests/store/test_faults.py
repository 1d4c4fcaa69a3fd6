"""A full disk: the change in flight fails with one clear line, everything committed stays."""
from __future__ import annotations

import pytest

from desktop.errors import HearthError
from desktop.store.exporting import export
from desktop.store.importing import import_file


def _fill_the_disk(store) -> None:
    """SQLite's max_page_count caps the file at its current size: the next growth is 'disk full'."""
    conn = store._connection()
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")


def test_disk_full_is_one_clear_error_and_nothing_committed_is_lost(store, chat):
    sid = chat["sid"]
    before = [m.content for m in store.messages(sid)]
    _fill_the_disk(store)
    big = "x" * 200_000
    with pytest.raises(HearthError, match="disk holding .* is full.*free some space") as info:
        store.add_message(sid, "user", big)
    assert "\n" not in str(info.value)
    with pytest.raises(HearthError, match="is full"):
        import_file(store, _hearth_file(store, sid))
    # Still usable: reads work, and small changes that fit in the free pages still commit.
    assert [m.content for m in store.messages(sid)] == before
    assert len(store.list_sessions()) == 1
    store.update_session(sid, title="still works")
    # Space again: the same write now succeeds.
    store._connection().execute("PRAGMA max_page_count = 1073741823")
    store.add_message(sid, "user", big)
    assert store.active_path(sid)[-1].content == big


def _hearth_file(store, sid):
    path = store.path.with_name("export.json")
    path.write_text(export(store, [sid], "json").replace("Paris", "Paris" * 20_000), encoding="utf-8")
    return path


def test_a_streaming_answer_that_hits_a_full_disk_keeps_its_last_saved_text(store, chat):
    sid = chat["sid"]
    answer = store.begin_assistant(sid, chat["question"].id)
    store.save_partial(answer.id, "The first words")
    _fill_the_disk(store)
    with pytest.raises(HearthError, match="full"):
        store.save_partial(answer.id, "The first words " + "and many more " * 20_000)
    assert store.get_message(answer.id).content == "The first words"
