"""File ▸ Restore from backup…: the backups listed with dates and sizes, restored without freezing the window."""
from desktop.store import backup
from desktop.ui.restore_dialog import RestoreDialog
from tests.ui.chat_helpers import stored


def _dialog(qtbot, window) -> RestoreDialog:
    window.actions["restore_backup"].trigger()
    qtbot.waitUntil(lambda: bool(window.findChildren(RestoreDialog)))
    return window.findChildren(RestoreDialog)[0]


def test_restore_from_the_file_menu_brings_back_the_backed_up_chats(qtbot, window):
    path = stored(window, lambda s: s.path)
    for n in range(3):
        stored(window, lambda s, n=n: s.add_message(s.create_session(), "user", f"kept chat {n}"))
    backup.backup(path)
    stored(window, lambda s: s.add_message(s.create_session(), "user", "written after the backup"))
    window.sidebar.refresh()
    qtbot.waitUntil(lambda: len(window.sidebar.items()) == 4)

    dialog = _dialog(qtbot, window)
    assert dialog.isVisible() and dialog.table.rowCount() == 1
    assert dialog.table.item(0, 1).text().endswith("KB") and dialog.restore_button.isEnabled()
    dialog.restore_selected(confirm=False)
    qtbot.waitUntil(lambda: "Restored the backup from" in dialog.status.text(), timeout=20_000)
    assert "before-restore" in dialog.status.text()
    qtbot.waitUntil(lambda: len(window.sidebar.items()) == 3)
    assert dialog.table.rowCount() == 2  # the safety backup of what was replaced is listed too
    assert dialog.table.item(0, 2).text() == "before a restore"
    dialog.close()


def test_back_up_now_and_an_empty_list(qtbot, window):
    dialog = _dialog(qtbot, window)
    assert dialog.table.rowCount() == 0 and "No backups yet" in dialog.status.text()
    assert not dialog.restore_button.isEnabled()
    dialog.back_up_now()
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Backed up to"), timeout=20_000)
    assert dialog.table.rowCount() == 1 and dialog.table.item(0, 2).text() == "by hand"
    dialog.close()
