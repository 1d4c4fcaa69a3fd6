"""Filling in the model's sha256 on answers stored before it was known."""
from __future__ import annotations

from desktop.store import Store


def test_only_answers_without_a_hash_are_filled_in():
    with Store.open() as store:
        sid = store.create_session()
        question = store.add_message(sid, "user", "Hi")
        pending = store.begin_assistant(sid, question.id, model_file="m.gguf")
        known = store.begin_assistant(sid, question.id, model_file="m.gguf", model_sha256="ab" * 32)
        assert store.fill_model_sha256([pending.id, known.id, question.id, 999], "cd" * 32) == [pending.id]
        assert store.get_message(pending.id).model_sha256 == "cd" * 32
        assert store.get_message(known.id).model_sha256 == "ab" * 32
        assert store.get_message(question.id).model_sha256 is None
        assert store.fill_model_sha256([], "cd" * 32) == []
