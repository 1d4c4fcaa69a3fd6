"""What the app says about the safety of the conversations: how many backups are kept (Settings),
a message that salvage re-attached (the conversation), a failed automatic backup (the status line,
once)."""
from __future__ import annotations

import threading

from desktop.store import backup
from desktop.ui.settings import Settings
from desktop.ui.settings_dialog import SettingsDialog
from tests.ui.chat_helpers import stored


def _settings_dialog(qtbot, window) -> SettingsDialog:
    window.actions["settings"].trigger()
    qtbot.waitUntil(lambda: bool(window.findChildren(SettingsDialog)))
    return window.findChildren(SettingsDialog)[0]


def test_the_number_of_backups_kept_is_a_setting_the_running_backups_follow(qtbot, window):
    window.daily_backups = backup.DailyBackups(stored(window, lambda s: s.path), keep=window.settings.backups_kept)
    dialog = _settings_dialog(qtbot, window)
    assert dialog.backups_kept.value() == 7 and "once a day" in dialog.backups_note.text()
    dialog.backups_kept.setValue(3)
    assert Settings.load().backups_kept == 3 and window.daily_backups.keep == 3
    dialog.close()


def _reattached_conversation(store) -> tuple[int, int]:
    """A conversation as salvage leaves it when its first exchange lay on a damaged page."""
    sid = store.create_session()
    question = store.add_message(sid, "user", "a question that was lost")
    answer = store.add_message(sid, "assistant", "an answer that was lost", parent_id=question.id)
    follow = store.add_message(sid, "user", "a follow-up that came back", parent_id=answer.id)
    with store.transaction() as conn:
        conn.execute("UPDATE messages SET parent_id = NULL WHERE id = ?", (follow.id,))
        conn.execute("INSERT INTO salvage_marks(message_id, note) VALUES (?, 'its earlier message was lost')",
                     (follow.id,))
    return sid, follow.id


def test_a_message_salvage_reattached_says_its_earlier_message_was_lost(qtbot, window):
    sid, follow = stored(window, _reattached_conversation)
    plain = stored(window, lambda s: s.add_message(s.create_session(), "user", "an ordinary chat"))
    window.controller.open_session(sid)
    qtbot.waitUntil(lambda: [w.message.id for w in window.view.messages] == [follow])
    [widget] = window.view.messages
    assert widget.reattached_note.isVisibleTo(widget)  # (the window shows its welcome page: no model)
    assert widget.reattached_note.text() == "Recovered: its earlier message was lost"
    # The conversation's first question survived too: the ‹ › leads to it, as a part, not an alternative.
    assert widget.branch_label.isVisibleTo(widget) and widget.branch_label.text() == "part 2/2"
    assert widget.previous_branch.toolTip().startswith("Earlier part")
    widget.previous_branch.click()
    qtbot.waitUntil(lambda: [w.message.role for w in window.view.messages] == ["user", "assistant"])
    first = window.view.messages[0]
    assert first.branch_label.text() == "part 1/2" and not first.reattached_note.isVisibleTo(first)
    assert first.next_branch.toolTip().startswith("Later part")
    window.controller.open_session(plain.session_id)
    qtbot.waitUntil(lambda: [w.message.id for w in window.view.messages] == [plain.id])
    assert not window.view.messages[0].reattached_note.isVisibleTo(window.view.messages[0])


def test_a_failed_automatic_backup_is_shown_once_in_the_status_line(qtbot, window):
    path = stored(window, lambda s: s.path)
    stored(window, lambda s: s.add_message(s.create_session(), "user", "worth keeping"))
    backup.folder_for(path).write_text("a file where the backups folder should be")
    daily = backup.DailyBackups(path, on_error=window.notice_posted.emit)
    worker = threading.Thread(target=daily.check)  # as on the backups' own thread
    worker.start()
    worker.join(timeout=60)
    qtbot.waitUntil(lambda: window.status_line.message.startswith("the backup to "), timeout=60_000)
    assert "\n" not in window.status_line.message and "unchanged" in window.status_line.message
    window.status_line.show_message("")
    daily.check()  # the next hour's retry fails again, on this thread (a notice would show at once): not said again
    assert window.status_line.message == ""
    backup.folder_for(path).unlink()
