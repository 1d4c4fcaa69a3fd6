"""Sending, streaming, stopping and branching with SmolLM2 through the real engine and store."""
import time

from PySide6.QtCore import Qt

from desktop.engine.types import SamplingParams
from tests.ui.chat_helpers import send, stored, wait_idle


def answers(window):
    return [w for w in window.view.messages if w.message.role == "assistant"]


def test_send_streams_an_answer_and_stores_it_with_metrics(qtbot, chat_window):
    w = chat_window
    send(qtbot, w, "Name three colours.")
    sid = w.controller.session_id
    path = stored(w, lambda s: s.active_path(sid))
    assert [m.role for m in path] == ["user", "assistant"]
    assert path[0].content == "Name three colours."
    answer = path[1]
    assert answer.content and answer.finish_reason in ("stop", "length")
    assert answer.metrics["completion_tokens"] > 0 and answer.metrics["decode_tok_s"] > 0
    widget = answers(w)[0]
    assert widget.body.text.strip()  # rendered
    assert "tokens/s" in widget.stats.full_text and "to first token" in widget.stats.full_text
    assert "/" in w.composer.gauge_label.text()  # context gauge: used / n_ctx
    qtbot.waitUntil(lambda: w.sidebar.item_for(sid) is not None)
    assert "Name three colours" in w.sidebar.item_for(sid).text()


def test_user_message_is_stored_before_the_answer_starts(qtbot, chat_window):
    w = chat_window
    seen = []
    w.engine.token.connect(lambda *_: seen or seen.append(
        stored(w, lambda s: [m.role for m in s.active_path(w.controller.session_id)])))
    send(qtbot, w, "Hello")
    assert seen[0] == ["user", "assistant"]


def test_escape_stops_the_answer_quickly_and_keeps_the_partial_text(qtbot, chat_window):
    w = chat_window
    w.controller.params = SamplingParams(temperature=0.8, max_tokens=2000, seed=3)
    send(qtbot, w, "Write a very long story about a dragon.", wait=False)
    qtbot.waitUntil(lambda: w.controller.answer is not None and len(w.controller.answer.pieces) > 5,
                    timeout=30_000)
    started = time.monotonic()
    qtbot.keyClick(w.composer.edit, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not w.composer.busy, timeout=5_000)
    assert time.monotonic() - started < 0.5  # the engine promises 200 ms; the event loop adds a little
    wait_idle(qtbot, w)
    answer = stored(w, lambda s: s.active_path(w.controller.session_id))[-1]
    assert answer.finish_reason == "cancelled" and len(answer.content) > 0
    assert "stopped" in answers(w)[0].stats.full_text


def test_partial_answer_is_saved_while_streaming(qtbot, chat_window):
    w = chat_window
    w.controller.params = SamplingParams(temperature=0.8, max_tokens=2000, seed=5)
    send(qtbot, w, "Tell me everything about the sea.", wait=False)
    qtbot.waitUntil(lambda: w.controller.answer is not None, timeout=30_000)
    message_id = w.controller.answer.message.id
    qtbot.waitUntil(lambda: stored(w, lambda s: s.get_message(message_id).content) != "", timeout=5_000)
    partial = stored(w, lambda s: s.get_message(message_id))
    assert partial.finish_reason is None  # still streaming, yet already on disk
    w.controller.stop()
    wait_idle(qtbot, w)


def test_regenerate_creates_a_branch_with_a_switcher(qtbot, chat_window):
    w = chat_window
    send(qtbot, w, "Say a number.")
    first = answers(w)[0].message
    w.controller.params = SamplingParams(temperature=1.0, max_tokens=20, seed=99)
    answers(w)[0].regenerate_button.click()
    qtbot.waitUntil(lambda: w.composer.busy or w.controller.answer is not None, timeout=5_000)
    wait_idle(qtbot, w)
    widget = answers(w)[0]
    assert widget.message.id != first.id
    assert widget.branch_label.text() == "2/2" and widget.previous_branch.isVisible()
    widget.previous_branch.click()
    qtbot.waitUntil(lambda: answers(w) and answers(w)[0].message.id == first.id)
    assert answers(w)[0].branch_label.text() == "1/2"
    assert answers(w)[0].body.text == first.content or answers(w)[0].message.content == first.content


def test_editing_a_question_keeps_the_original_as_a_branch(qtbot, chat_window):
    w = chat_window
    send(qtbot, w, "What is two plus two?")
    question = w.view.messages[0]
    question.edit_button.click()
    assert question.editor.isVisible()
    question.editor.setPlainText("What is three plus three?")
    question.save_edit.click()
    qtbot.waitUntil(lambda: w.composer.busy or w.controller.answer is not None, timeout=5_000)
    wait_idle(qtbot, w)
    edited = w.view.messages[0]
    assert edited.message.content == "What is three plus three?"
    assert edited.branch_label.text() == "2/2"
    assert len(w.view.messages) == 2 and w.view.messages[1].message.content
    edited.previous_branch.click()
    qtbot.waitUntil(lambda: w.view.messages[0].message.content == "What is two plus two?")


def test_thumbs_are_stored(qtbot, chat_window):
    w = chat_window
    send(qtbot, w, "Hi")
    widget = answers(w)[0]
    widget.thumb_up.click()
    message_id = widget.message.id
    qtbot.waitUntil(lambda: stored(w, lambda s: s.get_message(message_id).rating) == 1)
    widget.thumb_up.click()
    qtbot.waitUntil(lambda: stored(w, lambda s: s.get_message(message_id).rating) is None)


def test_reopening_a_chat_shows_its_messages(qtbot, chat_window):
    w = chat_window
    send(qtbot, w, "Remember this chat")
    sid = w.controller.session_id
    w.actions["new_chat"].trigger()
    assert w.view.messages == [] and w.controller.session_id is None
    qtbot.waitUntil(lambda: w.sidebar.item_for(sid) is not None)
    w.sidebar.list.itemClicked.emit(w.sidebar.item_for(sid))
    qtbot.waitUntil(lambda: len(w.view.messages) == 2)
    assert w.view.messages[0].message.content == "Remember this chat"


def test_context_gauge_counts_the_draft(qtbot, chat_window):
    w = chat_window
    send(qtbot, w, "Hello")
    used = w.composer.used
    assert used > 0 and w.composer.n_ctx == w.engine.info.n_ctx
    qtbot.keyClicks(w.composer.edit, "a much longer draft message that is still being typed " * 3)
    qtbot.waitUntil(lambda: w.composer.used > used + 20, timeout=10_000)
    assert f"/ {w.engine.info.n_ctx:,} tokens" in w.composer.gauge_label.text()


def test_a_refused_store_write_gives_the_text_back(qtbot, chat_window):
    w = chat_window
    send(qtbot, w, "Hello")
    sid = w.controller.session_id

    def remove_for_good(store):
        store.delete_session(sid)
        store.empty_trash()

    stored(w, remove_for_good)  # gone behind the window's back (another process, say)
    qtbot.keyClicks(w.composer.edit, "Are you there?")
    qtbot.keyClick(w.composer.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: f"no session {sid}" in w.status_line.message)
    assert w.composer.text() == "Are you there?" and not w.composer.busy
