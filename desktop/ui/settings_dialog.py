"""Settings (Ctrl+,): appearance, language, data folder and backups, local API server, remote
engines, privacy.

Changes apply at once (the theme and language switch live, so the user sees the effect) and are
saved immediately; there is no OK/Cancel to forget. `settings_changed` tells the main window to
pick up whatever it mirrors (e.g. whether online downloads are allowed).
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QApplication, QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout,
                               QFrame, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QScrollArea, QSpinBox,
                               QVBoxLayout, QWidget)

from desktop import paths
from desktop.errors import HearthError
from desktop.ui.i18n import set_language
from desktop.ui.local_api import LocalApi
from desktop.ui.settings import FONT_SIZES, LANGUAGES, THEMES, Settings
from desktop.ui.settings_engines import EnginesBox
from desktop.ui.theme import apply_theme


MAX_HEIGHT = 720  # opens within a 768-pixel laptop screen and its panel; the boxes scroll beyond


class SettingsDialog(QDialog):
    """Every preference on one page, applied and saved as it changes."""

    settings_changed = Signal()

    def __init__(self, settings: Settings, api: LocalApi | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.api = api
        self.setMinimumWidth(700)
        self._labels: dict[str, QLabel] = {}
        # the boxes scroll when the screen is shorter than they are (a 768-pixel laptop)
        self.content = QWidget()
        body = QVBoxLayout(self.content)
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self._appearance_box())
        body.addWidget(self._data_box())
        body.addWidget(self._api_box())
        self.engines_box = EnginesBox()  # Settings ▸ Engines: servers to run models on
        body.addWidget(self.engines_box)
        body.addWidget(self._privacy_box())
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(self.content)
        layout = QVBoxLayout(self)
        layout.addWidget(self.scroll, 1)
        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        layout.addWidget(buttons)
        if api is not None:
            api.state_changed.connect(self._show_api_state)
        self.retranslate()
        self._show_api_state()

    def _label(self, key: str) -> QLabel:
        self._labels[key] = QLabel()
        return self._labels[key]

    # --- sections -------------------------------------------------------------------------------

    def _appearance_box(self) -> QGroupBox:
        self.appearance_box = QGroupBox()
        self.theme = QComboBox()
        for choice in THEMES:
            self.theme.addItem(choice, choice)
        self.theme.setCurrentIndex(THEMES.index(self.settings.theme))
        self.theme.currentIndexChanged.connect(self._theme_changed)
        self.font_size = QSpinBox()
        self.font_size.setRange(FONT_SIZES.start, FONT_SIZES.stop - 1)
        self.font_size.setValue(self.settings.font_size)
        self.font_size.valueChanged.connect(self._theme_changed)
        self.language = QComboBox()
        for code, name in LANGUAGES.items():  # each language in its own words: never translated
            self.language.addItem(name, code)
        self.language.setCurrentIndex(list(LANGUAGES).index(self.settings.language))
        self.language.currentIndexChanged.connect(self._language_changed)
        form = QFormLayout(self.appearance_box)
        form.addRow(self._label("theme"), self.theme)
        form.addRow(self._label("font"), self.font_size)
        form.addRow(self._label("language"), self.language)
        return self.appearance_box

    def _data_box(self) -> QGroupBox:
        self.data_box = QGroupBox()
        self.data_folder = QLineEdit(str(paths.data_dir()))
        self.data_folder.setReadOnly(True)
        self.models_folder = QLineEdit(str(paths.models_dir()))
        self.models_folder.setReadOnly(True)
        self.open_data_button = QPushButton()
        self.open_data_button.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(self.data_folder.text())))
        self.backups_kept = QSpinBox()
        self.backups_kept.setRange(1, 365)
        self.backups_kept.setValue(self.settings.backups_kept)
        self.backups_kept.setMaximumWidth(120)
        self.backups_kept.setKeyboardTracking(False)  # typing 14 never prunes to 1 on the way
        self.backups_kept.valueChanged.connect(lambda n: self._set("backups_kept", n))
        self.backups_note = QLabel()
        self.backups_note.setProperty("role", "hint")
        self.backups_note.setWordWrap(True)
        self.data_note = QLabel()
        self.data_note.setProperty("role", "hint")
        self.data_note.setWordWrap(True)
        self.data_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout()
        row.addWidget(self.data_folder, 1)
        row.addWidget(self.open_data_button)
        form = QFormLayout()
        form.addRow(self._label("data"), row)
        form.addRow(self._label("models"), self.models_folder)
        form.addRow(self._label("backups"), self.backups_kept)
        layout = QVBoxLayout(self.data_box)
        layout.addLayout(form)
        layout.addWidget(self.backups_note)
        layout.addWidget(self.data_note)
        return self.data_box

    def _api_box(self) -> QGroupBox:
        self.api_box = QGroupBox()
        self.api_enabled = QCheckBox()
        self.api_enabled.setChecked(self.settings.api_enabled)
        self.api_enabled.toggled.connect(self._api_toggled)
        self.api_port = QSpinBox()
        self.api_port.setRange(1024, 65535)
        self.api_port.setValue(self.settings.api_port)
        self._port_timer = QTimer(self)  # apply a typed port once typing pauses, not per digit
        self._port_timer.setSingleShot(True)
        self._port_timer.setInterval(600)
        self._port_timer.timeout.connect(self._port_changed)
        self.api_port.valueChanged.connect(self._port_timer.start)
        self.api_status = QLabel()
        self.api_status.setWordWrap(True)
        self.api_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.api_note = QLabel()
        self.api_note.setProperty("role", "hint")
        self.api_note.setWordWrap(True)
        self.api_port.setMaximumWidth(120)
        port_row = QHBoxLayout()
        port_row.addWidget(self._label("port"))
        port_row.addWidget(self.api_port)
        port_row.addStretch(1)
        layout = QVBoxLayout(self.api_box)
        layout.addWidget(self.api_enabled)
        layout.addLayout(port_row)
        layout.addWidget(self.api_status)
        layout.addWidget(self.api_note)
        return self.api_box

    def _privacy_box(self) -> QGroupBox:
        self.privacy_box = QGroupBox()
        self.allow_online = QCheckBox()
        self.redact = QCheckBox()
        self.share_stats = QCheckBox()
        for box, attr in ((self.allow_online, "allow_online"), (self.redact, "redact_feedback"),
                          (self.share_stats, "share_usage_stats")):
            box.setChecked(getattr(self.settings, attr))
            box.toggled.connect(lambda on, attr=attr: self._set(attr, on))
        self.privacy_note = QLabel()
        self.privacy_note.setProperty("role", "hint")
        self.privacy_note.setWordWrap(True)
        layout = QVBoxLayout(self.privacy_box)
        for widget in (self.allow_online, self.redact, self.share_stats, self.privacy_note):
            layout.addWidget(widget)
        return self.privacy_box

    # --- changes --------------------------------------------------------------------------------

    def _set(self, attr: str, value: object) -> None:
        setattr(self.settings, attr, value)
        self._save()

    def _save(self) -> None:
        try:
            self.settings.save()
        except OSError as exc:
            self._show_error(self.tr("Cannot save the settings: {error}").format(error=exc.strerror or str(exc)))
            return
        self._show_error(None)
        self.settings_changed.emit()

    def _theme_changed(self, *_args: object) -> None:
        self.settings.theme = self.theme.currentData()
        self.settings.font_size = self.font_size.value()
        app = QApplication.instance()
        if app is not None:
            apply_theme(app, self.settings.theme, self.settings.font_size)
        self._save()

    def _language_changed(self, *_args: object) -> None:
        code = self.language.currentData()
        try:
            set_language(QApplication.instance(), code)
        except HearthError as exc:
            self._show_error(str(exc))
            return
        self.settings.language = code
        self._save()

    def _api_toggled(self, on: bool) -> None:
        self._port_timer.stop()  # the port shown now is the one to use
        self.settings.api_enabled = on
        self.settings.api_port = self.api_port.value()
        self._save()
        if self.api is not None:
            self.api.start(self.api_port.value()) if on else self.api.stop()

    def _port_changed(self) -> None:
        port = self.api_port.value()
        self.settings.api_port = port
        self._save()
        if self.api is not None and self.api_enabled.isChecked():
            self.api.start(port)  # restart on the new port
        self._show_api_state()

    def _show_api_state(self) -> None:
        api, role = self.api, "hint"
        if api is None:
            text = self.tr("The server starts with the main window.")
        elif api.busy:
            text = self.tr("Starting…") if self.api_enabled.isChecked() else self.tr("Stopping…")
        elif api.running:
            model = getattr(api.bridge, "info", None)
            text = (self.tr("Running at {url}/v1 — serving {model}.").format(url=api.url, model=model.name) if model
                    else self.tr("Running at {url}/v1 — load a model to answer requests.").format(url=api.url))
            role = "ok"
        elif api.error and self.api_enabled.isChecked():
            text, role = api.error, "error"
        else:
            text = self.tr("Off.")
        self.api_status.setProperty("role", role)
        self.api_status.style().polish(self.api_status)
        self.api_status.setText(text)

    def done(self, result: int) -> None:
        """Closing: the server keeps running (it belongs to the main window); stop showing its state."""
        if self.api is not None and self.isVisible():  # once per showing
            self.api.state_changed.disconnect(self._show_api_state)
        super().done(result)

    def _show_error(self, message: str | None) -> None:
        self.error.setText(message or "")
        self.error.setVisible(bool(message))

    # --- texts ----------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Settings"))
        self.appearance_box.setTitle(self.tr("Appearance"))
        self._labels["theme"].setText(self.tr("Theme"))
        for i, text in enumerate((self.tr("Same as the system"), self.tr("Light"), self.tr("Dark"))):
            self.theme.setItemText(i, text)
        self.theme.setAccessibleName(self.tr("Theme"))
        self._labels["font"].setText(self.tr("Font size"))
        self.font_size.setSuffix(self.tr(" pt"))
        self.font_size.setAccessibleName(self.tr("Font size"))
        self._labels["language"].setText(self.tr("Language"))
        self.language.setAccessibleName(self.tr("Language"))
        self.data_box.setTitle(self.tr("Your data"))
        self._labels["data"].setText(self.tr("Data folder"))
        self._labels["models"].setText(self.tr("Models folder"))
        self.data_folder.setAccessibleName(self.tr("Data folder"))
        self.models_folder.setAccessibleName(self.tr("Models folder"))
        self.open_data_button.setText(self.tr("Open"))
        self.open_data_button.setAccessibleName(self.tr("Open the data folder"))
        self._labels["backups"].setText(self.tr("Backups kept"))
        self.backups_kept.setAccessibleName(self.tr("Automatic backups kept"))
        self.backups_note.setText(self.tr(
            "Conversations are backed up once a day while Hearth runs and before every upgrade; "
            "this many of the newest backups are kept (File ▸ Restore from backup…)."))
        self.data_note.setText(self.tr(
            "Conversations, settings and feedback live in the data folder; back it up by copying it. "
            "To keep it elsewhere, quit Hearth, move the folder, and start Hearth with the environment "
            "variable HEARTH_HOME set to the new place (HEARTH_MODELS does the same for models)."))
        self.api_box.setTitle(self.tr("Local API server"))
        self.api_enabled.setText(self.tr("Serve the loaded model to other programs (OpenAI-compatible API)"))
        self.api_enabled.setAccessibleName(self.tr("Local API server"))
        self._labels["port"].setText(self.tr("Port"))
        self.api_port.setAccessibleName(self.tr("API server port"))
        self.api_note.setText(self.tr("Only programs on this computer can connect (127.0.0.1). They share "
                                      "the model with this window; requests are answered in turn."))
        self.privacy_box.setTitle(self.tr("Privacy"))
        self.allow_online.setText(self.tr("Allow downloads from the Hugging Face hub and sending feedback "
                                          "over the network"))
        self.redact.setText(self.tr("Remove e-mail addresses, phone numbers, paths and keys from feedback "
                                    "reports automatically"))
        self.share_stats.setText(self.tr("Attach speed measurements to feedback reports without asking"))
        self.privacy_note.setText(self.tr("Hearth runs entirely on this computer. Nothing you type leaves it, "
                                          "and feedback is sent only when you press Send after seeing "
                                          "exactly what will be sent."))
        self._show_api_state()

    def _fit_height(self) -> None:
        """Fit the texts of the current language: as wide as the longest line needs (a switch back
        from Chinese to English widens it again), as tall as the wrapped notes need, within the screen."""
        body, layout = self.content.layout(), self.layout()
        body.activate()  # the new texts measured now, not at the next event
        layout.activate()
        screen = self.screen().availableGeometry() if self.screen() else None
        margins = layout.contentsMargins()
        sides, ends = margins.left() + margins.right(), margins.top() + margins.bottom()
        sides += self.scroll.verticalScrollBar().sizeHint().width()  # room for it, should it appear
        width = max(self.minimumWidth(), body.minimumSize().width() + sides, self.content.sizeHint().width() + sides)
        below = [w for w in (self.error, self.close_button.parentWidget()) if not w.isHidden()]
        height = (max(body.heightForWidth(width - sides), body.minimumSize().height()) + ends
                  + sum(w.sizeHint().height() + layout.spacing() for w in below))
        height = min(height, MAX_HEIGHT)
        if screen is not None:
            width, height = min(width, screen.width()), min(height, screen.height())
        self.resize(width, height)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._fit_height()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
            self._fit_height()
        super().changeEvent(event)
