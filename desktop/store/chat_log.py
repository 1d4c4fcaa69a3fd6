"""`hearth chat` as a log: every exchange stored, and `--session ID` to carry a conversation on.

The question is stored before generation starts, the answer is saved while it streams (at most a
second's worth can be lost to a kill) and finished with its metrics, or marked cancelled or failed
with whatever text had arrived. With saving off, a continued session is only read.
"""
from __future__ import annotations

import time
from typing import IO, Any

from desktop.chat_messages import ChatMessage, chat_messages
from desktop.errors import HearthError
from desktop.store.store import Store

SAVE_EVERY_S = 1.0


class ChatLog:
    def __init__(self, store: Store | None, session_id: int | None, save: bool,
                 settings: dict[str, Any] | None = None) -> None:
        self.store = store
        self.session_id = session_id
        self.save = save
        self._settings = settings or {}  # for the session created when the first question is stored
        self._answer_id: int | None = None
        self.last_answer_id: int | None = None  # the answer stored by the latest ask(), kept after finish()
        self._text = ""
        self._saved_at = 0.0

    @classmethod
    def open(cls, session_id: int | None, *, save: bool, system: str | None, model: str,
             params: Any, constraint: Any) -> "ChatLog":
        """Continue session `session_id`, or (when saving) start a new one with these settings."""
        if session_id is None and not save:
            return cls(None, None, False)  # a one-off question: the store is not touched at all
        store = Store.open()
        if session_id is not None:
            session = store.get_session(session_id)
            if session.deleted_at is not None:
                store.close()
                raise HearthError(f"session {session_id} is in the trash; "
                                  f"`hearth sessions restore {session_id}` brings it back")
            if system is not None and save:
                store.update_session(session_id, system_prompt=system)
        settings = {"system_prompt": system or "", "model": model, "params": params, "json_mode": constraint}
        return cls(store, session_id, save, settings)

    def conversation(self, prompt: str, system: str | None) -> list[ChatMessage]:
        """The messages to send: system prompt, the session's active path so far, the new prompt."""
        history = self.store.active_path(self.session_id) if self.session_id is not None else []
        if system is None and self.session_id is not None:
            system = self.store.get_session(self.session_id).system_prompt
        return [*chat_messages(system, [m for m in history if m.content]), ChatMessage("user", prompt)]

    def ask(self, prompt: str, *, model_file: str | None, model_sha256: str | None, params: Any,
            constraint: Any) -> None:
        """Store the question, then an empty answer that fills in as it streams."""
        if not self.save:
            return
        if self.session_id is None:  # created only now, so a failed model load leaves no empty session
            self.session_id = self.store.create_session(**self._settings)
        question = self.store.add_message(self.session_id, "user", prompt)
        self._answer_id = self.store.begin_assistant(self.session_id, question.id, model_file=model_file,
                                                     model_sha256=model_sha256, params=params,
                                                     constraint=constraint).id
        self.last_answer_id = self._answer_id
        self._saved_at = time.monotonic()

    def tee(self, out: IO[str]) -> "_Tee":
        """A stream that writes to `out` and saves the answer so far at least once a second."""
        return _Tee(out, self)

    def _received(self, text: str) -> None:
        self._text += text
        if self._answer_id is not None and time.monotonic() - self._saved_at >= SAVE_EVERY_S:
            self.store.save_partial(self._answer_id, self._text)
            self._saved_at = time.monotonic()

    def finish(self, done: Any) -> None:
        """Store the engine's Done: text, finish reason, metrics and the seed actually used."""
        if self._answer_id is None:
            return
        metrics = done.stats()
        if done.json_valid is not None:
            metrics.update(json_valid=done.json_valid, json_error=done.json_error)
        self.store.finish_assistant(self._answer_id, done.text, done.finish_reason, metrics, seed=done.seed)
        self._answer_id = None

    def abort(self, reason: str) -> None:
        """Keep what arrived of an answer that ended early ("cancelled" or "error")."""
        if self._answer_id is None:
            return
        self.store.finish_assistant(self._answer_id, self._text, reason)
        self._answer_id = None

    def close(self) -> None:
        if self.store is not None:
            self.store.close()


class _Tee:
    def __init__(self, out: IO[str], log: ChatLog) -> None:
        self._out = out
        self._log = log

    def write(self, text: str) -> int:
        self._log._received(text)
        return self._out.write(text)

    def flush(self) -> None:
        self._out.flush()
