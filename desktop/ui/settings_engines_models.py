"""The model manager's "Remote engines" tab: the models of the servers saved in Settings ▸ Engines.

Choosing one loads it like a local file: the bridge gets a remote model reference ("model @ URL")
and the engine behind it connects to that server (desktop.engine.remote_switch). Listing a server's
models is a network call, so it runs off the UI thread, and a server that cannot be reached says
why in one line.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QListWidget, QPushButton, QVBoxLayout, QWidget)

from desktop.engine import remote_store
from desktop.engine.remote import RemoteServer
from desktop.errors import HearthError
from desktop.models.identity import remote_reference
from desktop.ui.background import in_background
from desktop.ui.settings_engines import check_connection


class RemoteModelsTab(QWidget):
    load_requested = Signal(str)  # a remote model reference
    _listed = Signal(object)  # (engine name, (ok, line, model ids))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engines = QComboBox()
        self.engines.currentIndexChanged.connect(self.list_models)
        self.refresh_button, self.load_button = QPushButton(), QPushButton()
        self.load_button.setProperty("role", "primary")
        self.refresh_button.clicked.connect(self.list_models)
        self.load_button.clicked.connect(self.load_selected)
        self.models = QListWidget()
        self.models.itemSelectionChanged.connect(self._on_selection)
        self.models.itemDoubleClicked.connect(lambda _item: self.load_selected())
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top = QHBoxLayout()
        self.engine_label = QLabel()
        top.addWidget(self.engine_label)
        top.addWidget(self.engines, 1)
        top.addWidget(self.refresh_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.load_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.models, 1)
        layout.addLayout(bottom)
        self._listed.connect(self._on_listed)
        self._state: tuple[str, object] = ("", None)
        self.retranslate()
        self.refresh_engines()

    def refresh_engines(self) -> None:
        """Read the saved engines again (after Settings ▸ Engines changed them)."""
        current = self.engines.currentText()
        self.engines.blockSignals(True)
        self.engines.clear()
        for engine in remote_store.saved_engines():
            self.engines.addItem(engine.name, engine)
        self.engines.setCurrentIndex(max(self.engines.findText(current), 0))
        self.engines.blockSignals(False)
        self.models.clear()
        self._on_selection()
        self._show("none" if self.engines.count() == 0 else "", None)

    def list_models(self, *_args: object) -> None:
        engine = self.engines.currentData()
        if engine is None:
            return
        self.models.clear()
        self.refresh_button.setEnabled(False)
        self._show("listing", engine.name)
        in_background("hearth-engine-models", lambda: (engine.name, check_connection(engine)), self._listed)

    def _on_listed(self, result: object) -> None:
        name, (ok, line, models) = result
        self.refresh_button.setEnabled(True)
        if name != self.engines.currentText():
            return  # another engine was chosen meanwhile
        if not ok:
            self._show("error", line)
            return
        self.models.addItems(models)
        if models:
            self.models.setCurrentRow(0)
        self._show("listed", (line, len(models)))

    def _on_selection(self) -> None:
        self.load_button.setEnabled(bool(self.models.selectedItems()))

    def load_selected(self) -> None:
        engine, items = self.engines.currentData(), self.models.selectedItems()
        if engine is None or not items:
            return
        try:
            endpoint = RemoteServer(engine.url).base_url
        except HearthError as exc:
            self._show("error", str(exc))
            return
        self.load_requested.emit(remote_reference(endpoint, items[0].text()))

    def _show(self, state: str, detail: object) -> None:
        self._state = (state, detail)
        self.status.setProperty("role", {"error": "error", "listed": "ok"}.get(state, "hint"))
        self.status.style().polish(self.status)
        if state == "none":
            text = self.tr("No remote engines yet: add a server in Settings ▸ Remote engines (Ctrl+,).")
        elif state == "listing":
            text = self.tr("Asking {name} for its models…").format(name=detail)
        elif state == "listed":
            server, count = detail
            text = self.tr("{server}, models: {count}. Answers are generated on that server.").format(
                server=server, count=count)
        else:
            text = str(detail or "")
        self.status.setText(text)

    def retranslate(self) -> None:
        self.engine_label.setText(self.tr("Engine"))
        self.engines.setAccessibleName(self.tr("Remote engine"))
        self.models.setAccessibleName(self.tr("Models on the remote engine"))
        self.refresh_button.setText(self.tr("Refresh"))
        self.load_button.setText(self.tr("Load"))
        self._show(*self._state)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
