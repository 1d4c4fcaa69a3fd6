"""Switching the interface language at run time.

Hearth's strings are marked with `self.tr()` and translated in Qt Linguist files
(`resources/translations/hearth_<code>.ts`, compiled to `.qm` with pyside6-lrelease). Installing a
translator makes Qt send `QEvent.LanguageChange` to every widget; each Hearth widget answers it in
`changeEvent` by setting its texts again, so a switch needs no restart. Qt's own strings (standard
dialog buttons, context menus) come from Qt's `qtbase_<code>.qm` when the Qt build ships one.
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from desktop.errors import HearthError
from desktop.paths import resource_path
from desktop.ui.settings import LANGUAGES

# Translators must outlive the call that installs them; keyed by application.
_installed: dict[int, list[QTranslator]] = {}


def translation_file(code: str):
    """The compiled translation of Hearth's own strings for a language code."""
    return resource_path("translations", f"hearth_{code}.qm")


def set_language(app: QApplication, code: str) -> None:
    """Show the interface in `code` ("en" or "zh_CN"); widgets retranslate themselves at once."""
    if code not in LANGUAGES:
        raise HearthError(f"unknown language '{code}' (choose one of: {', '.join(LANGUAGES)})")
    for translator in _installed.pop(id(app), []):
        app.removeTranslator(translator)
    QLocale.setDefault(QLocale(code if code != "en" else "en_US"))
    if code != "en":  # the source strings are English
        _install(app, code)
    # Qt posts LanguageChange to every widget; deliver them now so the switch is done on return.
    QCoreApplication.sendPostedEvents(None, QEvent.Type.LanguageChange)


def _install(app: QApplication, code: str) -> None:
    translators = []
    hearth = QTranslator(app)
    if not hearth.load(str(translation_file(code))):
        raise HearthError(f"the {LANGUAGES[code]} translation is missing or damaged "
                          f"({translation_file(code)}); reinstall Hearth")
    translators.append(hearth)
    qt_own = QTranslator(app)
    if qt_own.load(f"qtbase_{code}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        translators.append(qt_own)
    for translator in translators:
        app.installTranslator(translator)
    _installed[id(app)] = translators


def current_language(app: QApplication) -> str:
    """The language last set with `set_language` ("en" when none was)."""
    translators = _installed.get(id(app))
    if not translators:
        return "en"
    return translators[0].language().replace("-", "_") or "en"
