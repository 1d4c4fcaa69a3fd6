"""The chat list: date groups, live search with snippets, pin, rename, delete with undo."""
import time
from datetime import datetime, timedelta

from PySide6.QtCore import Qt

from desktop.ui import sidebar
from desktop.ui.sidebar import SESSION_ID, date_group
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
    yesterday_noon = datetime.combine(datetime.now().date() - timedelta(days=1), datetime.min.time()) + timedelta(hours=12)
    days_ago = (datetime.now() - yesterday_noon).total_seconds() / 86400  # yesterday at any hour of today
    seed_chats(window, [("Old one", "ancient", 40), ("Recent", "fresh", 0), ("Last week", "week", 4),
                        ("Yesterday's", "y", days_ago)])
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


def seed_busy_and_quiet(window, word: str, busy: int = 3, repeats: int = 25):
    """Conversations that say `word` many times beside one that says it once (the issue's shape)."""

    def make(store):
        ids = []
        for n in range(busy):
            sid = store.create_session(title=f"busy {n}")
            for i in range(repeats):
                store.add_message(sid, "user", f"{word} number {i}")
            ids.append(sid)
        quiet = store.create_session(title="quiet")
        store.add_message(quiet, "user", f"just once: {word}")
        return [quiet, *ids[::-1]]

    return stored(window, make)


def test_search_lists_every_matching_chat_beside_busy_ones(qtbot, window, monkeypatch):
    from desktop.store import search

    monkeypatch.setattr(search, "COMMON_MATCHES", 20)  # the busy chats make the words "common"
    english = seed_busy_and_quiet(window, "weather")
    chinese = seed_busy_and_quiet(window, "天气")
    for word, ids in (("weather", english), ("天气", chinese)):
        window.sidebar.search_box.setText(word)  # as an input method enters it (keyClicks is ASCII only)
        qtbot.waitUntil(lambda: [i.data(SESSION_ID) for i in window.sidebar.items()] == ids)
        assert f"«{word}»" in rows(window)[0] and rows(window)[0].startswith("quiet\n")
        assert [h.matches for h in window.sidebar.hits] == [1, 25, 25, 25]


def test_scrolling_to_the_end_of_the_results_fetches_the_next_page(qtbot, window, monkeypatch):
    monkeypatch.setattr(sidebar, "SEARCH_PAGE", 4)

    def make(store):
        ids = []
        for n in range(40):
            sid = store.create_session(title=f"note {n}")
            store.add_message(sid, "user", f"kettle {n}")
            ids.append(sid)
        return ids[::-1]

    ids = stored(window, make)
    qtbot.keyClicks(window.sidebar.search_box, "kettle")
    shown = lambda: [i.data(SESSION_ID) for i in window.sidebar.items()]  # noqa: E731
    qtbot.waitUntil(lambda: len(shown()) >= 4)
    bar = window.sidebar.list.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    qtbot.wait(100)
    assert len(shown()) < 40  # one page, or as many as fill the list: not everything at once
    while len(shown()) < 40:
        qtbot.waitUntil(lambda: bar.maximum() > bar.value())  # the last page is laid out
        before = len(shown())
        bar.setValue(bar.maximum())
        qtbot.waitUntil(lambda: len(shown()) > before)
    assert shown() == ids
    qtbot.wait(100)
    assert shown() == ids  # the last page ended it: nothing fetched twice


def test_choosing_a_match_on_another_branch_opens_that_branch(qtbot, window):
    def make(store):
        sid = store.create_session(title="Animals")
        old = store.add_message(sid, "user", "Tell me about otters")
        store.add_message(sid, "assistant", "Otters hold hands while they sleep.")
        store.edit_message(old.id, "Tell me about beavers")  # the otters leave the active branch
        return sid

    sid = stored(window, make)
    qtbot.keyClicks(window.sidebar.search_box, "hold hands")
    qtbot.waitUntil(lambda: len(window.sidebar.items()) == 1)
    item = window.sidebar.items()[0]
    rect = window.sidebar.list.visualItemRect(item)
    qtbot.mouseClick(window.sidebar.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: [m.content for m in window.controller.path] ==
                    ["Tell me about otters", "Otters hold hands while they sleep."])
    assert window.controller.session_id == sid
    assert [m.content for m in stored(window, lambda s: s.active_path(sid))][0] == "Tell me about otters"
