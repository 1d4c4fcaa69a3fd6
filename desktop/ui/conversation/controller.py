"""The chat flow: store the question, stream the answer, keep it safe, branch on edit and regenerate.

Order of events for one answer, all off the UI thread:
1. store: the user's message and an empty assistant message (so nothing typed is ever lost);
2. engine: the answer streams; tokens are collected and the streaming widget is refreshed on a
   timer (coalesced), never the whole transcript;
3. store: the answer so far at least once a second, and on stop, error or crash;
4. store: the finished answer with its measurements (`finish_assistant`).
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.chat_messages import ChatMessage, chat_messages
from desktop.engine.types import Done, EngineFailure, SamplingParams
from desktop.jsonmode.constraint import Constraint
from desktop.models.identity import stored_model_name
from desktop.ui.composer import Composer
from desktop.ui.conversation.message import MessageWidget
from desktop.ui.conversation.view import ConversationView
from desktop.ui.crash_banner import CrashBanner
from desktop.ui.engine_bridge import EngineBridge
from desktop.ui.model_identity import ModelIdentities
from desktop.ui.store_bridge import StoreBridge

REFRESH_MS = 40  # streaming widget refresh: smooth to the eye, cheap for the event loop
SAVE_MS = 1000  # partial answers reach the disk at least this often


@dataclass
class Answer:
    """The answer being streamed."""

    request: int
    message: Any  # the store's assistant Message
    widget: MessageWidget | None  # None once the user moved to another chat
    pieces: list[str] = field(default_factory=list)
    shown: int = 0  # pieces already on screen
    saved: str = ""
    started: float = field(default_factory=time.monotonic)
    first_token_at: float | None = None
    last_token_at: float | None = None
    seed: int | None = None
    prompt_tokens: int = 0  # measured beside the answer, for a stopped answer's figures
    count_request: int = 0

    @property
    def text(self) -> str:
        return "".join(self.pieces)

    def stopped_metrics(self) -> dict[str, Any]:
        """What a stopped answer measured on the way: the engine reports no figures for it."""
        tokens = len(self.pieces)  # the engine streams one token an event
        ttft = (self.first_token_at - self.started) if self.first_token_at is not None else 0.0
        span = (self.last_token_at or 0.0) - (self.first_token_at or 0.0)
        rate = (tokens - 1) / span if tokens > 1 and span > 0 else 0.0
        return {"prompt_tokens": self.prompt_tokens, "completion_tokens": tokens, "ttft_s": round(ttft, 4),
                "decode_tok_s": round(rate, 2), "finish_reason": "cancelled", "seed": self.seed}


def with_seed(params: SamplingParams) -> SamplingParams:
    """The params with a concrete seed: "Random" picks one here, so every stored answer (a stopped
    one too) names the seed that reproduces it."""
    return params if params.seed is not None else replace(params, seed=random.randrange(2**31))


def transcript(store, session_id: int) -> list[tuple[Any, list[int]]]:
    """The active branch of a session with each message's sibling ids (runs on the store thread)."""
    return [(m, [s.id for s in store.siblings(m.id)]) for m in store.active_path(session_id)]


class ChatController(QObject):
    session_opened = Signal(object)  # the store's Session: the panel shows its settings
    sessions_changed = Signal()  # titles or order changed: the sidebar reloads
    busy_changed = Signal(bool)
    problem = Signal(str)  # one line for the status bar
    feedback_requested = Signal(int)  # message id

    def __init__(self, view: ConversationView, composer: Composer, banner: CrashBanner,
                 store: StoreBridge, engine: EngineBridge, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.view, self.composer, self.banner, self.store, self.engine = view, composer, banner, store, engine
        self.identities = ModelIdentities(engine, store, self)
        self.session_id: int | None = None
        self.path: list[Any] = []
        self.reattached: set[int] = set()  # the open session's messages that salvage re-attached
        self.answer: Answer | None = None
        self.params = SamplingParams()
        self.constraint: Constraint | None = None
        self.system_prompt = ""
        self.settings_problem: Callable[[], str | None] = lambda: None  # why the settings cannot be used
        self._count_request = 0
        self._refresh = QTimer(self, interval=REFRESH_MS)
        self._refresh.timeout.connect(self._show_tokens)
        self._save = QTimer(self, interval=SAVE_MS)
        self._save.timeout.connect(self._save_partial)
        view.message_added.connect(self._connect_message)
        composer.send_requested.connect(self.send)
        composer.stop_requested.connect(self.stop)
        composer.draft_changed.connect(self._measure)
        engine.token.connect(self._on_token)
        engine.done.connect(self._on_done)
        engine.failed.connect(self._on_failed)
        engine.counted.connect(self._on_counted)
        banner.restart_requested.connect(engine.restart)

    # -- sessions --------------------------------------------------------------------------------

    def _leave(self) -> None:
        """Stop the answer in flight and let it finish off screen (it is still saved)."""
        if self.answer is not None:
            self.answer.widget = None
        self.stop()

    def new_chat(self) -> None:
        """An empty chat. JSON mode starts off (a constraint is never carried into a new chat
        unnoticed); sampling and the system prompt stay as the user last set them."""
        self._leave()
        self.session_id, self.path, self.reattached = None, [], set()
        self.constraint = None
        self.composer.set_constraint(None)
        self.view.clear()
        self._update_gauge(0)
        self._measure(self.composer.text())  # a draft carried over still counts
        self.composer.edit.setFocus()

    def open_session(self, session_id: int, show: int | None = None) -> None:
        """Open a conversation; `show` (a search match) switches to the branch holding that message."""
        self._leave()
        self.session_id = session_id

        def load(store):
            if show is not None and show not in {m.id for m in store.active_path(session_id)}:
                store.switch_branch(show)
            return store.get_session(session_id), transcript(store, session_id), store.reattached(session_id)

        self.store.call(load, then=self._opened)

    def _opened(self, result) -> None:
        session, entries, reattached = result
        if session.id != self.session_id:
            return  # the user moved on meanwhile
        self.reattached = reattached
        self.system_prompt = session.system_prompt
        if session.params:
            self.params = SamplingParams.from_dict(session.params)
        self.constraint = Constraint.from_dict(session.json_mode) if session.json_mode else None
        self.composer.set_constraint(self.constraint)
        self._show(entries)
        self._measure(self.composer.text())
        self.session_opened.emit(session)

    def forget_session(self, session_id: int) -> None:
        """The session was deleted: leave it if it is open."""
        if session_id == self.session_id:
            self.new_chat()

    def set_generation(self, params: SamplingParams, constraint: Constraint | None, system_prompt: str) -> None:
        """New settings from the generation panel; kept with the open session."""
        self.params, self.constraint, self.system_prompt = params, constraint, system_prompt
        self.composer.set_constraint(constraint)
        if self.session_id is not None:
            sid = self.session_id
            self.store.call(lambda s: s.update_session(sid, params=params.to_dict(), system_prompt=system_prompt,
                                                       json_mode=constraint.to_dict() if constraint else None))

    def _show(self, entries: list[tuple[Any, list[int]]]) -> None:
        self.path = [m for m, _ in entries]
        self.view.show_transcript(entries)
        self.view.mark_reattached(self.reattached)
        used = sum(((m.metrics or {}).get("completion_tokens", 0) for m in self.path), 0)
        last = next((m for m in reversed(self.path) if m.metrics), None)
        if last is not None:
            used = last.metrics.get("prompt_tokens", 0) + last.metrics.get("completion_tokens", 0)
        self._update_gauge(used)

    # -- asking ----------------------------------------------------------------------------------

    def _ready(self) -> bool:
        if self.answer is not None:
            return False
        problem = self.settings_problem()
        if problem:
            self.problem.emit(problem)
            return False
        if self.engine.info is None and self.engine.last_options is None:
            self.problem.emit(self.tr("No model is loaded. Open a model first (Model ▸ Open GGUF…)."))
            return False
        return True

    def _answer_args(self) -> dict[str, Any]:
        info, options = self.engine.info, self.engine.last_options
        model_path = info.path if info else options.model_path if options else None
        return {"model_file": stored_model_name(model_path) if model_path else None,
                "model_sha256": self.identities.sha256_for(model_path), "params": with_seed(self.params).to_dict(),
                "constraint": self.constraint.to_dict() if self.constraint else None}

    def send(self, text: str) -> None:
        """Store the question, then ask the engine."""
        if not self._ready():
            self.composer.edit.setPlainText(text)
            return
        sid, args = self.session_id, self._answer_args()
        model_name = args["model_file"] or ""
        params, constraint, system_prompt = self.params, self.constraint, self.system_prompt

        def store_question(store):
            session_id = sid
            if session_id is None:
                session_id = store.create_session(system_prompt=system_prompt, model=model_name,
                                                  params=params.to_dict(),
                                                  json_mode=constraint.to_dict() if constraint else None)
            user = store.add_message(session_id, "user", text)
            answer = store.begin_assistant(session_id, user.id, **args)
            return session_id, transcript(store, session_id), answer

        self._set_busy(True)
        self.store.call(store_question, then=self._start_answer,
                        error=lambda message: self._store_failed(message, draft=text))

    def regenerate(self, message_id: int) -> None:
        """Answer the same question again, as a new branch next to the old answer."""
        if not self._ready():
            return
        sid, args = self.session_id, self._answer_args()

        def store_regeneration(store):
            old = store.get_message(message_id)
            answer = store.begin_assistant(sid, old.parent_id, **args)
            return sid, transcript(store, sid), answer

        self._set_busy(True)
        self.store.call(store_regeneration, then=self._start_answer, error=self._store_failed)

    def edit(self, message_id: int, text: str) -> None:
        """Send an edited question as a new branch; the original and its answers stay."""
        if not self._ready():
            return
        sid, args = self.session_id, self._answer_args()

        def store_edit(store):
            question = store.edit_message(message_id, text)
            answer = store.begin_assistant(sid, question.id, **args)
            return sid, transcript(store, sid), answer

        self._set_busy(True)
        self.store.call(store_edit, then=self._start_answer, error=self._store_failed)

    def switch_branch(self, message_id: int) -> None:
        if self.answer is not None:
            return
        sid = self.session_id

        def store_switch(store):
            store.switch_branch(message_id)
            return transcript(store, sid)

        self.store.call(store_switch, then=self._switched)

    def _switched(self, entries: list[tuple[Any, list[int]]]) -> None:
        self._show(entries)
        self._measure(self.composer.text())

    def rate(self, message_id: int, rating: int | None) -> None:
        self.store.call(lambda s: s.set_rating(message_id, rating))
        if rating == -1:
            self.feedback_requested.emit(message_id)

    def stop(self) -> None:
        """Cancel the answer (Stop button, Esc); what was written so far is kept."""
        if self.answer is not None:
            self.engine.cancel(self.answer.request)

    # -- streaming -------------------------------------------------------------------------------

    def _start_answer(self, result) -> None:
        session_id, entries, answer = result
        self.identities.answer_started(answer)
        new_session = session_id != self.session_id
        self.session_id = session_id
        self._show(entries)
        widget = self.view.widget_for(answer.id)
        history = [m for m, _ in entries if m.id != answer.id]
        messages = chat_messages(self.system_prompt, history)
        params = SamplingParams.from_dict(answer.params) if answer.params else with_seed(self.params)
        request = self.engine.chat(messages, params, self.constraint)
        self.answer = Answer(request, answer, widget, seed=params.seed)
        self.answer.count_request = self.engine.count_tokens(messages)
        self._refresh.start()
        self._save.start()
        if new_session:
            self.sessions_changed.emit()

    def _on_token(self, request: int, text: str) -> None:
        answer = self.answer
        if answer is not None and request == answer.request:
            answer.pieces.append(text)
            answer.last_token_at = time.monotonic()
            if answer.first_token_at is None:
                answer.first_token_at = answer.last_token_at

    def _show_tokens(self) -> None:
        answer = self.answer
        if answer is not None and answer.widget is not None and answer.shown != len(answer.pieces):
            answer.shown = len(answer.pieces)
            answer.widget.append_stream(answer.text)

    def _save_partial(self) -> None:
        answer = self.answer
        if answer is not None and answer.text != answer.saved:
            text, message_id = answer.text, answer.message.id
            answer.saved = text
            self.store.call(lambda s: s.save_partial(message_id, text))

    def _on_done(self, request: int, done: Done) -> None:
        answer = self.answer
        if answer is None or request != answer.request:
            return
        metrics = done.stats()
        metrics.update(seed=done.seed, dropped_messages=done.dropped_messages)
        if done.finish_reason == "cancelled" and not done.completion_tokens:
            metrics.update(answer.stopped_metrics())  # the engine answered a stop with zeros
        if self.engine.info is not None:
            metrics["offload"] = self.engine.info.offload  # performance reports name the device
        if done.json_valid is not None:
            metrics.update(json_valid=done.json_valid, json_error=done.json_error)
        message_id = answer.message.id
        self._end_answer()
        seed = metrics.get("seed")
        self.store.call(lambda s: s.finish_assistant(message_id, done.text, done.finish_reason, metrics,
                                                     seed=seed), then=self._finished)
        self._update_gauge(metrics["prompt_tokens"] + metrics["completion_tokens"])

    def _finished(self, message) -> None:
        self.path = [message if m.id == message.id else m for m in self.path]  # the gauge counts it now
        widget = self.view.widget_for(message.id)
        if widget is not None:
            widget.show_message(message)
        self.sessions_changed.emit()

    def _on_failed(self, request: int, failure: EngineFailure) -> None:
        answer = self.answer
        if answer is None or request != answer.request:
            return
        text, message_id = answer.text, answer.message.id
        self._end_answer()
        self.store.call(lambda s: s.finish_assistant(message_id, text, "error", {"error": failure.message}),
                        then=self._finished)
        if failure.kind == "crash":
            self.banner.show_crash(failure.message)
        else:
            self.problem.emit(failure.message)

    def _end_answer(self) -> None:
        self._show_tokens()
        self._refresh.stop()
        self._save.stop()
        self.answer = None
        self._set_busy(False)

    def _store_failed(self, message: str, draft: str = "") -> None:
        """The store refused (disk full, say): say so, and give the user their text back."""
        self._set_busy(False)
        if draft and not self.composer.text():
            self.composer.edit.setPlainText(draft)
        self.problem.emit(message)

    def _set_busy(self, busy: bool) -> None:
        self.composer.set_busy(busy)
        self.busy_changed.emit(busy)

    # -- context gauge ---------------------------------------------------------------------------

    def _measure(self, draft: str) -> None:
        if self.engine.info is None or self.answer is not None or self.banner.isVisible():
            return  # no model, busy, or crashed: counting would start an engine behind the user's back
        messages = chat_messages(self.system_prompt, self.path)
        if draft.strip():
            messages.append(ChatMessage("user", draft))
        if messages:
            self._count_request = self.engine.count_tokens(messages)

    def _on_counted(self, request: int, tokens: int) -> None:
        if self.answer is not None and request == self.answer.count_request:
            self.answer.prompt_tokens = tokens
            self._update_gauge(tokens)  # while the answer streams, the gauge shows the prompt
        elif request == self._count_request:
            self._update_gauge(tokens)

    def _update_gauge(self, used: int) -> None:
        info = self.engine.info
        self.composer.set_gauge(used, info.n_ctx if info else 0, estimated=self.engine.count_is_estimate)

    # -- message widgets -------------------------------------------------------------------------

    def _connect_message(self, widget: MessageWidget) -> None:
        widget.edit_submitted.connect(self.edit)
        widget.regenerate_requested.connect(self.regenerate)
        widget.branch_requested.connect(self.switch_branch)
        widget.rated.connect(self.rate)
        widget.feedback_requested.connect(self.feedback_requested)
