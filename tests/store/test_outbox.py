"""The feedback outbox keeps reports through their life: draft, queued, sent or failed."""
from __future__ import annotations

import pytest

from desktop.errors import HearthError


def test_a_report_goes_from_draft_to_sent(store, chat):
    item = store.outbox.add("bad-answer", {"note": "wrong city", "tokens": [1, 2]},
                            session_id=chat["sid"], message_id=chat["first"].id)
    assert (item.status, item.attempts, item.payload["note"]) == ("draft", 0, "wrong city")
    item = store.outbox.update_payload(item.id, {"note": "wrong city (redacted)"})
    assert item.payload == {"note": "wrong city (redacted)"}
    store.outbox.set_status(item.id, "queued", destination="https://example.invalid/reports")
    failed = store.outbox.set_status(item.id, "failed", error="connection refused")
    assert (failed.status, failed.attempts, failed.last_error) == ("failed", 1, "connection refused")
    assert failed.destination == "https://example.invalid/reports"
    sent = store.outbox.set_status(item.id, "sent")
    assert (sent.attempts, sent.sent_at is not None, sent.last_error) == (2, True, "connection refused")


def test_list_filters_by_status_and_kind(store):
    a = store.outbox.add("report", {"n": 1})
    b = store.outbox.add("regression", [1, 2], status="queued")
    assert [i.id for i in store.outbox.list()] == [a.id, b.id]
    assert [i.id for i in store.outbox.list("queued")] == [b.id]
    assert [i.id for i in store.outbox.list(kind="report")] == [a.id]
    store.outbox.delete(a.id)
    assert [i.id for i in store.outbox.list()] == [b.id]
    with pytest.raises(HearthError, match="no outbox item"):
        store.outbox.get(a.id)
    with pytest.raises(HearthError, match="status"):
        store.outbox.set_status(b.id, "lost")


def test_reports_outlive_the_sessions_they_mention(store, chat):
    item = store.outbox.add("report", {"kept": True}, session_id=chat["sid"], message_id=chat["first"].id)
    store.delete_session(chat["sid"])
    store.empty_trash()
    kept = store.outbox.get(item.id)
    assert (kept.payload, kept.session_id, kept.message_id) == ({"kept": True}, None, None)
