"""The feedback dialog: write a report, see exactly what would leave the machine, then Send.

Opened from a thumbs-down, a message's context menu (with that message) or the Help menu (with the
current session, or none). The preview is the exact payload, already redacted and editable; Send
queues that text in the store's outbox and delivers it in the background, and the status line
follows the outbox: draft, queued, sent or failed (with Retry). Nothing is sent on any other path.

Every store call (the conversation, the outbox) and the delivery itself run on the store bridge's
thread; the dialog only reacts to their answers, so the window never waits on SQLite or the network.

Strings use the translation context "FeedbackDialog".
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QSyntaxHighlighter, QTextCharFormat
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QPlainTextEdit, QPushButton, QSizePolicy, QStackedWidget,
                               QVBoxLayout, QWidget)

from desktop.errors import HearthError
from desktop.feedback.destinations.github import default_repo
from desktop.feedback.outbox import AUTO_RETRY, Delivery, deliver, queue, retry_due, save_draft
from desktop.feedback.report import (Conversation, ReportRequest, draft_report, finalize, load_conversation,
                                     parse_edited, to_json)
from desktop.feedback.schema import DOMAINS, KINDS, LICENCES, MATCH_MODES
from desktop.ui.device_text import device_text
from desktop.ui.settings import Settings
from desktop.ui.store_bridge import StoreBridge
from desktop.ui.suggested_commands import suggested

REFRESH_MS = 300  # rebuild the preview this long after the last edit of a field
DESTINATIONS = ("github", "hf", "url")


class _RedactionHighlighter(QSyntaxHighlighter):
    """Marks every [redacted:…] in the preview so the user sees what was taken out."""

    def highlightBlock(self, text: str) -> None:  # noqa: N802 - Qt API
        fmt = QTextCharFormat()
        fmt.setBackground(QColor("#ffe08a"))
        fmt.setForeground(QColor("#5a3b00"))
        start = text.find("[redacted:")
        while start >= 0:
            end = text.find("]", start)
            end = len(text) if end < 0 else end + 1
            self.setFormat(start, end - start, fmt)
            start = text.find("[redacted:", end)


class _BrowserOpener(QObject):
    """Opens the issue form on the GUI thread for a delivery running on the store thread, which
    waits for the answer (the GUI thread never waits on it)."""

    _open = Signal(str, object)  # url, [threading.Event, result]

    def __init__(self) -> None:
        super().__init__()
        self._open.connect(self._open_here)

    def __call__(self, url: str) -> bool:
        answer = [threading.Event(), False]
        self._open.emit(url, answer)
        return answer[1] if answer[0].wait(60) else False

    def _open_here(self, url: str, answer: list) -> None:
        answer[1] = _open_in_browser(url)
        answer[0].set()


class FeedbackDialog(QDialog):
    """`FeedbackDialog(store, message_id=..., session_id=..., kind="bug", parent=...)`."""

    delivered = Signal(object)  # the OutboxItem after each delivery attempt

    def __init__(self, store: Any, message_id: int | None = None, session_id: int | None = None,
                 kind: str = "bug", parent: QWidget | None = None, settings: Settings | None = None) -> None:
        """`store`: the app's StoreBridge (or a Store, which gets a bridge of the dialog's own)."""
        super().__init__(parent)
        self.store: StoreBridge = store if isinstance(store, StoreBridge) else _bridge_for(store)
        self.settings = settings or Settings.load()
        self.conversation = Conversation(None, [], None)
        self.loaded = False  # the conversation arrived from the store
        self.item: Any = None  # the OutboxItem once saved
        self.payload: dict[str, Any] | None = None
        self._benchmark_file: str | None = None
        self._opener = _BrowserOpener()  # no parent: a delivery still running may outlive the dialog
        self._timer = QTimer(self, singleShot=True, interval=REFRESH_MS)
        self._timer.timeout.connect(self.refresh_preview)
        self._build()
        self.retranslate()
        self.kind_box.setCurrentIndex(KINDS.index(kind) if kind in KINDS else 0)
        self.pages.setCurrentIndex(self.kind_box.currentIndex())
        self.refresh_preview()
        self._destination_changed()
        self.resize(760, 700)  # fits a 1366x768 screen with its title bar and a panel
        self._call(lambda s: load_conversation(s, session_id, message_id), self._conversation_loaded)

    def _call(self, fn, then) -> None:
        """`fn(store)` on the store thread; `then(result)` here, unless the dialog is gone by then."""
        def alive(callback):
            return lambda result: callback(result) if shiboken6.isValid(self) else None

        self.store.call(fn, then=alive(then), error=alive(self._store_error))

    def _store_error(self, message: str) -> None:
        self.problem.setText(message)
        self._show_status()
        self._update_buttons()

    def _conversation_loaded(self, conversation: Conversation) -> None:
        self.conversation, self.loaded = conversation, True
        if conversation.answer is not None and not self.ideal.toPlainText():
            self.ideal.setPlainText(conversation.answer.content)
        self._show_metrics()
        self.refresh_preview()
        self._destination_changed()

    # -- building ---------------------------------------------------------------------------------

    def _build(self) -> None:
        self.kind_box = QComboBox()
        self.description = QPlainTextEdit()
        self.description.setFixedHeight(70)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._bug_page())
        self.pages.addWidget(self._performance_page())
        self.pages.addWidget(self._data_page())
        self.pages.addWidget(self._benchmark_page())
        self.destination_box = QComboBox()
        self.target = QLineEdit()
        self.preview_label = QLabel()
        self.preview = QPlainTextEdit()
        self.preview.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self._highlighter = _RedactionHighlighter(self.preview.document())
        self.redactions = QLabel(wordWrap=True)
        self.problem = QLabel(wordWrap=True)
        self.problem.setStyleSheet("color: #c0392b")
        self.status = QLabel(wordWrap=True, textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        for label in (self.status, self.problem, self.redactions):  # a long URL never widens the dialog
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.save_button, self.send_button = QPushButton(), QPushButton()
        self.retry_button, self.close_button = QPushButton(), QPushButton()
        self.send_button.setDefault(True)

        form = QFormLayout()
        self.kind_label, self.description_label = QLabel(), QLabel()
        self.destination_label, self.target_label = QLabel(), QLabel()
        form.addRow(self.kind_label, self.kind_box)
        form.addRow(self.description_label, self.description)
        target_row = QHBoxLayout()
        target_row.addWidget(self.destination_box)
        target_row.addWidget(self.target, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        for button in (self.save_button, self.retry_button, self.send_button, self.close_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.pages)
        form2 = QFormLayout()
        form2.addRow(self.destination_label, target_row)
        layout.addLayout(form2)
        layout.addWidget(self.preview_label)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.redactions)
        layout.addWidget(self.problem)
        layout.addLayout(buttons)

        self.kind_box.currentIndexChanged.connect(self._kind_changed)
        for edit in (self.description, self.expected, self.ideal):
            edit.textChanged.connect(self._timer.start)
        for box in (self.match_box, self.domain_box, self.licence_box):
            box.currentIndexChanged.connect(self._timer.start)
        self.consent.toggled.connect(self._timer.start)
        self.destination_box.currentIndexChanged.connect(self._destination_changed)
        self.preview.textChanged.connect(self._check_preview)
        self.save_button.clicked.connect(self.save_draft)
        self.send_button.clicked.connect(self.send)
        self.retry_button.clicked.connect(self.retry)
        self.close_button.clicked.connect(self.reject)
        self.retry_button.hide()

    def _bug_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.expected = QPlainTextEdit()
        self.expected.setFixedHeight(60)
        self.match_box = QComboBox()
        self.expected_label, self.match_label = QLabel(), QLabel()
        form.addRow(self.expected_label, self.expected)
        form.addRow(self.match_label, self.match_box)
        return page

    def _performance_page(self) -> QWidget:
        page = QWidget()
        self.metrics_view = QLabel(wordWrap=True)
        QVBoxLayout(page).addWidget(self.metrics_view)
        return page

    def _data_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.ideal = QPlainTextEdit()
        self.ideal.setFixedHeight(80)
        self.domain_box, self.licence_box = QComboBox(), QComboBox()
        self.licence_box.addItems(LICENCES)
        self.consent = QCheckBox()
        self.ideal_label, self.domain_label, self.licence_label = QLabel(), QLabel(), QLabel()
        form.addRow(self.ideal_label, self.ideal)
        form.addRow(self.domain_label, self.domain_box)
        form.addRow(self.licence_label, self.licence_box)
        form.addRow("", self.consent)
        self.licence_box.currentIndexChanged.connect(self._retranslate_consent)
        return page

    def _benchmark_page(self) -> QWidget:
        page = QWidget()
        row = QHBoxLayout(page)
        self.benchmark_button = QPushButton()
        self.benchmark_path = QLabel()
        self.benchmark_button.clicked.connect(self._choose_benchmark)
        row.addWidget(self.benchmark_button)
        row.addWidget(self.benchmark_path, 1)
        return page

    # -- texts ------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Send feedback"))
        kinds = {"bug": self.tr("Bug report"), "performance": self.tr("Performance"),
                 "data": self.tr("Data contribution"), "benchmark": self.tr("Benchmark result")}
        matches = {"exact": self.tr("exactly this answer"), "contains": self.tr("an answer containing this"),
                   "schema": self.tr("any answer valid for the JSON schema")}
        domains = {"": self.tr("Choose a domain…"), "medical": self.tr("medical"), "finance": self.tr("finance"),
                   "education": self.tr("education"), "code": self.tr("code"), "other": self.tr("other")}
        destinations = {"github": self.tr("GitHub issue (opens your browser)"),
                        "hf": self.tr("Hugging Face dataset"), "url": self.tr("HTTPS endpoint")}
        _fill(self.kind_box, KINDS, kinds)
        _fill(self.match_box, MATCH_MODES, matches)
        _fill(self.domain_box, ("", *DOMAINS), domains)  # no domain until the user picks one
        _fill(self.destination_box, DESTINATIONS, destinations)
        self.kind_label.setText(self.tr("Kind:"))
        self.description_label.setText(self.tr("What happened?"))
        self.description.setPlaceholderText(self.tr("Describe the problem or the contribution in your words"))
        self.expected_label.setText(self.tr("Expected answer:"))
        self.expected.setPlaceholderText(self.tr("Optional: the answer the model should have given"))
        self.match_label.setText(self.tr("A new model passes with:"))
        self.ideal_label.setText(self.tr("Ideal answer:"))
        self.domain_label.setText(self.tr("Domain:"))
        self.licence_label.setText(self.tr("Licence:"))
        self.benchmark_button.setText(self.tr("Choose result file…"))
        self.destination_label.setText(self.tr("Send to:"))
        self.preview_label.setText(self.tr("Exactly this will be sent (you can edit it; redactions are marked):"))
        self.save_button.setText(self.tr("Save draft"))
        self.send_button.setText(self.tr("Send"))
        self.retry_button.setText(self.tr("Retry"))
        self.close_button.setText(self.tr("Close"))
        self._retranslate_consent()
        self._destination_changed()
        self._show_metrics()
        self._show_benchmark()
        self._show_redactions()
        self._show_status()

    def _retranslate_consent(self) -> None:
        self.consent.setText(self.tr("I wrote or may share this sample and agree to publish it under {licence}")
                             .format(licence=self.licence_box.currentText()))
        self._timer.start()

    def showEvent(self, event: QEvent) -> None:
        if self._highlighter.document() is None:
            self._highlighter.setDocument(self.preview.document())
        super().showEvent(event)

    def done(self, result: int) -> None:
        # A Python-side highlighter must not be called while Qt tears the document down (at app
        # exit that is after Python has stopped), so it lets go of the document on closing.
        self._highlighter.setDocument(None)
        super().done(result)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- the report -------------------------------------------------------------------------------

    def kind(self) -> str:
        return self.kind_box.currentData() or KINDS[0]

    def request(self) -> ReportRequest:
        return ReportRequest(
            kind=self.kind(), description=self.description.toPlainText(),
            expected=self.expected.toPlainText() or None, match=self.match_box.currentData(),
            ideal_answer=self.ideal.toPlainText(), domain=self.domain_box.currentData() or "other",
            licence=self.licence_box.currentText(), consent=self.consent.isChecked(),
            benchmark_file=self._benchmark_file)

    def refresh_preview(self) -> None:
        """Rebuild the payload from the fields (hand edits to the preview are replaced)."""
        self._timer.stop()
        if not self.loaded:
            self.payload = None
            self.preview.setPlaceholderText(self.tr("Reading the conversation…"))
            self._update_buttons()
            return
        try:
            self.payload = finalize(draft_report(self.request(), self.conversation),
                                    redact=self.settings.redact_feedback)
        except HearthError as exc:
            self.payload = None
            self.preview.setPlainText("")
            self.problem.setText(str(exc))
        else:
            self.preview.setPlainText(to_json(self.payload))
            self._show_first_redaction()
        self._show_redactions()
        self._update_buttons()

    def edited_payload(self) -> dict[str, Any]:
        """The preview as the user left it, checked against the report format."""
        return parse_edited(self.preview.toPlainText())

    def _check_preview(self) -> None:
        if not self.preview.toPlainText().strip():
            return
        try:
            payload = self.edited_payload()
        except HearthError as exc:
            self.problem.setText(str(exc))
        else:
            self.problem.setText(self._consent_problem(payload))
        self._update_buttons()

    def _consent_problem(self, payload: dict[str, Any]) -> str:
        if payload["kind"] == "data" and not payload["details"].get("consent"):
            return self.tr("A data contribution needs your consent to its licence before it can be sent.")
        if payload["kind"] == "data" and not self.domain_box.currentData():
            return self.tr("Choose the domain of this data contribution.")
        return ""

    def _destination_problem(self) -> str:
        """Why the chosen destination cannot take the report yet (retrying would not help)."""
        destination, target = self.destination_box.currentData() or "github", self.target.text().strip()
        if destination == "github" and not target and not default_repo(self.payload or {}):
            return self.tr("Type the GitHub repository to report to (OWNER/REPO): this model names none.")
        if destination in ("hf", "url") and not target:
            return self.tr("Type where to send the report.")
        return ""

    def _update_buttons(self) -> None:
        busy = self.item is not None and self.item.status == "queued"
        sent = self.item is not None and self.item.status == "sent"
        ok = self.payload is not None and not self.problem.text()
        self.send_button.setEnabled(ok and not busy and not sent)
        self.save_button.setEnabled(self.payload is not None and not busy and not sent)
        self.retry_button.setVisible(self.item is not None and self.item.status == "failed")
        self.retry_button.setEnabled(not busy)

    def _kind_changed(self) -> None:
        self.pages.setCurrentIndex(KINDS.index(self.kind()))
        self.refresh_preview()

    def _destination_changed(self) -> None:
        destination = self.destination_box.currentData() or "github"
        placeholders = {"github": self.tr("OWNER/REPO (default: the model's own repository)"),
                        "hf": self.tr("OWNER/DATASET"), "url": "https://…"}
        self.target.setPlaceholderText(placeholders[destination])
        if destination == "github" and not self.target.text() and self.payload:
            self.target.setText(default_repo(self.payload) or "")

    def _choose_benchmark(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Benchmark result"), "",
                                              self.tr("Results (*.json *.jsonl *.txt);;All files (*)"))
        if path:
            self.set_benchmark_file(path)

    def set_benchmark_file(self, path: str) -> None:
        self._benchmark_file = path
        self._show_benchmark()
        self.refresh_preview()

    def _show_benchmark(self) -> None:
        hint = self.tr("No file chosen: run {command} and choose eval-json.json, or a bench/ result.")
        model = self.conversation.answer.model_file if self.conversation.answer is not None else None
        self.benchmark_path.setWordWrap(True)
        self.benchmark_path.setText(self._benchmark_file or hint.format(
            command=suggested("benchmark", model or "smollm2-135m")))

    def _show_metrics(self) -> None:
        answer = self.conversation.answer
        metrics = (answer.metrics or {}) if answer else {}
        if not metrics:
            self.metrics_view.setText(self.tr("No measurements: choose a finished answer."))
            return
        self.metrics_view.setText(self.tr("Attached automatically: time to first token {ttft} s, {rate} tokens/s, "
                                          "{prompt} prompt + {answer} answer tokens, {device}.").format(
            ttft=metrics.get("ttft_s", "?"), rate=metrics.get("decode_tok_s", "?"),
            prompt=metrics.get("prompt_tokens", "?"), answer=metrics.get("completion_tokens", "?"),
            device=device_text(metrics["offload"]) if metrics.get("offload") else self.tr("device not recorded")))

    def _show_redactions(self) -> None:
        redactions = (self.payload or {}).get("redactions") or []
        if not self.settings.redact_feedback:
            self.redactions.setText(self.tr("Automatic redaction is off (Settings); check the text yourself."))
        elif redactions:
            labels = self._redaction_labels()
            found = ", ".join(f"{r['count']} × {labels.get(r['what'], r['what'])}" for r in redactions)
            self.redactions.setText(self.tr("Removed automatically: {found}").format(found=found))
        else:
            self.redactions.setText(self.tr("Nothing private was found; check the text yourself."))

    def _redaction_labels(self) -> dict[str, str]:
        """The redaction table's labels (English in the payload) as this dialog shows them."""
        return {"API keys (sk-…)": self.tr("API keys (sk-…)"), "Hugging Face tokens": self.tr("Hugging Face tokens"),
                "GitHub tokens": self.tr("GitHub tokens"), "AWS access keys": self.tr("AWS access keys"),
                "passwords and secrets in settings": self.tr("passwords and secrets in settings"),
                "e-mail addresses": self.tr("e-mail addresses"),
                "home-folder user names": self.tr("home-folder user names"), "file paths": self.tr("file paths"),
                "phone numbers": self.tr("phone numbers"),
                "long hexadecimal secrets": self.tr("long hexadecimal secrets"),
                "long base64 secrets": self.tr("long base64 secrets")}

    def _show_first_redaction(self) -> None:
        """Scroll the preview to the first thing redaction took out, so the user sees it at once."""
        cursor = self.preview.document().find("[redacted:")
        if not cursor.isNull():
            cursor.clearSelection()
            self.preview.setTextCursor(cursor)
            self.preview.centerCursor()

    # -- the outbox -------------------------------------------------------------------------------

    def _keeper(self, payload: dict[str, Any]):
        """A store-thread function that keeps `payload` as this dialog's draft (new or updated)."""
        item_id = self.item.id if self.item is not None else None
        answer, session = self.conversation.answer, self.conversation.session

        def keep(store) -> Any:
            if item_id is not None:
                return store.outbox.update_payload(item_id, payload)
            return save_draft(store, payload, session_id=session.id if session else None,
                              message_id=answer.id if answer else None)

        return keep

    def save_draft(self) -> None:
        """Keep the edited report in the outbox as a draft (nothing is sent); `item` follows."""
        try:
            payload = self.edited_payload()
        except HearthError as exc:
            self.problem.setText(str(exc))
            return
        self._call(self._keeper(payload), self._on_item)

    def _on_item(self, item: Any) -> None:
        self.item = item
        self._show_status()
        self._update_buttons()

    def destination_spec(self) -> str:
        return f"{self.destination_box.currentData()}:{self.target.text().strip()}"

    def send(self) -> None:
        """The explicit Send: keep, queue and deliver the previewed payload (on the store thread)."""
        if not self.settings.allow_online:
            self.problem.setText(self.tr("Hearth is set to stay offline (Settings); the report was kept "
                                         "as a draft."))
            self.save_draft()
            return
        problem = self._destination_problem()
        if problem:
            self.problem.setText(problem)
            self.target.setFocus()
            self._update_buttons()
            return
        try:
            payload = self.edited_payload()
        except HearthError as exc:
            self.problem.setText(str(exc))
            return
        keep, spec = self._keeper(payload), self.destination_spec()
        self._deliver(lambda store: queue(store, keep(store).id, spec, payload))

    def retry(self) -> None:
        if self.item is not None and self.item.status == "failed":
            item_id, spec = self.item.id, self.destination_spec()
            self._deliver(lambda store: queue(store, item_id, spec))

    def _deliver(self, queue_it) -> None:
        """Queue (`queue_it(store)`) and deliver in one store-thread call; the outcome comes back."""
        self.send_button.setEnabled(False)
        self.status.setText(self.tr("Sending…"))
        opener = self._opener

        def queue_and_deliver(store) -> Delivery:
            item = queue_it(store)
            done = deliver(store, item.id, opener=opener)  # recorded in the store whatever happens next
            # Only plain data comes back: the destination holds the opener, a Qt object that must
            # not end its life on the store thread.
            return Delivery(done.item, done.where, _Sent(getattr(done.destination, "attachment", None)))

        self._call(queue_and_deliver, self._on_delivered)

    def _on_delivered(self, delivery: Delivery) -> None:
        self.item = delivery.item
        self._where = delivery.where
        self._attachment = getattr(delivery.destination, "attachment", None)
        self._show_status()
        self._update_buttons()
        self.delivered.emit(self.item)

    def _show_status(self) -> None:
        item = self.item
        if item is None:
            text = self.tr("Not saved. Nothing leaves this computer until you press Send.")
        elif item.status == "draft":
            text = self.tr("Draft {id} saved in the outbox; not sent.").format(id=item.id)
        elif item.status == "queued":
            text = self.tr("Sending…")
        elif item.status == "sent" and (item.destination or "").startswith("github:"):
            text = self.tr("The issue form is open in your browser; submit it there.")
            if getattr(self, "_attachment", None) is not None:
                text += " " + self.tr("Attach {file} to the issue.").format(file=self._attachment)
        elif item.status == "sent":
            text = self.tr("Sent to {where}.").format(where=getattr(self, "_where", None) or item.destination)
        elif (item.destination or "").startswith(AUTO_RETRY):
            text = self.tr("Failed (attempt {attempt}): {error}. It will be retried; or press Retry.").format(
                attempt=item.attempts, error=item.last_error)
        else:
            text = self.tr("Failed: {error}. Press Retry once that is fixed.").format(error=item.last_error)
        self.status.setText(text)


class OutboxRetrier(QObject):
    """Retries failed deliveries in the background while the app runs, so reports written
    offline go out once the network is back. Start one with the main window:
    `OutboxRetrier(store, settings, parent=window).start()`."""

    retried = Signal(list)  # the Deliveries of one round (only emitted when something was due)

    def __init__(self, store: Any, settings: Settings | None = None, interval_s: float = 60,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.settings = settings or Settings.load()
        self._busy = threading.Lock()
        self._timer = QTimer(self, interval=int(interval_s * 1000))
        self._timer.timeout.connect(self.retry_now)

    def start(self) -> None:
        self._timer.start()

    def retry_now(self, now: float | None = None) -> None:
        """One round in a background thread; skipped while a round is running or when offline."""
        if not self.settings.allow_online or not self._busy.acquire(blocking=False):
            return

        def run() -> None:
            try:
                deliveries = retry_due(self.store, now)
            finally:
                self._busy.release()
            if deliveries:
                try:
                    self.retried.emit(deliveries)
                except RuntimeError:  # the app is closing
                    pass

        threading.Thread(target=run, name="feedback-retry", daemon=True).start()


@dataclass
class _Sent:
    """What the dialog keeps of a destination after a delivery: the file to attach, if any."""

    attachment: Any = None


_BRIDGES: dict[int, StoreBridge] = {}  # id(Store) -> its bridge: made once, kept while the app runs


def _bridge_for(store: Any) -> StoreBridge:
    """A bridge around a Store handed in directly (scripts, tests). It is never deleted, so a call
    still running when a dialog closes always has a live object to answer through."""
    if id(store) not in _BRIDGES:
        _BRIDGES[id(store)] = StoreBridge(store=store)
    return _BRIDGES[id(store)]


def _fill(box: QComboBox, keys: tuple[str, ...], labels: dict[str, str]) -> None:
    """(Re)fill a combo box with translated labels, keeping the chosen key as item data."""
    current = box.currentData()
    box.blockSignals(True)
    box.clear()
    for key in keys:
        box.addItem(labels[key], key)
    box.setCurrentIndex(keys.index(current) if current in keys else 0)
    box.blockSignals(False)


def _open_in_browser(url: str) -> bool:
    return QDesktopServices.openUrl(QUrl.fromEncoded(url.encode("ascii")))
