"""The main window: start-up, focus, shortcuts, drag-and-drop, engine crash recovery, language."""
import os
import signal
import subprocess
import sys
import textwrap

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop.engine.types import SamplingParams
from tests.ui.chat_helpers import send, stored, wait_idle


def test_start_shows_hearth_with_the_composer_focused_and_no_llama_cpp(tmp_path, smollm_path):
    """A separate process, like `hearth --model X`: the title, the focus, llama.cpp kept out of the UI."""
    script = textwrap.dedent("""
        import sys
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        from desktop.ui.app import start
        app = QApplication([])
        window = start(app, sys.argv[1])
        def report():
            print(window.windowTitle(), window.isVisible(), window.composer.edit.hasFocus(),
                  "llama_cpp" in sys.modules)
            app.quit()
        QTimer.singleShot(300, report)
        app.exec()
        window.shut_down()
    """)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HEARTH_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", script, str(smollm_path)], env=env, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["Hearth", "True", "True", "False"], out.stderr


def test_start_with_a_model_loads_it_after_the_window_shows(qtbot, smollm_path):
    from desktop.ui.app import start

    window = start(QApplication.instance(), str(smollm_path))
    qtbot.addWidget(window)
    try:
        assert window.isVisible() and window.engine.info is None  # nothing waited for the engine
        assert window.centre.currentWidget() is window.chat_area
        qtbot.waitUntil(lambda: window.engine.info is not None, timeout=120_000)
        assert window.settings.last_model == str(smollm_path.resolve())
        assert "smollm2" in window.model_status.text().lower()
    finally:
        window.shut_down()


def test_welcome_page_when_no_model(window):
    assert window.centre.currentWidget() is window.welcome
    assert window.model_status.text() == "No model loaded"


def test_keyboard_shortcuts(qtbot, chat_window):
    w = chat_window
    send(qtbot, w, "Hi")
    qtbot.keyClick(w, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert w.sidebar.search_box.hasFocus()
    qtbot.keyClick(w, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert w.composer.edit.hasFocus()
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert w.view.messages == [] and w.controller.session_id is None and w.composer.edit.hasFocus()


def test_shift_enter_adds_a_line_and_enter_sends(qtbot, chat_window):
    w = chat_window
    qtbot.keyClicks(w.composer.edit, "line one")
    qtbot.keyClick(w.composer.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(w.composer.edit, "line two")
    assert w.composer.text() == "line one\nline two" and not w.composer.busy
    qtbot.keyClick(w.composer.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.controller.answer is not None, timeout=10_000)
    assert w.composer.stop_button.isVisible() and not w.composer.send_button.isVisible()
    wait_idle(qtbot, w)
    assert w.view.messages[0].message.content == "line one\nline two"


def drop_files(window, *paths):
    """Drag files over the window and drop them (Qt's handlers, as a drag from a file manager calls them)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    enter = QDragEnterEvent(QPoint(200, 200).toPointF(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    enter.ignore()
    window.dragEnterEvent(enter)
    drop = QDropEvent(QPoint(200, 200).toPointF(), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    drop.ignore()
    window.dropEvent(drop)
    return enter.isAccepted(), drop.isAccepted()


def test_dropping_a_gguf_file_loads_it(qtbot, window, smollm_path):
    assert window.acceptDrops()
    assert drop_files(window, smollm_path) == (True, True)
    qtbot.waitUntil(lambda: window.engine.info is not None, timeout=120_000)
    assert window.engine.info.path == str(smollm_path.resolve())
    assert window.centre.currentWidget() is window.chat_area


def test_dropping_other_files_is_refused(window, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    assert drop_files(window, text) == (False, False)
    assert window.engine.last_options is None


def test_engine_crash_shows_a_banner_and_restart_brings_it_back(qtbot, chat_window):
    w = chat_window
    send(qtbot, w, "First question")
    w.controller.params = SamplingParams(temperature=0.8, max_tokens=2000, seed=11)
    send(qtbot, w, "Now write a very long essay about rivers.", wait=False)
    qtbot.waitUntil(lambda: w.controller.answer is not None and len(w.controller.answer.pieces) > 3,
                    timeout=30_000)
    os.kill(w.engine.worker_pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: w.banner.isVisible(), timeout=10_000)
    assert "SIGKILL" in w.banner.message.text()
    wait_idle(qtbot, w)
    path = stored(w, lambda s: s.active_path(w.controller.session_id))
    assert [m.content for m in path[:3]] == ["First question", path[1].content, "Now write a very long essay about rivers."]
    assert path[3].finish_reason == "error" and path[3].content  # the partial answer survived
    assert len(w.view.messages) == 4  # the conversation is still on screen
    w.banner.restart_button.click()
    qtbot.waitUntil(lambda: w.engine.worker_pid is not None and not w.banner.isVisible(), timeout=60_000)
    qtbot.waitUntil(lambda: "smollm2" in w.model_status.text().lower(), timeout=60_000)
    w.controller.params = SamplingParams(temperature=0.0, max_tokens=8, seed=1)
    send(qtbot, w, "Are you back?")
    assert stored(w, lambda s: s.active_path(w.controller.session_id))[-1].finish_reason in ("stop", "length")


def test_about_names_the_version_and_the_build(qtbot, chat_window, monkeypatch):
    shown = {}
    monkeypatch.setattr(QMessageBox, "about", lambda parent, title, text: shown.update(title=title, text=text))
    chat_window.actions["about"].trigger()
    assert "Hearth 0.1.0" in shown["text"] and ("CPU" in shown["text"] or "CUDA" in shown["text"])


def test_switching_to_chinese_retranslates_the_window(qtbot, window):
    from desktop.ui.i18n import set_language

    app = QApplication.instance()
    try:
        set_language(app, "zh_CN")
        qtbot.waitUntil(lambda: window.composer.send_button.text() != "Send")
        assert window.windowTitle() == "Hearth"
        assert window.sidebar.new_chat.text() != "+  New chat"
    finally:
        set_language(app, "en")
    qtbot.waitUntil(lambda: window.composer.send_button.text() == "Send")


def test_welcome_page_choice_loads_the_model(qtbot, window, smollm_path):
    window.welcome.model_chosen.emit(str(smollm_path))
    qtbot.waitUntil(lambda: window.engine.info is not None, timeout=120_000)
    assert window.centre.currentWidget() is window.chat_area


def test_a_broken_model_file_is_one_line_in_the_status_bar(qtbot, window, broken_gguf):
    window.load_model(str(broken_gguf))
    qtbot.waitUntil(lambda: "Model not loaded" in window.model_status.text(), timeout=60_000)
    message = window.status_line.message
    assert message and "\n" not in message and "Traceback" not in message
    assert window.centre.currentWidget() is window.welcome


def test_switching_chats_while_an_answer_streams_keeps_it(qtbot, chat_window):
    w = chat_window
    send(qtbot, w, "First chat")
    first = w.controller.session_id
    w.actions["new_chat"].trigger()
    w.controller.params = SamplingParams(temperature=0.8, max_tokens=2000, seed=4)
    send(qtbot, w, "Write a long story about a fox.", wait=False)
    qtbot.waitUntil(lambda: w.controller.answer is not None and len(w.controller.answer.pieces) > 3,
                    timeout=30_000)
    second = w.controller.session_id
    w.sidebar.list.itemClicked.emit(w.sidebar.item_for(first))
    qtbot.waitUntil(lambda: w.controller.session_id == first and len(w.view.messages) == 2)
    wait_idle(qtbot, w)
    answer = stored(w, lambda s: s.active_path(second))[-1]
    assert answer.finish_reason == "cancelled" and answer.content


def test_controls_have_accessible_names(qtbot, chat_window):
    from PySide6.QtWidgets import QAbstractButton, QLineEdit, QPlainTextEdit

    w = chat_window
    send(qtbot, w, "Hi")
    core = [w.sidebar, w.view, w.composer, w.banner]
    controls = [c for area in core for kind in (QAbstractButton, QLineEdit, QPlainTextEdit)
                for c in area.findChildren(kind) if not isinstance(c.parent(), QLineEdit)]  # not Qt's own clear button
    unnamed = [f"{type(c).__name__}#{c.objectName()}" for c in controls
               if not (c.accessibleName() or (isinstance(c, QAbstractButton) and c.text().strip("‹›×")))]
    assert unnamed == [], unnamed


def test_no_display_is_one_line_not_a_crash(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["HEARTH_HOME"] = str(tmp_path)
    out = subprocess.run([sys.executable, "-m", "desktop"], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert out.stderr.startswith("hearth: error: there is no display") and out.stderr.count("\n") == 1


def test_unknown_model_name_is_one_line_before_any_window(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HEARTH_HOME": str(tmp_path)}
    for model, message in (("no-such-model", "unknown model 'no-such-model'"),
                           (str(tmp_path / "missing.gguf"), "model file not found")):
        out = subprocess.run([sys.executable, "-m", "desktop", "--model", model], env=env,
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 1 and message in out.stderr and out.stderr.count("\n") == 1


def test_the_app_retries_the_feedback_outbox_in_the_background(qtbot, monkeypatch):
    from desktop.ui import app as app_module
    from desktop.ui.feedback_dialog import OutboxRetrier

    monkeypatch.setattr(app_module, "OUTBOX_RETRY_DELAY_MS", 0)
    window = app_module.start(QApplication.instance())
    qtbot.addWidget(window)
    try:
        qtbot.waitUntil(lambda: isinstance(getattr(window, "outbox_retrier", None), OutboxRetrier), timeout=20_000)
        assert window.outbox_retrier._timer.isActive()
    finally:
        window.shut_down()


def test_the_app_carries_its_icon_and_the_menu_entrys_id():
    from desktop.paths import resource_path
    from desktop.ui.app import identify

    app = QApplication.instance()
    identify(app)
    assert not app.windowIcon().isNull()
    assert resource_path("linux", app.desktopFileName() + ".desktop").is_file()
