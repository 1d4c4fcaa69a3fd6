"""The main window: chats on the left, the conversation in the centre, generation settings on the right.

The window only wires parts together: the sidebar, the chat controller, the engine and store
bridges, and the panels (welcome page, generation panel, settings and model dialogs). It never
waits on the engine or the store; both answer through signals.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (QApplication, QFileDialog, QLabel, QMainWindow, QMessageBox, QSplitter, QStackedWidget,
                               QVBoxLayout, QWidget)

from desktop import __version__
from desktop.engine.types import ModelInfo
from desktop.models.identity import display_name
from desktop.ui.chat_files import export_filters, export_name, import_chats, write_export
from desktop.ui.composer import Composer
from desktop.ui.conversation.controller import ChatController
from desktop.ui.conversation.view import ConversationView
from desktop.ui.crash_banner import CrashBanner
from desktop.ui.device_text import device_text
from desktop.ui.engine_bridge import EngineBridge
from desktop.ui.generation_panel import GenerationPanel
from desktop.ui.local_api import LocalApi
from desktop.ui.settings import Settings
from desktop.ui.sidebar import Sidebar
from desktop.ui.status_line import StatusLine
from desktop.ui.store_bridge import StoreBridge
from desktop.ui.welcome import WelcomePage

# Widths below which the window makes room for the conversation instead of growing (item 24.5):
# the generation panel folds away first, then the sidebar narrows.
CHAT_MIN_PX = 420
SIDEBAR_PX, SIDEBAR_MIN_PX = 260, 180
PANEL_PX = 300


def gguf_in(urls) -> str | None:
    """The first local .gguf file among dropped URLs."""
    for url in urls:
        if url.isLocalFile() and url.toLocalFile().lower().endswith(".gguf"):
            return url.toLocalFile()
    return None


class MainWindow(QMainWindow):
    notice_posted = Signal(str)  # a one-line notice from any thread (a failed automatic backup)

    def __init__(self, settings: Settings, store: StoreBridge, engine: EngineBridge) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.settings, self.store, self.engine = settings, store, engine
        self.setWindowTitle("Hearth")
        self.setAcceptDrops(True)
        self.resize(1200, 780)
        self.setMinimumSize(640, 480)  # explicit: the layout's minimum never makes the window grow

        self.sidebar = Sidebar(store, self)
        self.banner = CrashBanner(self)
        self.view = ConversationView(self)
        self.composer = Composer(self)
        chat = QWidget(self)
        chat.setObjectName("chatArea")
        column = QVBoxLayout(chat)
        column.setContentsMargins(12, 8, 12, 12)
        column.setSpacing(8)
        for w in (self.banner, self.view, self.composer):
            column.addWidget(w)
        column.setStretch(1, 1)
        self.chat_area = chat
        self.centre = QStackedWidget(self)
        self.centre.addWidget(chat)
        self.welcome = WelcomePage(settings, self)
        self.centre.addWidget(self.welcome)
        self.panel = GenerationPanel(settings, self)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        for w in (self.sidebar, self.centre, self.panel):
            self.splitter.addWidget(w)
        for index, stretch in enumerate((0, 1, 0)):  # only the conversation takes or gives width
            self.splitter.setStretchFactor(index, stretch)
        self.splitter.setCollapsible(1, False)
        self.splitter.setSizes([SIDEBAR_PX, 1200 - SIDEBAR_PX - PANEL_PX, PANEL_PX])
        self._panel_wanted = True  # the user's choice (Ctrl+Shift+P); narrow windows fold it meanwhile
        self.setCentralWidget(self.splitter)

        self._model_manager = None
        self.daily_backups = None  # started by the app once the store is open (desktop/store/backup.py)
        self.local_api = LocalApi(engine, self)  # the settings' "Local API server" switch
        self.controller = ChatController(self.view, self.composer, self.banner, store, engine, self)
        self.status_line = StatusLine(self.statusBar())
        self.model_status = QLabel(self)
        self.statusBar().addPermanentWidget(self.model_status)
        self._connect()
        self._build_menus()
        self.retranslate()
        self.show_welcome_if_needed()

    def _connect(self) -> None:
        c = self.controller
        self.notice_posted.connect(self.show_notice)  # queued onto the UI thread when posted elsewhere
        self.sidebar.new_chat_requested.connect(self.new_chat)
        self.sidebar.session_chosen.connect(self._open_session)
        self.sidebar.match_chosen.connect(self._open_session)
        self.sidebar.session_deleted.connect(c.forget_session)
        self.sidebar.session_restored.connect(self._open_session)
        c.sessions_changed.connect(self._sessions_changed)
        c.session_opened.connect(lambda s: self.panel.set_values(s.params, s.json_mode, s.system_prompt))
        c.problem.connect(self.status_line.show_message)
        c.feedback_requested.connect(self.open_feedback)
        self.store.failed.connect(self.status_line.show_message)
        self.panel.changed.connect(c.set_generation)
        c.settings_problem = self.panel.problem  # a schema being typed that is not valid yet
        self.panel.manage_models_requested.connect(self.open_model_manager)
        self.welcome.model_chosen.connect(self.load_model)
        self.engine.load_started.connect(self._loading)
        self.engine.loaded.connect(self._loaded)
        self.engine.load_failed.connect(self._load_failed)

    def _build_menus(self) -> None:
        """Menus and shortcuts; texts are set in retranslate."""
        bar = self.menuBar()
        self.file_menu, self.model_menu, self.help_menu = bar.addMenu(""), bar.addMenu(""), bar.addMenu("")
        self.actions: dict[str, QAction] = {}

        def action(key: str, menu, slot, shortcut: QKeySequence | str | None = None) -> QAction:
            act = QAction(self)
            act.triggered.connect(slot)
            if shortcut is not None:
                act.setShortcut(QKeySequence(shortcut))
                act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            menu.addAction(act)
            self.actions[key] = act
            return act

        action("new_chat", self.file_menu, self.new_chat, "Ctrl+N")
        action("search", self.file_menu, self.sidebar.focus_search, "Ctrl+F")
        action("focus", self.file_menu, self.focus_composer, "Ctrl+L")
        self.file_menu.addSeparator()
        action("import", self.file_menu, lambda: self.import_chats())
        action("export", self.file_menu, lambda: self.export_chat())
        action("restore_backup", self.file_menu, self.open_restore_backup)
        self.file_menu.addSeparator()
        action("settings", self.file_menu, self.open_settings, "Ctrl+,")
        self.file_menu.addSeparator()
        action("quit", self.file_menu, self.close, "Ctrl+Q")
        action("open_gguf", self.model_menu, self.open_gguf, "Ctrl+O")
        action("models", self.model_menu, self.open_model_manager, "Ctrl+M")
        action("panel", self.model_menu, self.toggle_panel, "Ctrl+Shift+P")
        action("feedback", self.help_menu, lambda: self.open_feedback(None))
        action("benchmark", self.help_menu, self.open_benchmark)
        action("about", self.help_menu, self.about)
        self.stop_shortcut = QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.controller.stop)
        self.stop_shortcut.setContext(Qt.ShortcutContext.WindowShortcut)

    # -- chats -----------------------------------------------------------------------------------

    def new_chat(self) -> None:
        self.controller.new_chat()
        self.sidebar.set_current(None)
        self.centre.setCurrentWidget(self.chat_area if self.has_model() else self.welcome)
        self.panel.set_values(self.controller.params, self.controller.constraint, self.controller.system_prompt)
        self.focus_composer()

    def _open_session(self, session_id: int, message_id: int | None = None) -> None:
        self.centre.setCurrentWidget(self.chat_area)
        self.controller.open_session(session_id, show=message_id)
        self.sidebar.set_current(session_id)

    def _sessions_changed(self) -> None:
        self.sidebar.set_current(self.controller.session_id)
        self.sidebar.refresh()

    def focus_composer(self) -> None:
        if self.centre.currentWidget() is self.chat_area:
            self.composer.edit.setFocus()

    def toggle_panel(self) -> None:
        """Show or hide the generation panel; in a narrow window the sidebar narrows to make room."""
        self._panel_wanted = not self.panel.isVisible()
        self.panel.setVisible(self._panel_wanted)
        if self._panel_wanted:
            self._fit_panels(prefer_panel=True)

    def _fit_panels(self, prefer_panel: bool = False) -> None:
        """Keep the conversation at least CHAT_MIN_PX wide without ever resizing the window."""
        total = self.splitter.width() - 2 * self.splitter.handleWidth()
        side = self.sidebar.width() if self.sidebar.isVisible() else 0
        panel_fits = total - max(min(side, SIDEBAR_PX), SIDEBAR_MIN_PX) - PANEL_PX >= CHAT_MIN_PX
        show_panel = self._panel_wanted and (panel_fits or prefer_panel)
        self.panel.setVisible(show_panel)
        panel = PANEL_PX if show_panel else 0
        side = max(SIDEBAR_MIN_PX, min(SIDEBAR_PX, total - panel - CHAT_MIN_PX))
        chat = max(total - side - panel, 0)
        self.splitter.setSizes([side, chat, panel])

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_panels()

    # -- models ----------------------------------------------------------------------------------

    def has_model(self) -> bool:
        return self.engine.info is not None or self.engine.last_options is not None

    def show_welcome_if_needed(self) -> None:
        self.centre.setCurrentWidget(self.chat_area if self.has_model() else self.welcome)

    def load_model(self, name_or_path: str) -> None:
        """Load a model file or catalog name with the user's load options; the window stays live."""
        self.engine.load(self.settings.load_options(name_or_path))

    def open_gguf(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open a GGUF model"), self.settings.folder_for(),
                                              self.tr("GGUF models (*.gguf);;All files (*)"))
        if path:
            self._remember_folder(path)
            self.load_model(path)

    def _remember_folder(self, path: str) -> None:
        """File dialogs open where the user last went, not in the home folder every time."""
        self.settings.remember_folder(path)
        try:
            self.settings.save()
        except OSError:
            pass  # only a convenience: the next dialog opens in the home folder

    def _loading(self, path: str) -> None:
        self._status_key = ("loading", display_name(path))
        self._show_model_status()
        self.centre.setCurrentWidget(self.chat_area)
        self.focus_composer()

    def _loaded(self, info: ModelInfo) -> None:
        name = display_name(info.path, suffix=False)  # what the user chose, unlike GGUF's general.name
        self._status_key = ("loaded", (name, info.offload))
        self._show_model_status()
        self.composer.set_model_name(name)
        self.panel.set_model(info)
        self.composer.set_gauge(self.composer.used, info.n_ctx)
        self.settings.remember_model(info.path)
        try:
            self.settings.save()
        except OSError as exc:
            self.status_line.show_message(self.tr("Could not save settings: {error}").format(error=exc))

    def _load_failed(self, message: str) -> None:
        self._status_key = ("failed", message)
        self._show_model_status()
        self.status_line.show_message(message, 15000)
        self.show_welcome_if_needed()

    def _show_model_status(self) -> None:
        kind, detail = getattr(self, "_status_key", ("none", ""))
        if kind == "loaded":  # translated now, so a language change shows at once
            detail = f"{detail[0]} · {device_text(detail[1])}"
        texts = {"none": self.tr("No model loaded"), "loading": self.tr("Loading {detail}…"),
                 "loaded": "{detail}", "failed": self.tr("Model not loaded: {detail}")}
        self.model_status.setText(texts[kind].format(detail=detail))

    # -- drag and drop ---------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and gguf_in(event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = gguf_in(event.mimeData().urls()) if event.mimeData().hasUrls() else None
        if path:
            event.acceptProposedAction()
            self.load_model(path)

    # -- files ---------------------------------------------------------------------------------

    def import_chats(self, path: str | None = None) -> None:
        """Import Hearth JSON, OpenAI JSONL or ChatGPT's conversations.json (all or nothing)."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, self.tr("Import chats"), self.settings.folder_for(),
                                                  self.tr("Chats (*.json *.jsonl);;All files (*)"))
            if path:
                self._remember_folder(path)
        if path:
            self.store.call(lambda s: import_chats(s, path), then=self._imported)

    def _imported(self, result: tuple[list[int], int]) -> None:
        ids, repeated = result
        text = self.tr("Imported one chat.") if len(ids) == 1 else self.tr("Imported {n} chats.").format(n=len(ids))
        if repeated:
            text += " " + (self.tr("It was already here, so it is now listed twice.") if len(ids) == 1 else
                           self.tr("{n} of them were already here, so they are now listed twice.").format(n=repeated))
        self.status_line.show_message(text, 12000)
        self.sidebar.refresh()

    def export_chat(self, path: str | None = None) -> None:
        """Export the open chat (every chat when none is open); the format follows the file name."""
        ids = [self.controller.session_id] if self.controller.session_id is not None else None
        if path is None:
            session = self.sidebar.session(self.controller.session_id) if ids else None
            name = export_name(session.title if session else "" if ids else self.tr("All chats"))
            path, _ = QFileDialog.getSaveFileName(self, self.tr("Export chat"),
                                                  str(Path(self.settings.folder_for()) / name), export_filters())
            if path:
                self._remember_folder(path)
        if path:
            self.store.call(lambda s: write_export(s, ids, path), then=self._exported)

    def _exported(self, path: Path) -> None:
        self.status_line.show_message(self.tr("Exported to {path}.").format(path=path), 8000)

    # -- dialogs ---------------------------------------------------------------------------------

    def open_settings(self) -> None:
        from desktop.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.settings, self.local_api, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.settings_changed.connect(self._settings_changed)
        dialog.open()

    def _settings_changed(self) -> None:
        if self.daily_backups is not None:
            self.daily_backups.keep = self.settings.backups_kept

    def open_restore_backup(self) -> None:
        from desktop.ui.restore_dialog import RestoreDialog

        def show(path: Path) -> None:
            dialog = RestoreDialog(path, self.settings.backups_kept, self)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.restored.connect(self.new_chat)
            dialog.restored.connect(self.sidebar.refresh)
            dialog.open()

        self.store.call(lambda s: s.path, then=show)

    def open_model_manager(self) -> None:
        from desktop.ui.model_manager import ModelManagerDialog  # numpy and gguf: imported when needed

        if self._model_manager is None:  # one instance: its background checks outlive a close
            self._model_manager = ModelManagerDialog(self.settings, self.engine, self)
            self._model_manager.unloaded.connect(self._unloaded)
        else:
            self._model_manager.rescan()
        self._model_manager.open()

    def _unloaded(self) -> None:
        self._status_key = ("none", "")
        self._show_model_status()
        self.panel.set_model(None)
        self.composer.set_model_name("")
        self.show_welcome_if_needed()

    def open_feedback(self, message_id: int | None, kind: str = "bug", benchmark_file: str | None = None,
                      parent: QWidget | None = None) -> None:
        """The feedback dialog for a message (thumbs-down, context menu) or the whole app (Help menu);
        it reads and writes the store through the store bridge, so nothing here waits."""
        from desktop.ui.feedback_dialog import FeedbackDialog

        dialog = FeedbackDialog(self.store, message_id=message_id, session_id=self.controller.session_id, kind=kind,
                                parent=parent or self, settings=self.settings)
        if benchmark_file:
            dialog.set_benchmark_file(benchmark_file)
        dialog.open()

    def open_benchmark(self) -> None:
        """Help ▸ Run a benchmark…, on the loaded model; its result opens as a benchmark report."""
        from desktop.ui.benchmark_dialog import BenchmarkDialog

        dialog = BenchmarkDialog(self.engine.info.path if self.engine.info else None, self, self.settings.threads)
        dialog.report_requested.connect(lambda path: self.open_feedback(None, "benchmark", path, parent=dialog))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def about(self) -> None:
        build = self.engine.build or {}
        backend = build.get("backend") or (device_text(self.engine.info.offload) if self.engine.info else self.tr("not started yet"))
        devices = ", ".join(d["name"] for d in build.get("devices", []))
        text = self.tr("<h3>Hearth {version}</h3><p>Offline chat with small local language models.</p>"
                       "<p>llama.cpp build: {backend}</p>").format(
            version=__version__, backend=f"{backend} ({devices})" if devices else backend)
        QMessageBox.about(self, self.tr("About Hearth"), text)

    # -- language --------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.file_menu.setTitle(self.tr("&File"))
        self.model_menu.setTitle(self.tr("&Model"))
        self.help_menu.setTitle(self.tr("&Help"))
        texts = {"new_chat": self.tr("New chat"), "search": self.tr("Search chats"),
                 "focus": self.tr("Focus the message box"), "settings": self.tr("Settings…"),
                 "quit": self.tr("Quit"), "import": self.tr("Import chats…"),
                 "export": self.tr("Export chat…"), "restore_backup": self.tr("Restore from backup…"), "open_gguf": self.tr("Open GGUF…"),
                 "models": self.tr("Model manager…"), "panel": self.tr("Show or hide generation settings"),
                 "feedback": self.tr("Send feedback…"), "benchmark": self.tr("Run a benchmark…"), "about": self.tr("About Hearth")}
        for key, text in texts.items():
            self.actions[key].setText(text)
        self.panel.setAccessibleName(self.tr("Generation settings"))
        self._show_model_status()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def closeEvent(self, event) -> None:
        self.controller.stop()
        super().closeEvent(event)

    def show_notice(self, notice: str | None) -> None:
        """A one-line notice for the user (a repaired database, say), if there is one."""
        if notice:
            self.status_line.show_message(notice, 30000)

    def shut_down(self) -> None:
        """Stop the engine worker and flush the store's queued writes (after the event loop ended)."""
        self.controller.stop()
        if self.local_api.running:
            self.local_api.stop(wait=True)
        self.engine.close()
        QApplication.processEvents()  # the stopped answer's last signals: its final save is queued
        self.store.close()
