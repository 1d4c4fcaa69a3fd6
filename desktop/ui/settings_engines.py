"""Settings ▸ Engines: the OpenAI-compatible servers Hearth may run models on.

A person adds a server (name, URL, API key, a private CA file if its certificate needs one), tests
the connection and then picks its models in the model manager beside local files. Names and URLs
go to engines.json and the key to the system keyring or a private file (desktop.engine.
remote_store); the key field is never filled back in, never logged. Saving (a keyring may ask to be
unlocked) and testing (the network) run off the UI thread.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget)

from desktop.engine import remote_store
from desktop.engine.remote_store import SavedEngine
from desktop.errors import HearthError
from desktop.ui.background import in_background


def check_connection(engine: SavedEngine) -> tuple[bool, str, list[str]]:
    """(ok, one line, model ids) for a saved engine: runs on a background thread."""
    from desktop.engine.remote import RemoteEngine
    from desktop.engine.remote_servers import identify

    try:
        remote = RemoteEngine(engine.server(remote_store.api_key(engine.name)))
        try:
            entries = remote.list_models()
            kind = identify(entries, remote._routes(entries))
        finally:
            remote.close()
    except HearthError as exc:
        return False, str(exc), []
    return True, kind.name, [str(e["id"]) for e in entries]


class EngineDialog(QDialog):
    """Add (or replace) one engine: name, URL, API key, CA file."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name, self.url, self.key, self.ca_file = QLineEdit(), QLineEdit(), QLineEdit(), QLineEdit()
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.url.setPlaceholderText("http://gpu-box:8000/v1")
        self.browse = QPushButton()
        self.browse.clicked.connect(self._choose_ca)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_file, 1)
        ca_row.addWidget(self.browse)
        self.labels = [QLabel(), QLabel(), QLabel(), QLabel()]
        form = QFormLayout()
        for label, field in zip(self.labels, (self.name, self.url, self.key, ca_row)):
            form.addRow(label, field)
        self.note = QLabel()
        self.note.setProperty("role", "hint")
        self.note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)
        self.retranslate()

    def engine(self) -> SavedEngine:
        return SavedEngine(self.name.text().strip(), self.url.text().strip(), self.ca_file.text().strip() or None)

    def _choose_ca(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Certificate authority"), "",
                                              self.tr("Certificates (*.pem *.crt *.cer);;All files (*)"))
        if path:
            self.ca_file.setText(path)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Add a remote engine"))
        for label, text in zip(self.labels, (self.tr("Name"), self.tr("URL"), self.tr("API key"),
                                             self.tr("CA file"))):
            label.setText(text)
        self.name.setAccessibleName(self.tr("Engine name"))
        self.url.setAccessibleName(self.tr("Server URL"))
        self.key.setAccessibleName(self.tr("API key"))
        self.key.setPlaceholderText(self.tr("none"))
        self.ca_file.setAccessibleName(self.tr("Certificate authority file"))
        self.ca_file.setPlaceholderText(self.tr("only for a private certificate authority"))
        self.browse.setText(self.tr("Browse…"))
        self.note.setText(self.tr("Any OpenAI-compatible server: vLLM, llama-server, Ollama, LM Studio or "
                                  "another Hearth. The key is kept in the system keyring where there is one, "
                                  "else in a file only you can read; never in the settings file."))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


class EnginesBox(QGroupBox):
    """The saved engines, with Add, Remove and Test connection."""

    engines_changed = Signal()
    _saved = Signal(object)  # None, or a one-line error
    _tested = Signal(object)  # (name, (ok, line, model ids))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engines = QComboBox()  # one row: the settings page must fit a small laptop screen
        self.engines.currentIndexChanged.connect(self._on_selection)
        self.add_button, self.remove_button, self.test_button = QPushButton(), QPushButton(), QPushButton()
        self.add_button.clicked.connect(self.add_engine)
        self.remove_button.clicked.connect(self.remove_selected)
        self.test_button.clicked.connect(self.test_selected)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout()
        row.addWidget(self.engines, 1)
        for button in (self.add_button, self.remove_button, self.test_button):
            row.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.status)
        self._saved.connect(self._on_saved)
        self._tested.connect(self._on_tested)
        self._status: tuple[str, Any] = ("", None)
        self.refresh()
        self.retranslate()

    def refresh(self) -> None:
        self.engines.clear()
        for engine in remote_store.saved_engines():
            self.engines.addItem(f"{engine.name} — {engine.url}", engine)
        self._on_selection()

    def selected(self) -> SavedEngine | None:
        return self.engines.currentData()

    def _on_selection(self, *_args: object) -> None:
        chosen = self.selected() is not None
        self.remove_button.setEnabled(chosen)
        self.test_button.setEnabled(chosen)

    # --- actions -------------------------------------------------------------------------------

    def add_engine(self) -> None:
        dialog = EngineDialog(self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.save(dialog.engine(), dialog.key.text().strip() or None)

    def save(self, engine: SavedEngine, api_key: str | None) -> None:
        """Save in the background (a keyring may ask to be unlocked); `engines_changed` follows."""
        self._show("saving", engine.name)

        def work() -> object:
            try:
                remote_store.save_engine(engine, api_key)
            except HearthError as exc:
                return str(exc)
            return None

        in_background("hearth-engine-save", work, self._saved)

    def _on_saved(self, error: object) -> None:
        if error:
            self._show("error", error)
            return
        self._show("saved", None)
        self.refresh()
        self.engines.setCurrentIndex(self.engines.count() - 1)
        self.engines_changed.emit()

    def remove_selected(self) -> None:
        engine = self.selected()
        if engine is None:
            return
        try:
            remote_store.remove_engine(engine.name)
        except (HearthError, OSError) as exc:
            self._show("error", str(exc))
            return
        self._show("", None)
        self.refresh()
        self.engines_changed.emit()

    def test_selected(self) -> None:
        engine = self.selected()
        if engine is None:
            return
        self.test_button.setEnabled(False)
        self._show("testing", engine.name)
        in_background("hearth-engine-test", lambda: (engine.name, check_connection(engine)), self._tested)

    def _on_tested(self, result: object) -> None:
        name, (ok, line, models) = result
        self._on_selection()
        self._show("connected" if ok else "error", (name, line, models) if ok else line)

    # --- texts ---------------------------------------------------------------------------------

    def _show(self, state: str, detail: Any) -> None:
        self._status = (state, detail)
        role = {"error": "error", "connected": "ok"}.get(state, "hint")
        self.status.setProperty("role", role)
        self.status.style().polish(self.status)
        if state == "saving":
            text = self.tr("Saving {name}…").format(name=detail)
        elif state == "saved":
            text = self.tr("Saved. Pick its models in the model manager (Model ▸ Model manager…).")
        elif state == "testing":
            text = self.tr("Connecting to {name}…").format(name=detail)
        elif state == "connected":
            name, server, models = detail
            text = self.tr("{name}: connected to {server}; models: {models}").format(
                name=name, server=server, models=", ".join(models[:8]) + (" …" if len(models) > 8 else ""))
        elif state == "error":
            text = str(detail)
        else:  # the line is always there, so the page keeps its height when a result appears
            text = self.tr("Run models on a server: vLLM, llama-server, Ollama or another Hearth.")
        self.status.setText(text)

    def retranslate(self) -> None:
        self.setTitle(self.tr("Remote engines"))
        self.add_button.setText(self.tr("Add…"))
        self.remove_button.setText(self.tr("Remove"))
        self.test_button.setText(self.tr("Test connection"))
        self.engines.setAccessibleName(self.tr("Remote engines"))
        self._show(*self._status)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
