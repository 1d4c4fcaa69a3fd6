"""The list of chats: New chat, live search, sessions grouped by date, pin, rename, delete with undo.

Search results are conversations, a page at a time: scrolling to the end of the list fetches the
next page. Choosing a result opens the conversation at the matching message's branch.

Everything the sidebar asks of the store goes through the StoreBridge, so a large history or a
slow disk never freezes typing in the search box. Deleting moves a chat to the store's trash and
offers Undo for a while; the trash is emptied only by an explicit action elsewhere.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem,
                               QMenu, QPushButton, QVBoxLayout, QWidget)

from desktop.ui.clear_icon import ClearIcon
from desktop.ui.store_bridge import StoreBridge

SEARCH_DELAY_MS = 150
SEARCH_PAGE = 50  # conversations fetched per search page; scrolling to the end asks for the next
UNDO_SECONDS = 10
SESSION_ID = Qt.ItemDataRole.UserRole
MESSAGE_ID = Qt.ItemDataRole.UserRole + 2  # on a search result: the matching message
GROUP_ORDER = ("pinned", "today", "yesterday", "week", "older")
MIN_WIDTH_PX = 160


def date_group(updated_at: float, pinned: bool, now: float | None = None) -> str:
    """Which heading a session sits under: pinned, today, yesterday, week (previous 7 days), older."""
    if pinned:
        return "pinned"
    today = datetime.fromtimestamp(now if now is not None else time.time()).replace(
        hour=0, minute=0, second=0, microsecond=0)
    day = datetime.fromtimestamp(updated_at)
    if day >= today:
        return "today"
    if day >= today - timedelta(days=1):
        return "yesterday"
    if day >= today - timedelta(days=7):
        return "week"
    return "older"


class UndoBar(QFrame):
    """"Chat deleted — Undo", shown for a few seconds after a delete."""

    undo_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("undoBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.label = QLabel(self)
        self.label.setWordWrap(True)  # a longer translation wraps instead of widening the sidebar
        self.button = QPushButton(self)
        self.button.setObjectName("undoButton")
        self.button.clicked.connect(self._undo)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        self.session_id: int | None = None
        self._timer = QTimer(self, singleShot=True, interval=UNDO_SECONDS * 1000)
        self._timer.timeout.connect(self.hide)
        self.retranslate()
        self.hide()

    def offer(self, session_id: int) -> None:
        self.session_id = session_id
        self.show()
        self._timer.start()

    def _undo(self) -> None:
        self.hide()
        if self.session_id is not None:
            self.undo_requested.emit(self.session_id)
            self.session_id = None

    def retranslate(self) -> None:
        self.label.setText(self.tr("Chat deleted."))
        self.button.setText(self.tr("Undo"))
        self.button.setAccessibleName(self.tr("Undo delete"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def minimumSizeHint(self) -> QSize:
        """Never wider than the sidebar's own minimum: showing the bar must not widen the window."""
        return QSize(0, super().minimumSizeHint().height())


class Sidebar(QFrame):
    session_chosen = Signal(int)
    match_chosen = Signal(int, int)  # a search result: session id, the matching message's id
    new_chat_requested = Signal()
    session_deleted = Signal(int)
    session_restored = Signal(int)

    def __init__(self, store: StoreBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Sidebar")
        self.setMinimumWidth(MIN_WIDTH_PX)
        self.store = store
        self.current: int | None = None
        self.sessions: list = []
        self.hits: list = []
        self._more_hits = False  # the last search page was full: there may be another
        self._fetching = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.setSpacing(8)
        self.new_chat = QPushButton(self)
        self.new_chat.setObjectName("newChat")
        self.new_chat.clicked.connect(self.new_chat_requested)
        self.search_box = QLineEdit(self)
        self.search_box.setObjectName("searchBox")
        self.clear_icon = ClearIcon(self.search_box)  # a × that shows on the dark theme too
        self.list = QListWidget(self)
        self.list.setObjectName("sessionList")
        self.list.setWordWrap(False)  # one line a title, elided: rows keep their height whatever the width
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.list.itemActivated.connect(self._chosen)
        self.list.itemClicked.connect(self._chosen)
        self.list.itemChanged.connect(self._renamed)
        self.list.verticalScrollBar().valueChanged.connect(self._scrolled)
        for key, slot in ((QKeySequence.StandardKey.Delete, self._delete_selected), (Qt.Key.Key_F2, self._rename_selected)):
            QShortcut(QKeySequence(key), self.list, slot, context=Qt.ShortcutContext.WidgetShortcut)
        self.undo_bar = UndoBar(self)
        self.undo_bar.undo_requested.connect(self.restore)
        for w in (self.new_chat, self.search_box, self.list, self.undo_bar):
            layout.addWidget(w)
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._run_search)
        self.search_box.textChanged.connect(self._search_timer.start)
        self.retranslate()

    # -- loading ---------------------------------------------------------------------------------

    @property
    def query(self) -> str:
        return self.search_box.text().strip()

    def refresh(self) -> None:
        """Reload the list (or the search results) from the store."""
        if self.query:
            self._run_search()
        else:
            self.store.call(lambda s: s.list_sessions(), then=self._show_sessions)

    def _run_search(self) -> None:
        query = self.query
        if not query:
            self.hits = []
            self.refresh()
            return
        self._fetch(query, 0, then=lambda hits: self._show_hits(query, hits))

    def _scrolled(self, value: int) -> None:
        if value >= self.list.verticalScrollBar().maximum():
            self.fetch_more()

    def fetch_more(self) -> None:
        """The next page of search results, appended below the ones shown."""
        if not self.query or not self._more_hits or self._fetching:
            return
        query, offset = self.query, len(self.hits)
        self._fetch(query, offset, then=lambda hits: self._add_hits(query, offset, hits))

    def _fetch(self, query: str, offset: int, then) -> None:
        """One page of results, and one more hit to tell whether another page follows."""
        self._fetching = True
        self.store.call(lambda s: s.search(query, limit=SEARCH_PAGE + 1, offset=offset), then=then)

    def _show_sessions(self, sessions: list) -> None:
        if self.query:
            return  # the user started searching meanwhile
        self.sessions = sessions
        self.hits = []
        self.list.blockSignals(True)
        self.list.clear()
        now = time.time()
        groups: dict[str, list] = {key: [] for key in GROUP_ORDER}
        for session in sessions:
            groups[date_group(session.updated_at, session.pinned, now)].append(session)
        titles = self._group_titles()
        for key in GROUP_ORDER:
            if not groups[key]:
                continue
            header = QListWidgetItem(titles[key])
            header.setFlags(Qt.ItemFlag.NoItemFlags)
            font = QFont(header.font())
            font.setBold(True)
            header.setFont(font)
            header.setData(Qt.ItemDataRole.UserRole + 1, "header")
            self.list.addItem(header)
            for session in groups[key]:
                self.list.addItem(self._item(session.id, session.title or self.tr("New chat")))
        self.list.blockSignals(False)
        self._select_current()

    def _show_hits(self, query: str, hits: list) -> None:
        if query != self.query:
            return  # an older search answered late
        self.hits = []
        self.list.blockSignals(True)
        self.list.clear()
        self.list.blockSignals(False)
        self._add_hits(query, 0, hits)
        if not hits:
            self.list.blockSignals(True)
            empty = QListWidgetItem(self.tr("No chats match “{query}”.").format(query=query))
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.list.addItem(empty)
            self.list.blockSignals(False)
        self._select_current()

    def _add_hits(self, query: str, offset: int, hits: list) -> None:
        self._fetching = False
        if query != self.query or offset != len(self.hits):
            return  # an older search, or a page already shown
        self._more_hits, hits = len(hits) > SEARCH_PAGE, hits[:SEARCH_PAGE]
        self.hits += hits
        self.list.blockSignals(True)
        for hit in hits:
            item = self._item(hit.session.id, f"{hit.session.title or self.tr('New chat')}\n{hit.snippet}")
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            item.setData(MESSAGE_ID, hit.message_id)
            self.list.addItem(item)
        self.list.blockSignals(False)
        self._select_current()
        if self._more_hits:
            QTimer.singleShot(0, self._fill)  # once the list is laid out

    def _fill(self) -> None:
        """A page that does not fill the list leaves nothing to scroll: fetch the next one now."""
        if self.list.verticalScrollBar().maximum() == 0:
            self.fetch_more()

    def _item(self, session_id: int, text: str) -> QListWidgetItem:
        item = QListWidgetItem(text)
        item.setData(SESSION_ID, session_id)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        item.setToolTip(text)
        return item

    def items(self) -> list[QListWidgetItem]:
        """The rows that stand for sessions (not the date headings)."""
        rows = (self.list.item(i) for i in range(self.list.count()))
        return [row for row in rows if row.data(SESSION_ID) is not None]

    def item_for(self, session_id: int) -> QListWidgetItem | None:
        return next((row for row in self.items() if row.data(SESSION_ID) == session_id), None)

    def set_current(self, session_id: int | None) -> None:
        self.current = session_id
        self._select_current()

    def _select_current(self) -> None:
        item = self.item_for(self.current) if self.current is not None else None
        self.list.blockSignals(True)
        if item is None:
            self.list.clearSelection()
        else:
            self.list.setCurrentItem(item)
        self.list.blockSignals(False)

    # -- actions ---------------------------------------------------------------------------------

    def _chosen(self, item: QListWidgetItem) -> None:
        session_id, message_id = item.data(SESSION_ID), item.data(MESSAGE_ID)
        if session_id is not None and message_id is not None:
            self.current = session_id
            self.match_chosen.emit(session_id, message_id)  # even in the open chat: maybe another branch
        elif session_id is not None and session_id != self.current:
            self.current = session_id
            self.session_chosen.emit(session_id)

    def session(self, session_id: int | None):
        """The listed session with this id, if the list holds it."""
        return next((s for s in self.sessions if s.id == session_id), None)

    def _context_menu(self, pos) -> None:
        item = self.list.itemAt(pos)
        if item is None or item.data(SESSION_ID) is None:
            return
        session_id = item.data(SESSION_ID)
        session = self.session(session_id)
        menu = QMenu(self)
        pinned = bool(session and session.pinned)
        menu.addAction(self.tr("Unpin") if pinned else self.tr("Pin"), lambda: self.pin(session_id, not pinned))
        menu.addAction(self.tr("Rename"), lambda: self.list.editItem(item))
        menu.addSeparator()
        menu.addAction(self.tr("Delete"), lambda: self.delete(session_id))
        menu.exec(self.list.viewport().mapToGlobal(pos))

    def pin(self, session_id: int, pinned: bool = True) -> None:
        self.store.call(lambda s: s.update_session(session_id, pinned=pinned), then=lambda _: self.refresh())

    def rename(self, session_id: int, title: str) -> None:
        title = " ".join(title.split())
        if title:
            self.store.call(lambda s: s.update_session(session_id, title=title), then=lambda _: self.refresh())

    def _renamed(self, item: QListWidgetItem) -> None:
        session_id = item.data(SESSION_ID)
        session = self.session(session_id)
        if session is not None and item.text() != session.title:
            self.rename(session_id, item.text())

    def _selected(self) -> QListWidgetItem | None:
        item = self.list.currentItem()
        return item if item is not None and item.data(SESSION_ID) is not None else None

    def _delete_selected(self) -> None:
        item = self._selected()
        if item is not None:
            self.delete(item.data(SESSION_ID))

    def _rename_selected(self) -> None:
        item = self._selected()
        if item is not None and item.flags() & Qt.ItemFlag.ItemIsEditable:
            self.list.editItem(item)

    def delete(self, session_id: int) -> None:
        """Move a chat to the trash and offer Undo."""
        item = self.item_for(session_id)
        if item is not None:
            self.list.takeItem(self.list.row(item))
        self.store.call(lambda s: s.delete_session(session_id), then=lambda _: self.refresh())
        self.undo_bar.offer(session_id)
        self.session_deleted.emit(session_id)

    def restore(self, session_id: int) -> None:
        self.store.call(lambda s: s.restore_session(session_id), then=lambda _: self._restored(session_id))

    def _restored(self, session_id: int) -> None:
        self.refresh()
        self.session_restored.emit(session_id)

    def minimumSizeHint(self) -> QSize:
        """A fixed minimum: what the rows show never moves the splitter (nor the window's size)."""
        return QSize(MIN_WIDTH_PX, super().minimumSizeHint().height())

    def focus_search(self) -> None:
        self.search_box.setFocus()
        self.search_box.selectAll()

    # -- language --------------------------------------------------------------------------------

    def _group_titles(self) -> dict[str, str]:
        return {"pinned": self.tr("Pinned"), "today": self.tr("Today"), "yesterday": self.tr("Yesterday"),
                "week": self.tr("Previous 7 days"), "older": self.tr("Older")}

    def retranslate(self) -> None:
        self.new_chat.setText(self.tr("+  New chat"))
        self.new_chat.setToolTip(self.tr("New chat (Ctrl+N)"))
        self.new_chat.setAccessibleName(self.tr("New chat"))
        self.search_box.setPlaceholderText(self.tr("Search chats (Ctrl+F)"))
        self.search_box.setAccessibleName(self.tr("Search chats"))
        self.list.setAccessibleName(self.tr("Chats"))
        if self.sessions and not self.query:
            self._show_sessions(self.sessions)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
