"""The app names the model of every answer exactly: opened from the catalog, dropped in from
anywhere, and answers stored while the file was still being hashed get its sha256 afterwards."""
from __future__ import annotations

import shutil
from pathlib import Path

from desktop.models.catalog import find
from tests.ui.chat_helpers import send, stored
from tests.ui.test_window import drop_files

SMOLLM_SHA256 = find("smollm2-135m").sha256


def _answer_hashes(window) -> list:
    sid = window.controller.session_id
    return stored(window, lambda s: [m.model_sha256 for m in s.messages(sid) if m.role == "assistant"])


def test_an_answer_from_the_catalog_model_records_its_sha256(qtbot, chat_window):
    send(qtbot, chat_window, "Capital of France?")
    qtbot.waitUntil(lambda: _answer_hashes(chat_window) == [SMOLLM_SHA256], timeout=60_000)


def test_a_dropped_in_file_is_hashed_in_the_background_and_its_answers_filled_in(qtbot, window, smollm_path,
                                                                                 tmp_path):
    dragged = Path(shutil.copy(smollm_path, tmp_path / "from-a-usb-stick.gguf"))
    assert drop_files(window, dragged) == (True, True)
    qtbot.waitUntil(lambda: window.engine.info is not None, timeout=120_000)
    send(qtbot, window, "Capital of France?")
    qtbot.waitUntil(lambda: _answer_hashes(window) == [SMOLLM_SHA256], timeout=60_000)
    sid = window.controller.session_id
    files = stored(window, lambda s: [m.model_file for m in s.messages(sid) if m.role == "assistant"])
    assert files == ["from-a-usb-stick.gguf"]


def test_an_answer_stored_before_the_hash_is_ready_gets_it_later(qtbot, window, smollm_path, tmp_path):
    dragged = Path(shutil.copy(smollm_path, tmp_path / "not-hashed-yet.gguf"))

    def store_answer(store):
        sid = store.create_session()
        question = store.add_message(sid, "user", "Hi")
        return store.begin_assistant(sid, question.id, model_file=dragged.name)

    answer = stored(window, store_answer)
    identities = window.controller.identities
    identities.answer_started(answer)  # stored without a hash: nothing is hashing this file yet
    with qtbot.waitSignal(identities.identified, timeout=60_000) as signal:
        assert identities.sha256_for(str(dragged)) is None  # asking starts the hash; no waiting
    assert signal.args == [str(dragged), SMOLLM_SHA256]
    qtbot.waitUntil(lambda: stored(window, lambda s: s.get_message(answer.id).model_sha256) == SMOLLM_SHA256,
                    timeout=10_000)
    assert identities.sha256_for(str(dragged)) == SMOLLM_SHA256
