"""A report's life in the outbox: draft, queued by an explicit Send, sent or failed and retried."""
from __future__ import annotations

import time

import pytest

from desktop.errors import HearthError
from desktop.feedback.outbox import backoff_s, deliver, due_for_retry, queue, retry_due, save_draft
from desktop.feedback.report import ReportRequest, draft_report, finalize, load_conversation


def _draft(chat, **request):
    conversation = load_conversation(chat.store, chat.session_id, None)
    payload = finalize(draft_report(ReportRequest(**request), conversation))
    return save_draft(chat.store, payload, session_id=chat.session_id, message_id=chat.answer_id)


def test_a_draft_is_never_sent(chat, https_endpoint):
    item = _draft(chat, kind="bug")
    assert item.status == "draft" and item.attempts == 0
    assert due_for_retry(chat.store, now=time.time() + 10**6) == []
    with pytest.raises(HearthError, match="report 1 is draft"):
        deliver(chat.store, item.id)
    assert https_endpoint.received == []


def test_send_queues_then_delivers(chat, https_endpoint):
    item = _draft(chat, kind="bug")
    queued = queue(chat.store, item.id, f"url:{https_endpoint.url}")
    assert (queued.status, queued.destination) == ("queued", f"url:{https_endpoint.url}")
    delivery = deliver(chat.store, item.id, ca_file=https_endpoint.ca_file)
    assert delivery.item.status == "sent" and delivery.item.attempts == 1 and delivery.item.sent_at
    assert https_endpoint.received[0]["json"] == item.payload
    with pytest.raises(HearthError, match="already sent"):
        queue(chat.store, item.id, f"url:{https_endpoint.url}")


def test_hand_edited_payload_is_what_gets_sent(chat, https_endpoint):
    item = _draft(chat, kind="bug")
    edited = {**item.payload, "description": "edited before sending"}
    queue(chat.store, item.id, f"url:{https_endpoint.url}", edited)
    deliver(chat.store, item.id, ca_file=https_endpoint.ca_file)
    assert https_endpoint.received[0]["json"]["description"] == "edited before sending"
    assert chat.store.outbox.get(item.id).payload == edited


def test_data_contribution_needs_consent(chat, https_endpoint):
    item = _draft(chat, kind="data", consent=False)
    with pytest.raises(HearthError, match="consent to its licence \\(CC-BY-4.0\\)"):
        queue(chat.store, item.id, f"url:{https_endpoint.url}")
    assert chat.store.outbox.get(item.id).status == "draft"
    consented = {**item.payload, "details": {**item.payload["details"], "consent": True}}
    assert queue(chat.store, item.id, f"url:{https_endpoint.url}", consented).status == "queued"


def test_failure_is_recorded_and_retried_with_backoff(chat, https_endpoint):
    item = _draft(chat, kind="bug")
    queue(chat.store, item.id, f"url:{https_endpoint.url}")
    https_endpoint.fail_status = 503
    failed = deliver(chat.store, item.id, ca_file=https_endpoint.ca_file).item
    assert failed.status == "failed" and failed.attempts == 1 and "answered 503" in failed.last_error
    assert due_for_retry(chat.store, now=failed.updated_at + backoff_s(1) - 1) == []
    again = retry_due(chat.store, now=failed.updated_at + backoff_s(1), ca_file=https_endpoint.ca_file)
    assert [d.item.attempts for d in again] == [2] and again[0].item.status == "failed"
    https_endpoint.fail_status = None  # the network is back
    later = retry_due(chat.store, now=time.time() + backoff_s(2), ca_file=https_endpoint.ca_file)
    assert [(d.item.status, d.item.attempts) for d in later] == [("sent", 3)]
    assert len(https_endpoint.received) == 1


def test_hub_failure_then_retry(chat, hub, monkeypatch):
    item = _draft(chat, kind="bug")
    queue(chat.store, item.id, "hf:jane/feedback")
    monkeypatch.setenv("HF_TOKEN", "hf_ExpiredTokenExpiredToken0000")
    failed = deliver(chat.store, item.id).item
    assert failed.status == "failed" and "(401)" in failed.last_error
    monkeypatch.setenv("HF_TOKEN", hub.token)  # the user logged in again
    (delivery,) = retry_due(chat.store, now=time.time() + backoff_s(1))
    assert delivery.item.status == "sent"
    assert f"jane/feedback:feedback/{item.payload['id']}.json" in hub.files


def test_backoff_doubles_up_to_an_hour():
    assert [backoff_s(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff_s(50) == 3600


def test_github_reports_are_not_retried_without_the_user(chat):
    item = _draft(chat, kind="bug")
    queue(chat.store, item.id, "github:owner/repo")
    deliver(chat.store, item.id, opener=lambda url: False)  # no browser could be opened
    assert chat.store.outbox.get(item.id).status == "failed"
    assert due_for_retry(chat.store, now=time.time() + 10**6) == []
