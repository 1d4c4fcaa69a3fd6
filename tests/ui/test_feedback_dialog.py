"""The feedback dialog: the preview is the exact (redacted) payload, consent gates a data
contribution, and the status follows the outbox from draft to sent or failed and retried."""
from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from desktop.ui.feedback_dialog import FeedbackDialog, OutboxRetrier
from desktop.ui.settings import Settings
from tests.feedback.conftest import chat, hub  # noqa: F401 - fixtures shared with tests/feedback


@pytest.fixture
def dialog(qtbot, chat):  # noqa: F811 - fixture from tests.feedback
    def open_dialog(kind: str = "bug", **settings) -> FeedbackDialog:
        widget = FeedbackDialog(chat.store, message_id=chat.answer_id, kind=kind, settings=Settings(**settings))
        qtbot.addWidget(widget)
        widget.show()
        qtbot.waitUntil(lambda: widget.loaded, timeout=5000)
        return widget

    return open_dialog


def test_preview_shows_the_redacted_payload_and_nothing_is_queued(dialog, chat):  # noqa: F811
    widget = dialog()
    text = widget.preview.toPlainText()
    payload = json.loads(text)
    assert payload["kind"] == "bug" and payload["model"]["quantization"] == "Q4_1"
    assert "jane.doe@example.com" not in text and "[redacted:email]" in text
    assert "[redacted:path]/plan.txt" in text
    assert "e-mail addresses" in widget.redactions.text() and "file paths" in widget.redactions.text()
    block = widget.preview.document().find("[redacted:email]").block()
    marked = [block.text()[f.start:f.start + f.length] for f in block.layout().formats()]
    assert "[redacted:email]" in marked and "[redacted:path]" in marked  # highlighted for the eye
    assert chat.store.outbox.list() == []
    assert "Nothing leaves this computer" in widget.status.text()


def test_fields_rebuild_the_preview(dialog, qtbot):
    widget = dialog()
    widget.description.setPlainText("Wrong city; mail me at a@b.example.org")
    widget.expected.setPlainText("Paris")
    qtbot.waitUntil(lambda: '"expected": "Paris"' in widget.preview.toPlainText(), timeout=3000)
    payload = widget.edited_payload()
    assert payload["description"] == "Wrong city; mail me at [redacted:email]"


def test_data_contribution_cannot_be_sent_without_consent(dialog, qtbot):
    widget = dialog(kind="data")
    assert widget.pages.currentIndex() == 2
    assert widget.ideal.toPlainText() == "The capital of France is Paris."
    assert not widget.send_button.isEnabled() and "consent" in widget.problem.text()
    widget.ideal.setPlainText("Paris is the capital of France.")
    widget.consent.setChecked(True)
    qtbot.waitUntil(lambda: "domain" in widget.problem.text(), timeout=3000)  # no default domain: asked
    assert widget.domain_box.currentData() == "" and not widget.send_button.isEnabled()
    widget.domain_box.setCurrentIndex(widget.domain_box.findData("education"))
    qtbot.waitUntil(widget.send_button.isEnabled, timeout=3000)
    details = widget.edited_payload()["details"]
    assert details == {**details, "consent": True, "domain": "education",
                       "ideal_answer": "Paris is the capital of France.", "licence": "CC-BY-4.0"}


def test_a_broken_hand_edit_disables_send(dialog):
    widget = dialog()
    widget.preview.setPlainText(widget.preview.toPlainText()[:-3])
    assert not widget.send_button.isEnabled() and "not valid JSON" in widget.problem.text()


def test_outbox_states_failed_then_retried_to_sent(dialog, qtbot, chat, hub, monkeypatch):  # noqa: F811
    widget = dialog()
    widget.destination_box.setCurrentIndex(widget.destination_box.findData("hf"))
    widget.target.setText("jane/hearth-feedback")
    text = widget.preview.toPlainText().replace('"description": ""', '"description": "edited by hand"')
    widget.preview.setPlainText(text)
    monkeypatch.setenv("HF_TOKEN", "hf_ExpiredTokenExpiredToken0000")
    widget.send_button.click()
    qtbot.waitUntil(lambda: widget.item is not None and widget.item.status == "failed", timeout=10000)
    assert widget.retry_button.isVisible() and "(401)" in widget.status.text()
    (item,) = chat.store.outbox.list()
    assert (item.status, item.attempts, item.destination) == ("failed", 1, "hf:jane/hearth-feedback")
    monkeypatch.setenv("HF_TOKEN", hub.token)
    with qtbot.waitSignal(widget.delivered, timeout=10000):
        widget.retry_button.click()
    assert widget.item.status == "sent" and widget.item.attempts == 2
    assert not widget.send_button.isEnabled() and not widget.retry_button.isVisible()
    (stored,) = hub.files.values()
    assert json.loads(stored)["description"] == "edited by hand"


class _Browser(QObject):
    """Stands in for the desktop's browser through Qt's own URL-handler hook."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url.toString(QUrl.ComponentFormattingOption.FullyEncoded))


def test_github_send_opens_a_prefilled_issue(dialog, hearth_home, qtbot):
    browser = _Browser()
    QDesktopServices.setUrlHandler("https", browser, "open")
    try:
        widget = dialog()
        widget.target.setText("owner/repo")
        widget.send_button.click()
        qtbot.waitUntil(lambda: widget.item is not None and widget.item.status == "sent", timeout=10000)
    finally:
        QDesktopServices.unsetUrlHandler("https")
    (url,) = browser.urls
    assert url.startswith("https://github.com/owner/repo/issues/new?")
    assert "The capital of France is Paris." in parse_qs(urlsplit(url).query)["body"][0]
    assert widget.item.status == "sent" and "hearth-feedback-" in widget.status.text()
    assert list((hearth_home / "feedback").glob("hearth-feedback-*.json"))
    assert widget.width() <= 1366 and "github.com" not in widget.status.text()  # no long URL widening it


def test_github_without_a_repository_asks_for_one_instead_of_failing(dialog, chat, qtbot):  # noqa: F811
    widget = dialog()
    widget.target.clear()
    widget.send_button.click()
    assert "OWNER/REPO" in widget.problem.text() and widget.item is None
    qtbot.wait(200)
    assert chat.store.outbox.list() == []  # nothing queued, nothing "to be retried"


def test_redactions_are_counted_once_and_the_title_is_cut_at_a_word(dialog, chat):  # noqa: F811
    widget = dialog()
    payload = widget.edited_payload()
    counts = {r["what"]: r["count"] for r in payload["redactions"]}
    assert counts["e-mail addresses"] == widget.preview.toPlainText().count("[redacted:email]")
    title = payload["title"]
    assert len(title) <= 120 and (title.endswith(")") or title.endswith("…"))


def test_offline_setting_keeps_the_report_as_a_draft(dialog, chat, qtbot):  # noqa: F811
    widget = dialog(allow_online=False)
    widget.target.setText("owner/repo")
    widget.send_button.click()
    qtbot.waitUntil(lambda: widget.item is not None, timeout=5000)
    assert widget.item.status == "draft" and "stay offline" in widget.problem.text()
    assert [i.status for i in chat.store.outbox.list()] == ["draft"]


def test_every_redaction_label_is_translatable(dialog):
    from desktop.feedback.redaction import PATTERNS

    assert {p.label for p in PATTERNS} == set(dialog()._redaction_labels())


def test_the_retrier_sends_failed_reports_once_the_hub_is_reachable(dialog, qtbot, chat, hub, monkeypatch):  # noqa: F811
    widget = dialog()
    widget.destination_box.setCurrentIndex(widget.destination_box.findData("hf"))
    widget.target.setText("jane/hearth-feedback")
    monkeypatch.setenv("HF_TOKEN", "hf_ExpiredTokenExpiredToken0000")  # refused: the send fails
    widget.send_button.click()
    qtbot.waitUntil(lambda: widget.item is not None and widget.item.status == "failed", timeout=10000)
    monkeypatch.setenv("HF_TOKEN", hub.token)  # the user logs in again
    retrier = OutboxRetrier(chat.store, Settings(), parent=widget)
    with qtbot.waitSignal(retrier.retried, timeout=10000) as signal:
        retrier.retry_now(now=time.time() + 3600)
    (delivery,) = signal.args[0]
    assert delivery.item.status == "sent" and delivery.item.attempts == 2 and len(hub.files) == 1


def test_benchmark_result_file_is_attached(dialog, tmp_path):
    result = tmp_path / "eval-json.json"
    result.write_text('{"model": "smollm2", "valid": 19, "total": 20}', encoding="utf-8")
    widget = dialog(kind="benchmark")
    assert not widget.send_button.isEnabled() and "results file" in widget.problem.text()
    widget.set_benchmark_file(str(result))
    assert widget.edited_payload()["details"] == {"file": "eval-json.json",
                                                  "result": {"model": "smollm2", "valid": 19, "total": 20}}
    assert widget.send_button.isEnabled()
