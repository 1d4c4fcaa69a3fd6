"""Answers and drafts written while the model file was still being hashed get its sha256 after."""
from __future__ import annotations

import shutil
from pathlib import Path

from desktop.feedback.late_hash import fill_in_sha256
from desktop.feedback.outbox import queue, save_draft
from desktop.feedback.report import ReportRequest, draft_report, finalize, load_conversation, validate
from desktop.models.identity import hash_in_background
from tests.feedback.conftest import SMOLLM_SHA256


def _unhashed_answer(store, model: Path) -> int:
    sid = store.create_session()
    question = store.add_message(sid, "user", "Capital of France?")
    answer = store.begin_assistant(sid, question.id, model_file=model.name, model_sha256=None)
    store.finish_assistant(answer.id, "Paris.", "stop")
    return answer.id


def _report(store, answer_id: int) -> dict:
    return finalize(draft_report(ReportRequest(kind="bug", expected="Paris"),
                                 load_conversation(store, None, answer_id)))


def test_drafts_written_before_the_hash_get_it_and_approved_reports_stay_as_approved(
        chat, smollm_path, tmp_path, monkeypatch):
    monkeypatch.setenv("HEARTH_MODELS", str(tmp_path))  # found by name in the models folder
    model = Path(shutil.copy(smollm_path, tmp_path / "opened.gguf"))
    answer_id = _unhashed_answer(chat.store, model)
    payload = _report(chat.store, answer_id)
    assert payload["model"]["sha256"] is None and payload["model"]["architecture"] == "llama"
    assert payload["model"]["incomplete_reason"] == "the sha256 of opened.gguf has not been computed yet"
    draft = save_draft(chat.store, payload, message_id=answer_id)
    approved = save_draft(chat.store, payload, message_id=answer_id)
    queue(chat.store, approved.id, "url:https://reports.example.org")

    sha256 = hash_in_background(model).result(timeout=120)
    assert fill_in_sha256(chat.store, [answer_id, chat.answer_id], sha256) == ([answer_id], [draft.id])
    assert chat.store.get_message(answer_id).model_sha256 == SMOLLM_SHA256
    assert chat.store.get_message(chat.answer_id).model_sha256 == SMOLLM_SHA256  # already had one
    completed = chat.store.outbox.get(draft.id).payload
    validate(completed)
    assert completed["model"]["sha256"] == SMOLLM_SHA256 and completed["model"]["incomplete_reason"] is None
    assert completed["model"]["file"] == "opened.gguf" and completed["model"]["quantization"] == "Q4_1"
    assert chat.store.outbox.get(approved.id).payload["model"]["sha256"] is None


def test_a_report_previewed_before_the_hash_is_saved_with_it(chat, smollm_path, tmp_path, monkeypatch):
    monkeypatch.setenv("HEARTH_MODELS", str(tmp_path))
    model = Path(shutil.copy(smollm_path, tmp_path / "opened.gguf"))
    answer_id = _unhashed_answer(chat.store, model)
    preview = _report(chat.store, answer_id)  # the dialog is open while the hash finishes
    chat.store.fill_model_sha256([answer_id], hash_in_background(model).result(timeout=120))
    saved = save_draft(chat.store, preview, message_id=answer_id)
    assert saved.payload["model"]["sha256"] == SMOLLM_SHA256
