"""Helpers for the chat tests: act as a user would, and read the store the way the app wrote it."""
from __future__ import annotations

from PySide6.QtCore import Qt

from desktop.engine.types import SamplingParams

FAST = SamplingParams(temperature=0.0, max_tokens=40, seed=7)


def make_window(qtbot, client):
    """The app's main window around a shared engine client, shown, with short quick answers."""
    from desktop.ui.engine_bridge import EngineBridge
    from desktop.ui.main_window import MainWindow
    from desktop.ui.settings import Settings
    from desktop.ui.store_bridge import StoreBridge

    # One thread: the test machine is shared, and llama.cpp threads spin badly on a busy CPU.
    window = MainWindow(Settings(threads=1), StoreBridge(), EngineBridge(client=client))
    qtbot.addWidget(window)
    window.show()
    window.controller.params = FAST
    return window


def send(qtbot, window, text: str, wait: bool = True) -> None:
    """Type a message and press Enter; with wait, until the answer is finished and stored."""
    window.composer.edit.setFocus()
    qtbot.keyClicks(window.composer.edit, text)
    qtbot.keyClick(window.composer.edit, Qt.Key.Key_Return)
    if wait:
        qtbot.waitUntil(lambda: window.controller.answer is not None, timeout=10_000)
        wait_idle(qtbot, window)


def wait_idle(qtbot, window, timeout: int = 60_000) -> None:
    """Until no answer is streaming and the store has caught up with the last one."""
    qtbot.waitUntil(lambda: not window.composer.busy, timeout=timeout)
    window.store.call(lambda s: None).result(timeout=10)
    qtbot.wait(50)  # let the store's answers reach the UI thread
    window.store.call(lambda s: None).result(timeout=10)
    qtbot.wait(20)


def stored(window, fn):
    """Run `fn(store)` on the store thread and return its result (tests only: it waits)."""
    return window.store.call(fn).result(timeout=10)
