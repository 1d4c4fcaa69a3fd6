"""`hearth` with no subcommand: open the window first, then start the engine and read the store.

The window must be on screen within a fraction of a second, so nothing slow happens before
`show()`: llama.cpp is never imported in this process (it runs in the engine's worker process),
and loading the model and listing the chats start from the event loop once the window is visible.
"""
from __future__ import annotations

import importlib
import os
import sys
import threading

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from desktop import __version__
from desktop.paths import resource_path


def run_app(model: str | None = None) -> int:
    """Run the desktop app; `model` is a catalog name or .gguf path to load at once."""
    check_display()
    if model:
        check_model(model)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    identify(app)
    window = start(app, model)
    code = app.exec()
    window.shut_down()
    return code


def identify(app: QApplication) -> None:
    """Name, version, icon, and the desktop entry's id, so Wayland/GNOME match the window to the
    installed menu entry (resources/linux/io.hearth.Hearth.desktop) and its icon."""
    app.setApplicationName("Hearth")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("io.hearth.Hearth")
    app.setWindowIcon(QIcon(str(resource_path("icons", "hearth.svg"))))


def check_display() -> None:
    """One clear line instead of Qt aborting the process when there is no screen to draw on."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        from desktop.errors import HearthError
        from desktop.ui.suggested_commands import suggested

        raise HearthError("there is no display to open the window on (DISPLAY and WAYLAND_DISPLAY are "
                          "unset); start Hearth from a desktop session, or chat in a terminal with "
                          f"`{suggested('chat')}`")


def check_model(model: str) -> None:
    """A mistyped model name or a missing file is one line on the terminal, before any window.
    (Fetching a catalog model that is not on disk yet happens later, off the UI thread.)"""
    from pathlib import Path

    from desktop.errors import HearthError
    from desktop.models.catalog import find

    path = Path(model).expanduser()
    if model.lower().endswith(".gguf") or os.sep in model or path.exists():
        if not path.is_file():
            raise HearthError(f"model file not found: {path}")
    else:
        find(model)  # raises HearthError listing the catalog names


def start(app: QApplication, model: str | None = None):
    """Build and show the main window, then queue the model load and the chat list."""
    from desktop.errors import HearthError
    from desktop.ui import i18n, theme
    from desktop.ui.engine_bridge import EngineBridge
    from desktop.ui.main_thread_gc import MainThreadGarbageCollector
    from desktop.ui.main_window import MainWindow
    from desktop.ui.settings import Settings
    from desktop.ui.store_bridge import StoreBridge

    sys.setswitchinterval(SWITCH_INTERVAL_S)
    collector = MainThreadGarbageCollector(app)
    collector.start()
    settings = Settings.load()
    theme.apply_theme(app, settings.theme, settings.font_size)
    try:
        i18n.set_language(app, settings.language)
    except HearthError as exc:
        settings.notice = str(exc)
    window = MainWindow(settings, StoreBridge(), EngineBridge())
    wanted = model or settings.last_model or first_run_model()
    if wanted:
        window.engine.last_options = settings.load_options(wanted)  # shows the chat, not the welcome
        window.show_welcome_if_needed()
    window.show()
    window.activateWindow()  # keyboard shortcuts need an active window, also where no window manager gives it one
    window.composer.edit.setFocus()
    if settings.notice:
        window.show_notice(settings.notice)

    def after_show() -> None:
        window.sidebar.refresh()
        window.store.call(lambda store: store.recovery_notice, then=window.show_notice)
        if wanted:
            window.load_model(wanted)
        if settings.api_enabled:
            window.local_api.start(settings.api_port)  # serves the model once it is loaded
        warm_in_background(RENDER_MODULES)
        warm_when_idle(window, LATER_MODULES)
        QTimer.singleShot(OUTBOX_RETRY_DELAY_MS, start_outbox_retrier)
        window.store.call(lambda store: store.path, then=start_daily_backups)

    def start_daily_backups(path) -> None:
        """At most one backup a day while the app runs, on its own thread (desktop/store/backup.py);
        a failure is shown once in the status line."""
        from desktop.store.backup import DailyBackups

        window.daily_backups = DailyBackups(path, keep=settings.backups_kept,
                                            on_error=window.notice_posted.emit).start()

    def start_outbox_retrier() -> None:
        """Feedback written while offline goes out once the network is back, while the app runs."""
        from desktop.ui.feedback_dialog import OutboxRetrier

        def begin(store) -> None:
            window.outbox_retrier = OutboxRetrier(store, settings, parent=window)
            window.outbox_retrier.start()

        window.store.call(lambda store: store, then=begin)

    QTimer.singleShot(0, after_show)
    return window


# Background threads (engine and store calls, imports) hand the interpreter back to the UI thread
# this often; Python's default of 5 ms lets two busy threads delay a repaint by a whole frame.
SWITCH_INTERVAL_S = 0.001
# Modules needed soon after start-up but slow to import, imported in the background so their cost
# never lands on the UI thread: what the first answer renders with, at once; jsonschema (a second
# on a slow machine, needed on the first JSON-mode edit) once the app has been idle a while, since
# an import holds the interpreter in long stretches that would make a streaming answer stutter.
RENDER_MODULES = ("desktop.ui.conversation.markdown",)  # its warm() builds the parser and lexers
LATER_MODULES = ("desktop.jsonmode.compile",)
WARM_IDLE_MS = 8000
# The feedback outbox is first retried this long after start-up, off the critical path.
OUTBOX_RETRY_DELAY_MS = 15000


def first_run_model() -> str | None:
    """The default catalog model when nothing was chosen yet but it is on disk: ./hearth-setup
    fetches it, so the first start after set-up opens ready to chat rather than on "No model
    loaded". Never a download here: without the file the welcome page offers the choices."""
    from desktop.models.catalog import DEFAULT_MODEL, find
    from desktop.models.fetch import is_present

    return DEFAULT_MODEL if is_present(find(DEFAULT_MODEL)) else None


def warm_when_idle(window, names: tuple[str, ...]) -> None:
    """Import `names` in the background once no answer has streamed for WARM_IDLE_MS."""
    timer = QTimer(window, singleShot=True, interval=WARM_IDLE_MS)

    def pause(busy: bool) -> None:
        if busy:
            timer.stop()
        else:
            timer.start()

    def warm() -> None:
        window.controller.busy_changed.disconnect(pause)
        warm_in_background(names)

    timer.timeout.connect(warm)
    window.controller.busy_changed.connect(pause)
    timer.start()


def warm_in_background(names: tuple[str, ...]) -> None:
    threading.Thread(target=warm_imports, args=(names,), name="hearth-warm-imports", daemon=True).start()


def warm_imports(names: tuple[str, ...]) -> None:
    for name in names:
        try:
            module = importlib.import_module(name)
            if hasattr(module, "warm"):
                module.warm()
        except ImportError:
            pass  # the module reports its own problem when it is really used
