"""The chat list: date groups, live search with snippets, pin, rename, delete with undo."""
import time
from datetime import datetime

from desktop.ui.sidebar import date_group
from tests.ui.chat_helpers import stored


def seed_chats(window, titles_and_ages):
    """Chats made directly in the store: (title, first message, age in days)."""

    def make(store):
        ids = []
        for title, text, age in titles_and_ages:
            sid = store.create_session(title=title)
            store.add_message(sid, "user", text)
            stamp = time.time() - age * 86400
            with store.transaction() as conn:
                conn.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (stamp, sid))
            ids.append(sid)
        return ids

    return stored(window, make)


def rows(window):
    return [window.sidebar.list.item(i).text() for i in range(window.sidebar.list.count())]


def test_date_groups():
    now = datetime(2026, 3, 10, 15, 0).timestamp()
    day = 86400
    assert date_group(now - 60, False, now) == "today"
    assert date_group(now - day, False, now) == "yesterday"
    assert date_group(now - 3 * day, False, now) == "week"
    assert date_group(now - 30 * day, False, now) == "older"
    assert date_group(now - 30 * day, True, now) == "pinned"
    midnight = datetime(2026, 3, 10).timestamp()
    assert date_group(midnight + 1, False, now) == "today"
    assert date_group(midnight - 1, False, now) == "yesterday"


def test_sessions_are_listed_under_date_headings(qtbot, window):
    seed_chats(window, [("Old one", "ancient", 40), ("Recent", "fresh", 0), ("Last week", "week", 4),
                        ("Yesterday's", "y", 1 + 2 / 24)])
    window.sidebar.refresh()
    qtbot.waitUntil(lambda: len(window.sidebar.items()) == 4)
    assert rows(window) == ["Today", "Recent", "Yesterday", "Yesterday's", "Previous 7 days", "Last week",
                            "Older", "Old one"]


def test_live_search_shows_matching_chats_with_snippets(qtbot, window):
    seed_chats(window, [("Cooking", "How long do I boil an egg?", 0), ("Travel", "Trains to Lyon", 0)])
    window.sidebar.refresh()
    qtbot.waitUntil(lambda: len(window.sidebar.items()) == 2)
    window.actions["search"].trigger()
    assert window.sidebar.search_box.hasFocus()
    qtbot.keyClicks(window.sidebar.search_box, "boil")
    qtbot.waitUntil(lambda: len(window.sidebar.items()) == 1)
    assert "Cooking" in rows(window)[0] and "«boil»" in rows(window)[0]
    window.sidebar.search_box.clear()
    qtbot.waitUntil(lambda: len(window.sidebar.items()) == 2)


def test_search_without_matches_says_so(qtbot, window):
    seed_chats(window, [("Cooking", "eggs", 0)])
    qtbot.keyClicks(window.sidebar.search_box, "zebra")
    qtbot.waitUntil(lambda: bool(rows(window)) and "No chats match" in rows(window)[0])


def test_pin_moves_a_chat_to_the_top(qtbot, window):
    old, _new = seed_chats(window, [("Old", "a", 20), ("New", "b", 0)])
    window.sidebar.pin(old)
    qtbot.waitUntil(lambda: rows(window)[:2] == ["Pinned", "Old"], timeout=5000)


def test_rename_in_place(qtbot, window):
    (sid,) = seed_chats(window, [("Before", "a", 0)])
    window.sidebar.refresh()
    qtbot.waitUntil(lambda: window.sidebar.item_for(sid) is not None)
    window.sidebar.item_for(sid).setText("After")  # what the inline editor does on Enter
    qtbot.waitUntil(lambda: stored(window, lambda s: s.get_session(sid).title) == "After")


def test_delete_then_undo_restores_the_chat(qtbot, window):
    keep, gone = seed_chats(window, [("Keep", "a", 0), ("Gone", "b", 0)])
    window.sidebar.refresh()
    qtbot.waitUntil(lambda: len(window.sidebar.items()) == 2)
    window.sidebar.delete(gone)
    assert window.sidebar.item_for(gone) is None
    assert window.sidebar.undo_bar.isVisible()
    qtbot.waitUntil(lambda: stored(window, lambda s: s.get_session(gone).deleted_at) is not None)
    window.sidebar.undo_bar.button.click()
    qtbot.waitUntil(lambda: window.sidebar.item_for(gone) is not None)
    assert stored(window, lambda s: s.get_session(gone).deleted_at) is None
    assert not window.sidebar.undo_bar.isVisible()


def test_deleting_the_open_chat_leaves_it(qtbot, window):
    (sid,) = seed_chats(window, [("Open me", "hello there", 0)])
    window.sidebar.refresh()
    qtbot.waitUntil(lambda: window.sidebar.item_for(sid) is not None)
    window.sidebar.list.itemClicked.emit(window.sidebar.item_for(sid))
    qtbot.waitUntil(lambda: len(window.view.messages) == 1)
    window.sidebar.delete(sid)
    assert window.controller.session_id is None and window.view.messages == []


def test_delete_key_deletes_the_selected_chat(qtbot, window):
    from PySide6.QtCore import Qt

    keep, gone = seed_chats(window, [("Keep", "a", 0), ("Gone", "b", 0)])
    window.sidebar.refresh()
    qtbot.waitUntil(lambda: len(window.sidebar.items()) == 2)
    window.activateWindow()
    window.sidebar.list.setFocus()
    window.sidebar.list.setCurrentItem(window.sidebar.item_for(gone))
    qtbot.waitUntil(window.sidebar.list.hasFocus)
    qtbot.keyClick(window.sidebar.list, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: stored(window, lambda s: s.get_session(gone).deleted_at) is not None)
    assert window.sidebar.item_for(keep) is not None and window.sidebar.undo_bar.isVisible()
