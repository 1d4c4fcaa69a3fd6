"""Import and export from the File menu, and the dialogs the window opens."""
import json

from PySide6.QtCore import Qt

from desktop.engine.types import SamplingParams
from desktop.jsonmode.constraint import Constraint
from desktop.ui.feedback_dialog import FeedbackDialog
from desktop.ui.model_manager import ModelManagerDialog
from desktop.ui.settings_dialog import SettingsDialog
from tests.ui.chat_helpers import send, stored, wait_idle


def test_export_then_import_gives_the_chat_back(qtbot, chat_window, tmp_path):
    w = chat_window
    send(qtbot, w, "Export me")
    out = tmp_path / "chat.json"
    w.export_chat(str(out))
    qtbot.waitUntil(out.exists)
    document = json.loads(out.read_text())
    assert "Export me" in out.read_text() and document
    md = tmp_path / "chat.md"
    w.export_chat(str(md))
    qtbot.waitUntil(md.exists)
    assert "Export me" in md.read_text()
    before = len(stored(w, lambda s: s.list_sessions()))
    w.import_chats(str(out))
    qtbot.waitUntil(lambda: len(w.sidebar.items()) == before + 1)
    # one chat, not "1 chats"; and the same file twice is said, not silently duplicated (issue 24.15)
    assert w.status_line.message == "Imported one chat. It was already here, so it is now listed twice."


def test_bad_export_name_and_bad_import_are_one_line_messages(qtbot, window, tmp_path):
    window.export_chat(str(tmp_path / "chat.docx"))
    qtbot.waitUntil(lambda: "use a name ending in" in window.status_line.message)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    window.import_chats(str(broken))
    qtbot.waitUntil(lambda: "nothing was imported" in window.status_line.message)
    assert "\n" not in window.status_line.message


def test_ctrl_comma_opens_settings_and_the_model_menu_opens_the_manager(qtbot, window):
    window.activateWindow()
    window.actions["settings"].trigger()
    qtbot.waitUntil(lambda: bool(window.findChildren(SettingsDialog)))
    assert window.findChildren(SettingsDialog)[0].isVisible()
    window.findChildren(SettingsDialog)[0].close()
    window.actions["models"].trigger()
    qtbot.waitUntil(lambda: bool(window.findChildren(ModelManagerDialog)))
    manager = window.findChildren(ModelManagerDialog)[0]
    assert manager.isVisible()
    # let its background checks (model scan, build info) answer before the window goes away
    qtbot.waitUntil(lambda: manager.table.rowCount() > 0 and bool(manager.build_label.text()), timeout=60_000)
    manager.close()


def test_thumbs_down_opens_the_feedback_dialog_for_that_answer(qtbot, chat_window):
    w = chat_window
    send(qtbot, w, "Tell me a fact")
    answer = w.view.messages[1]
    answer.thumb_down.click()
    qtbot.waitUntil(lambda: bool(w.findChildren(FeedbackDialog)))
    dialog = w.findChildren(FeedbackDialog)[0]
    assert dialog.isVisible()
    dialog.close()
    assert stored(w, lambda s: s.get_message(answer.message.id).rating) == -1


def test_help_menu_opens_feedback(qtbot, window):
    window.actions["feedback"].trigger()
    qtbot.waitUntil(lambda: bool(window.findChildren(FeedbackDialog)))
    window.findChildren(FeedbackDialog)[0].close()


def test_json_mode_answers_are_pretty_printed_with_a_valid_badge(qtbot, chat_window):
    w = chat_window
    w.controller.constraint = Constraint("json_object")
    w.controller.params = SamplingParams(temperature=0.0, max_tokens=60, seed=3)
    send(qtbot, w, "Give a JSON object with a name and an age.")
    answer = w.view.messages[1]
    stored_answer = stored(w, lambda s: s.get_message(answer.message.id))
    assert stored_answer.finish_reason == "stop" and stored_answer.metrics["json_valid"] is True
    assert answer.badge.isVisible() and answer.badge.text() == "✓ Valid JSON"
    assert answer.body.text.startswith("```json\n{\n  ")  # re-indented with two spaces
    assert json.loads(answer.body.text.strip("`json\n")) == json.loads(stored_answer.content)


def test_generation_settings_are_kept_with_the_session(qtbot, chat_window):
    w = chat_window
    send(qtbot, w, "Hello")
    sid = w.controller.session_id
    w.panel.set_values(SamplingParams(temperature=0.3, max_tokens=16, seed=5), None, "Be brief.")
    w.panel.changed.emit(SamplingParams(temperature=0.3, max_tokens=16, seed=5), None, "Be brief.")
    qtbot.waitUntil(lambda: stored(w, lambda s: s.get_session(sid).system_prompt) == "Be brief.")
    assert stored(w, lambda s: s.get_session(sid).params)["temperature"] == 0.3
    w.actions["new_chat"].trigger()
    w.sidebar.list.itemClicked.emit(w.sidebar.item_for(sid))
    qtbot.waitUntil(lambda: w.controller.session_id == sid and w.controller.system_prompt == "Be brief.")
    assert w.controller.params.temperature == 0.3 and w.panel.values()[2] == "Be brief."


def test_auto_scroll_pauses_when_the_user_scrolls_up(qtbot, chat_window):
    w = chat_window
    w.resize(760, 360)
    w.controller.params = SamplingParams(temperature=0.8, max_tokens=600, seed=2)
    send(qtbot, w, "Write a long story about a lighthouse keeper, with many chapters.", wait=False)
    bar = w.view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 40, timeout=60_000)
    assert bar.value() == bar.maximum()  # following the answer
    bar.setValue(0)  # the user scrolls up to read
    assert not w.view.following
    top_max = bar.maximum()
    qtbot.waitUntil(lambda: bar.maximum() > top_max + 30 or not w.composer.busy, timeout=60_000)
    assert bar.value() == 0  # the text grew below, the view stayed where the user put it
    w.controller.stop()
    wait_idle(qtbot, w)
    bar.setValue(bar.maximum())
    assert w.view.following


def test_message_context_menu_feedback_opens_the_dialog(qtbot, chat_window):
    w = chat_window
    send(qtbot, w, "Hi there")
    w.view.messages[1].feedback_requested.emit(w.view.messages[1].message.id)  # "Send feedback…"
    qtbot.waitUntil(lambda: bool(w.findChildren(FeedbackDialog)))
    w.findChildren(FeedbackDialog)[0].close()


def test_an_invalid_schema_in_the_panel_holds_the_message_back(qtbot, chat_window):
    w = chat_window
    w.panel.json_mode.setCurrentIndex(w.panel.json_mode.findData("json_schema"))
    w.panel.schema_edit.setPlainText('{"type": "object", "properties": ')  # still being typed
    qtbot.waitUntil(lambda: bool(w.panel.problem()))
    qtbot.keyClicks(w.composer.edit, "Invent a person")
    qtbot.keyClick(w.composer.edit, Qt.Key.Key_Return)
    assert w.status_line.message == w.panel.problem()
    assert w.composer.text() == "Invent a person" and w.controller.answer is None
