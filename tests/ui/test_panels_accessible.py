"""Every control in the panels and dialogs can be named by a screen reader, in both languages."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import (QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit, QPlainTextEdit,
                               QTableWidget)

from desktop.ui.convert_dialog import ConvertDialog
from desktop.ui.engine_bridge import EngineBridge
from desktop.ui.generation_panel import GenerationPanel
from desktop.ui.i18n import set_language
from desktop.ui.model_manager import ModelManagerDialog
from desktop.ui.settings import Settings
from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.welcome import WelcomePage

CONTROLS = (QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit, QPlainTextEdit, QTableWidget)


@pytest.fixture
def bridge():
    engine = EngineBridge()
    yield engine
    engine.close()


def _unnamed(widget) -> list[str]:
    missing = []
    controls = [c for kind in CONTROLS for c in widget.findChildren(kind)]
    for control in controls:
        if isinstance(control, QLineEdit) and isinstance(control.parent(), (QAbstractSpinBox, QComboBox)):
            continue  # the editor inside a spin box or combo box: the outer control carries the name
        if control.objectName().startswith("qt_"):
            continue  # Qt's own parts (a table's corner button)
        text = control.text() if isinstance(control, QAbstractButton) else ""
        if not (control.accessibleName() or text):
            missing.append(f"{type(control).__name__} {control.objectName()!r}")
    return missing


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_every_control_has_a_name(qtbot, qapp, bridge, language, models_folder) -> None:
    set_language(qapp, language)
    try:
        widgets = [SettingsDialog(Settings()), ModelManagerDialog(Settings(), bridge), ConvertDialog(),
                   WelcomePage(Settings()), GenerationPanel(Settings())]
        for widget in widgets:
            qtbot.addWidget(widget)
            assert _unnamed(widget) == [], type(widget).__name__
    finally:
        set_language(qapp, "en")
