"""Issue 24: what went wrong in an hour of real use, each at the sizes and in the languages it broke.

Every test acts as the user did (keys, wheel, window sizes, language switches) on the real window.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from desktop.engine.types import SamplingParams
from desktop.jsonmode.constraint import Constraint
from desktop.ui.i18n import set_language
from tests.ui.chat_helpers import send, stored, wait_idle

SIZES = [(1200, 780), (800, 600)]


@pytest.fixture(params=["en", "zh_CN"])
def language(request, qapp):
    set_language(qapp, request.param)
    yield request.param
    set_language(qapp, "en")


def settle(qtbot, ms: int = 50) -> None:
    QApplication.processEvents()
    qtbot.wait(ms)


def wheel(widget, steps: int = -3) -> None:
    """A wheel turn over the middle of `widget` (negative: scroll down)."""
    centre = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(centre, widget.mapToGlobal(centre), QPoint(), QPoint(0, 120 * steps),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


# -- 1. Stop strings is not a keyboard trap ---------------------------------------------------------

def test_tab_leaves_stop_strings_and_blank_stop_strings_are_refused(qtbot, window):
    panel = window.panel
    panel.stop.setFocus()
    qtbot.keyClick(panel.stop, Qt.Key.Key_Tab)
    assert panel.stop.toPlainText() == "" and not panel.stop.hasFocus()
    panel.stop.setPlainText("\t\t")  # pasted, say: shown as a problem, never saved as a stop string
    qtbot.waitUntil(lambda: panel.stop_error.isVisible(), timeout=2000)
    assert "line 1" in panel.stop_error.text() and panel.problem() == panel.stop_error.text()
    with qtbot.assertNotEmitted(panel.changed, wait=400):
        panel.stop.setPlainText("\t\t\t")
    panel.stop.setPlainText("\\t")  # written visibly: a real tab stop string
    with qtbot.waitSignal(panel.changed, timeout=2000) as changed:
        pass
    assert changed.args[0].stop == ["\t"] and panel.problem() is None


# -- 2. The wheel over a closed control scrolls the panel --------------------------------------------

@pytest.mark.parametrize("size", SIZES)
def test_wheel_over_the_preset_list_scrolls_the_panel_and_changes_nothing(qtbot, window, size):
    window.resize(*size)
    window.panel.show()
    window.panel.resize(300, 400)
    settle(qtbot)
    panel = window.panel
    bar = panel._scroll.verticalScrollBar()
    before = (panel.preset.currentIndex(), panel.temperature.value(), panel.json_mode.currentIndex())
    for control in (panel.preset, panel.temperature, panel.json_mode):
        wheel(control)
    assert (panel.preset.currentIndex(), panel.temperature.value(), panel.json_mode.currentIndex()) == before
    assert bar.maximum() == 0 or bar.value() > 0


# -- 3. A new chat does not inherit JSON Schema mode --------------------------------------------------

def test_a_new_chat_starts_with_json_mode_off_and_a_constraint_shows_by_the_composer(qtbot, window):
    schema = Constraint("json_schema", schema={"type": "object"})
    window.panel.set_values(SamplingParams(), schema, "")
    window.controller.set_generation(SamplingParams(), schema, "")
    label = window.composer.constraint_label
    assert not label.isHidden() and "JSON Schema" in label.text()
    window.new_chat()
    assert window.controller.constraint is None and window.panel.json_mode.currentData() == "off"
    assert label.isHidden()


# -- 4. Message rows wrap inside the view -------------------------------------------------------------

@pytest.mark.parametrize("size", SIZES)
def test_long_answers_stats_and_branches_stay_inside_the_view(qtbot, window, language, size):
    from desktop.store.records import Message

    window.resize(*size)
    window.centre.setCurrentWidget(window.chat_area)
    long_text = "这是一个很长的中文回答，没有空格也必须换行。" * 30 + " https://example.org/" + "x" * 300
    metrics = {"completion_tokens": 123456, "decode_tok_s": 12.3, "ttft_s": 0.45, "prompt_tokens": 99}
    question = Message(id=1, session_id=1, parent_id=None, role="user", content=long_text, created_at=0.0)
    answer = Message(id=2, session_id=1, parent_id=1, role="assistant", content=long_text, created_at=0.0,
                     finished_at=1.0, model_file="a-model-with-a-rather-long-file-name.Q4_K_M.gguf",
                     finish_reason="length", metrics=metrics)
    window.view.show_transcript([(question, [1]), (answer, [2, 3, 4])])
    settle(qtbot, 100)
    viewport = window.view.viewport().width()
    for widget in window.view.messages:
        assert widget.geometry().right() <= viewport
        assert widget.stats.geometry().right() <= widget.width()
    assert window.view.messages[1].branch_label.isVisible()
    assert "123456" in window.view.messages[1].stats.full_text


# -- 5. The window never resizes itself; panels fold; dialogs fit a 1366x768 screen ------------------

@pytest.mark.parametrize("size", SIZES)
def test_the_window_keeps_its_size_through_panel_schema_and_undo(qtbot, window, language, size):
    window.resize(*size)
    settle(qtbot)
    window.centre.setCurrentWidget(window.chat_area)
    assert window.centre.width() >= 400  # the conversation keeps room: the panel folds at 800 px
    for _ in range(2):
        window.toggle_panel()
        settle(qtbot)
        assert (window.width(), window.height()) == size
    window.panel.show()
    window.panel.json_mode.setCurrentIndex(window.panel.json_mode.findData("json_schema"))
    settle(qtbot)
    window.sidebar.undo_bar.offer(1)
    settle(qtbot)
    assert (window.width(), window.height()) == size
    assert window.panel.width() <= window.width()


def test_the_panel_comes_back_when_the_window_widens(qtbot, window):
    window.resize(800, 600)
    settle(qtbot)
    assert not window.panel.isVisible()
    window.resize(1200, 780)
    settle(qtbot)
    assert window.panel.isVisible() and window.centre.width() >= 420


def test_settings_dialog_fits_each_language_after_switching(qtbot, window, qapp):
    from PySide6.QtWidgets import QCheckBox

    from desktop.ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(window.settings, None, window)
    qtbot.addWidget(dialog)
    dialog.show()
    for code in ("zh_CN", "en"):
        set_language(qapp, code)
        settle(qtbot)
        assert dialog.width() <= 1366 and dialog.height() <= 768
        for box in dialog.findChildren(QCheckBox):
            assert box.width() >= box.sizeHint().width(), box.text()  # no text cut off
    dialog.close()


def test_every_dialog_fits_a_small_laptop_screen(qtbot, window, language):
    from desktop.ui.convert_dialog import ConvertDialog
    from desktop.ui.feedback_dialog import FeedbackDialog
    from desktop.ui.model_manager import ModelManagerDialog
    from desktop.ui.settings_dialog import SettingsDialog

    dialogs = [SettingsDialog(window.settings, None, window), ConvertDialog(window),
               FeedbackDialog(window.store, parent=window, settings=window.settings),
               ModelManagerDialog(window.settings, window.engine, window)]
    for dialog in dialogs:
        dialog.show()
        settle(qtbot)
        assert dialog.width() <= 1366 and dialog.height() <= 740, type(dialog).__name__
        assert dialog.minimumSizeHint().height() <= 740, type(dialog).__name__
        dialog.close()
    qtbot.waitUntil(lambda: dialogs[3].table.rowCount() >= 0 and bool(dialogs[3].build_label.text()), timeout=60_000)


# -- 6. Status messages are elided beside the model label ---------------------------------------------

@pytest.mark.parametrize("size", SIZES)
def test_a_long_status_message_is_elided_with_the_whole_text_in_its_tooltip(qtbot, window, language, size):
    window.resize(*size)
    settle(qtbot)
    text = "Schema: line 1, column 2: Expecting property name enclosed in double quotes " * 4
    window.status_line.show_message(text)
    settle(qtbot)
    line, model = window.status_line, window.model_status
    assert line.geometry().right() < model.geometry().left()
    assert line.text().endswith("…") and line.toolTip() == text and line.message == " ".join(text.split())
    assert (window.width(), window.height()) == size


# -- 7. A stopped answer keeps its figures; the gauge never reads 0 for a real conversation ----------

def test_a_stopped_answer_keeps_its_counts_time_to_first_token_and_seed(qtbot, chat_window):
    w = chat_window
    w.controller.params = SamplingParams(temperature=0.8, max_tokens=2000, seed=None)
    send(qtbot, w, "Write a very long story about a dragon.", wait=False)
    qtbot.waitUntil(lambda: w.controller.answer is not None and len(w.controller.answer.pieces) > 5,
                    timeout=30_000)
    w.controller.stop()
    wait_idle(qtbot, w)
    answer = stored(w, lambda s: s.active_path(w.controller.session_id))[-1]
    assert answer.finish_reason == "cancelled"
    assert answer.metrics["completion_tokens"] > 5 and answer.metrics["ttft_s"] > 0
    assert answer.metrics["prompt_tokens"] > 0 and answer.metrics["offload"]
    assert isinstance(answer.params["seed"], int) and answer.params["seed"] == answer.metrics["seed"]
    assert not w.view.messages[-1].stats.full_text.startswith("0 tokens")
    assert w.composer.used > 0
    w.composer.edit.setPlainText("a draft carried into a new chat")
    w.new_chat()
    qtbot.waitUntil(lambda: w.composer.used > 0, timeout=10_000)


# -- 13. Undo of a delete reopens the chat ------------------------------------------------------------

def test_undo_after_delete_reopens_the_chat_and_typing_continues_it(qtbot, chat_window):
    w = chat_window
    send(qtbot, w, "Remember me")
    sid = w.controller.session_id
    w.sidebar.refresh()
    qtbot.waitUntil(lambda: w.sidebar.item_for(sid) is not None)
    w.sidebar.delete(sid)
    qtbot.waitUntil(lambda: w.controller.session_id is None)
    w.sidebar.undo_bar.button.click()
    qtbot.waitUntil(lambda: w.controller.session_id == sid and len(w.view.messages) == 2, timeout=10_000)
    send(qtbot, w, "And again")
    assert w.controller.session_id == sid and len(w.view.messages) == 4


# -- 14. Editing a question: the same keys as the composer, and the editor in view -------------------

def test_editing_a_question_uses_enter_to_send_and_scrolls_to_the_editor(qtbot, chat_window):
    w = chat_window
    for text in ("First question", "Second", "Third"):
        send(qtbot, w, text)
    question = w.view.messages[0]
    question.edit_button.click()
    settle(qtbot, 100)
    bar = w.view.verticalScrollBar()
    top = question.editor.mapTo(w.view.widget(), QPoint(0, 0)).y()
    assert bar.value() <= top <= bar.value() + w.view.viewport().height()
    assert "Enter" in question.editor.placeholderText()
    assert question.editor.textCursor().atEnd()  # typing goes after the question, not before it
    question.editor.selectAll()
    qtbot.keyClicks(question.editor, "Edited")
    qtbot.keyClick(question.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert question.editor.toPlainText() == "Edited\n"
    qtbot.keyClick(question.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: w.controller.answer is not None, timeout=10_000)
    wait_idle(qtbot, w)
    assert w.view.messages[0].message.content == "Edited"


# -- 15. Import counts, duplicates, export names and the last folder ---------------------------------

# (the import message and a repeated import: tests/ui/test_files_and_dialogs.py)

def test_export_proposes_the_chat_title_in_the_last_folder(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from desktop.ui.chat_files import export_name

    assert export_name("Paris: the capital?") == "Paris the capital.md"
    assert export_name("") == "chat.md"
    seen = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (seen.append(a[2]), (str(tmp_path / "x.json"), ""))[1]))
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (seen.append(a[2]), ("", ""))[1]))
    window.import_chats()
    window.export_chat()
    assert seen[1].startswith(str(tmp_path)) and window.settings.last_folder == str(tmp_path)


# -- 17. The model manager closes and reopens without Qt warnings ------------------------------------

def test_reopening_the_model_manager_warns_nothing(qtbot, window, capfd):
    for _ in range(3):
        window.open_model_manager()
        settle(qtbot)
        window._model_manager.close()
    manager = window._model_manager
    qtbot.waitUntil(lambda: bool(manager.build_label.text()) and "Checking" not in manager.build_label.text(),
                    timeout=60_000)
    assert "Failed to disconnect" not in capfd.readouterr().err


def test_the_sidebar_keeps_its_width_across_actions(qtbot, window):
    settle(qtbot)
    width = window.sidebar.width()
    window.sidebar.undo_bar.offer(1)
    window.status_line.show_message("x" * 500)
    window.toggle_panel()
    settle(qtbot)
    window.toggle_panel()
    settle(qtbot)
    assert window.sidebar.width() == width


# -- 16. The dark theme: Send's focus ring and the clear/close crosses are visible -------------------

def _contrast(a, b) -> float:
    return max(abs(a.red() - b.red()), abs(a.green() - b.green()), abs(a.blue() - b.blue()))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_focus_ring_on_send_and_the_clear_cross_stand_out(qtbot, qapp, scheme):
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QPushButton

    from desktop.ui.sidebar import Sidebar
    from desktop.ui.store_bridge import StoreBridge
    from desktop.ui.theme import apply_theme

    palette, sheet = qapp.palette(), qapp.styleSheet()
    try:
        apply_theme(qapp, scheme, 11)
        button = QPushButton("Send")
        button.setProperty("role", "primary")
        qtbot.addWidget(button)
        button.resize(90, 34)
        button.show()
        unfocused = button.grab().toImage()
        button.setFocus()
        qtbot.waitUntil(button.hasFocus)
        focused = button.grab().toImage()
        edge = [(x, 1) for x in range(10, 80)]
        assert max(_contrast(unfocused.pixelColor(x, y), focused.pixelColor(x, y)) for x, y in edge) > 60
        sidebar = Sidebar(StoreBridge(), None)
        qtbot.addWidget(sidebar)
        icon = sidebar.clear_icon.action().icon().pixmap(32, 32).toImage()
        base = sidebar.search_box.palette().color(QPalette.ColorRole.Base)
        assert max(_contrast(icon.pixelColor(16, 16), base) for _ in [0]) > 120  # the cross's centre
    finally:
        qapp.setPalette(palette)
        qapp.setStyleSheet(sheet)
        qapp.setProperty("hearthScheme", None)


# -- 18.3. The UI thread never runs SQLite ------------------------------------------------------------

def test_the_feedback_dialog_never_touches_the_store_on_the_ui_thread(qtbot, chat_window):
    from desktop.ui.feedback_dialog import FeedbackDialog

    w = chat_window
    send(qtbot, w, "Tell me a fact")
    store = stored(w, lambda s: s)
    assert store.forbidden_thread is not None  # the bridge's store refuses the UI thread...
    with pytest.raises(RuntimeError, match="must never wait on SQLite"):
        store.list_sessions()  # ...as the old dialog's .result() + SQLite on this thread would have
    w.view.messages[1].thumb_down.click()
    qtbot.waitUntil(lambda: bool(w.findChildren(FeedbackDialog)))
    dialog = w.findChildren(FeedbackDialog)[0]
    qtbot.waitUntil(lambda: dialog.loaded and bool(dialog.preview.toPlainText()), timeout=10_000)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.item is not None, timeout=10_000)
    assert dialog.item.status == "draft" and "Draft" in dialog.status.text()
    dialog.close()


def test_unloading_goes_through_the_engine_bridge(qtbot, chat_window):
    w = chat_window
    with qtbot.waitSignal(w.engine.unloaded, timeout=30_000):
        w.engine.unload()
    assert w.engine.info is None and w.engine.last_options is None
    assert w.centre.currentWidget() is w.chat_area or not w.has_model()


# -- 9. A catalog model loaded from elsewhere is "on this computer" ----------------------------------

def test_the_catalog_knows_a_copy_of_its_model_outside_the_models_folder(qtbot, models_folder, smollm_path):
    from desktop.models.catalog import CATALOG
    from desktop.ui.engine_bridge import EngineBridge
    from desktop.ui.model_manager import ModelManagerDialog
    from desktop.ui.settings import Settings

    settings = Settings()
    settings.remember_model(smollm_path)  # opened from its own folder, not the models folder
    bridge = EngineBridge()
    dialog = ModelManagerDialog(settings, bridge)
    qtbot.addWidget(dialog)
    row = next(i for i, e in enumerate(CATALOG) if e.sha256 and e.size_bytes == smollm_path.stat().st_size)
    status = dialog.downloads.table
    qtbot.waitUntil(lambda: status.item(row, 3).text() == "on this computer", timeout=30_000)
    dialog.downloads.table.selectRow(row)
    assert dialog.downloads.download_button.text() == "Use this model"
    with qtbot.waitSignal(dialog.downloads.downloaded) as used:
        dialog.downloads.download_button.click()
    assert used.args == [str(smollm_path.resolve())] or Path(used.args[0]).resolve() == smollm_path.resolve()
    dialog.close()
    bridge.close()


# -- 12. Redactions counted once per secret; titles cut at a word -------------------------------------

def test_the_same_address_in_two_places_of_a_report_is_one_redaction():
    from desktop.feedback.redaction import redact_payload, summarize

    payload = {"description": "mail jane@example.org", "conversation": [{"content": "I am jane@example.org"}],
               "prompt": [{"content": "I am jane@example.org, or bob@example.org"}]}
    clean, hits = redact_payload(payload)
    assert "jane@example.org" not in str(clean)
    assert summarize(hits) == [{"what": "e-mail addresses", "count": 2}]  # jane and bob, not 4


def test_a_long_description_is_cut_at_a_word_and_keeps_the_model_name():
    from desktop.feedback.report import ReportRequest, _title

    title = _title(ReportRequest(kind="bug", description="word " * 60), {"file": "smollm2-135m.gguf"})
    assert title.endswith("… (smollm2-135m.gguf)") and len(title) <= 120 and "wor…" not in title
