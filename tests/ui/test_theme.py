"""Themes: the chosen scheme's palette, style sheet and font size reach the widgets."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QPushButton

from desktop.errors import HearthError
from desktop.ui.theme import PALETTES, apply_theme, current_scheme, resolve_scheme


@pytest.fixture(autouse=True)
def restore_look(qapp):
    font, palette = qapp.font(), qapp.palette()
    yield
    qapp.setFont(font)
    qapp.setPalette(palette)
    qapp.setStyleSheet("")
    qapp.setProperty("hearthThemeChoice", None)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_scheme_sets_palette_style_sheet_and_font(qapp, qtbot, scheme) -> None:
    assert apply_theme(qapp, scheme, 15) == scheme
    button = QPushButton("OK")
    qtbot.addWidget(button)
    window = PALETTES[scheme][QPalette.ColorRole.Window]
    assert button.palette().color(QPalette.ColorRole.Window) == QColor(window)
    assert f"Hearth, {scheme} scheme" in qapp.styleSheet()
    assert QApplication.font().pointSize() == 15 and button.font().pointSize() == 15
    assert current_scheme(qapp) == scheme


def test_dark_and_light_differ_in_every_surface_colour() -> None:
    for role in (QPalette.ColorRole.Window, QPalette.ColorRole.Base, QPalette.ColorRole.Text):
        assert QColor(PALETTES["light"][role]).lightness() != QColor(PALETTES["dark"][role]).lightness()


def test_system_follows_the_desktop_colour_scheme(qapp) -> None:
    expected = "dark" if qapp.styleHints().colorScheme() == Qt.ColorScheme.Dark else "light"
    assert resolve_scheme("system") == expected
    apply_theme(qapp, "system", 11)
    qapp.setStyleSheet("")  # as if something else changed the look
    qapp.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert f"Hearth, {expected} scheme" in qapp.styleSheet()  # re-applied on the desktop's signal


def test_a_fixed_choice_ignores_desktop_changes(qapp) -> None:
    apply_theme(qapp, "dark", 11)
    qapp.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert "Hearth, dark scheme" in qapp.styleSheet()


def test_unknown_theme_is_one_clear_error(qapp) -> None:
    with pytest.raises(HearthError, match="unknown theme 'purple' \\(choose one of: system, light, dark\\)"):
        apply_theme(qapp, "purple", 11)
