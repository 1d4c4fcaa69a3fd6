"""Light and dark looks, and following the system's colour scheme.

The look is the Fusion style (identical on every platform) plus a palette for whatever Fusion draws
itself and a style sheet (`resources/styles/light.qss`, `dark.qss`) for the details. Font size is the
application font, not the style sheet, so widgets that set their own font (headings, code) still
scale with it. Choosing "system" follows `QStyleHints.colorScheme`, also when it changes while the
app runs.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from desktop.errors import HearthError
from desktop.paths import resource_path
from desktop.ui.settings import THEMES

# The palette of each scheme; the .qss files use the same colours.
PALETTES: dict[str, dict[QPalette.ColorRole, str]] = {
    "light": {
        QPalette.ColorRole.Window: "#f6f7f9",
        QPalette.ColorRole.WindowText: "#1f2328",
        QPalette.ColorRole.Base: "#ffffff",
        QPalette.ColorRole.AlternateBase: "#f0f2f5",
        QPalette.ColorRole.Text: "#1f2328",
        QPalette.ColorRole.PlaceholderText: "#8b949e",
        QPalette.ColorRole.Button: "#ffffff",
        QPalette.ColorRole.ButtonText: "#1f2328",
        QPalette.ColorRole.Highlight: "#d9480f",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: "#1f2328",
        QPalette.ColorRole.ToolTipText: "#ffffff",
        QPalette.ColorRole.Link: "#b93d0c",
        QPalette.ColorRole.Mid: "#d0d7de",
    },
    "dark": {
        QPalette.ColorRole.Window: "#1b1d21",
        QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#23262b",
        QPalette.ColorRole.AlternateBase: "#2a2d33",
        QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.PlaceholderText: "#7d8590",
        QPalette.ColorRole.Button: "#2a2d33",
        QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.Highlight: "#f08c4a",
        QPalette.ColorRole.HighlightedText: "#1b1d21",
        QPalette.ColorRole.ToolTipBase: "#e6e6e6",
        QPalette.ColorRole.ToolTipText: "#1b1d21",
        QPalette.ColorRole.Link: "#f4a261",
        QPalette.ColorRole.Mid: "#3a3f47",
    },
}

_CHOICE_PROPERTY = "hearthThemeChoice"
_FONT_PROPERTY = "hearthFontSize"
_SCHEME_PROPERTY = "hearthScheme"


def resolve_scheme(choice: str) -> str:
    """"light" or "dark": the choice itself, or for "system" what the desktop currently uses."""
    if choice not in THEMES:
        raise HearthError(f"unknown theme '{choice}' (choose one of: {', '.join(THEMES)})")
    if choice != "system":
        return choice
    scheme = QGuiApplication.styleHints().colorScheme()
    return "dark" if scheme == Qt.ColorScheme.Dark else "light"


def style_sheet(scheme: str) -> str:
    """The style sheet text of a scheme, read from resources/styles/ (images found there too)."""
    folder = resource_path("styles")
    return (folder / f"{scheme}.qss").read_text(encoding="utf-8").replace("@STYLES@", folder.as_posix())


def palette(scheme: str) -> QPalette:
    pal = QPalette()
    for role, color in PALETTES[scheme].items():
        pal.setColor(role, QColor(color))
    disabled = QColor(PALETTES[scheme][QPalette.ColorRole.PlaceholderText])
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return pal


def apply_theme(app: QApplication, choice: str, font_size: int) -> str:
    """Apply a theme choice ("system", "light", "dark") and font size (points); return the scheme used."""
    scheme = resolve_scheme(choice)
    app.setProperty(_CHOICE_PROPERTY, choice)
    app.setProperty(_FONT_PROPERTY, font_size)
    app.setProperty(_SCHEME_PROPERTY, scheme)
    app.setStyle("Fusion")
    app.setPalette(palette(scheme))
    font = app.font()
    font.setPointSize(font_size)
    app.setFont(font)
    app.setStyleSheet(style_sheet(scheme))
    _follow_system_changes(app)
    return scheme


def current_scheme(app: QApplication) -> str:
    """The scheme last applied ("light" or "dark"); widgets that paint their own colours ask this."""
    return app.property(_SCHEME_PROPERTY) or "light"


def _follow_system_changes(app: QApplication) -> None:
    """Re-apply when the desktop switches between light and dark and the choice is "system"."""
    if app.property("hearthFollowsSystem"):
        return
    app.setProperty("hearthFollowsSystem", True)

    def on_change(_scheme: Qt.ColorScheme) -> None:
        if app.property(_CHOICE_PROPERTY) == "system":
            apply_theme(app, "system", int(app.property(_FONT_PROPERTY)))

    app.styleHints().colorSchemeChanged.connect(on_change)
