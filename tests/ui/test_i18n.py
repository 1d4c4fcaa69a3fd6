"""Translations: complete, compiled, collected from every UI file, and switched live."""
from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtGui import QFont, QFontDatabase, QRawFont

from desktop.errors import HearthError
from desktop.paths import resource_path
from desktop.ui.i18n import current_language, set_language
from desktop.ui.settings import Settings
from desktop.ui.welcome import WelcomePage

ROOT = Path(__file__).resolve().parents[2]
TS = resource_path("translations", "hearth_zh_CN.ts")
_PLACEHOLDERS = re.compile(r"%\d|\{[^}]*\}")


def _messages(ts: Path) -> list[ET.Element]:
    return list(ET.parse(ts).getroot().iter("message"))


def _tool(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


@pytest.fixture
def english_afterwards(qapp):
    yield
    set_language(qapp, "en")


def test_every_string_is_translated_keeping_its_placeholders() -> None:
    messages = _messages(TS)
    assert len(messages) > 300
    for message in messages:
        source = message.findtext("source")
        translation = message.find("translation")
        assert translation.get("type") is None, f"unfinished: {source!r}"
        assert (translation.text or "").strip(), f"untranslated: {source!r}"
        assert sorted(_PLACEHOLDERS.findall(source)) == sorted(_PLACEHOLDERS.findall(translation.text)), source


def test_every_visible_string_of_the_ui_is_in_the_translation(tmp_path) -> None:
    files = sorted(str(p) for p in (ROOT / "desktop" / "ui").rglob("*.py") if p.name != "__init__.py")
    fresh = tmp_path / "fresh.ts"
    subprocess.run([_tool("pyside6-lupdate"), "-locations", "none", *files, "-ts", str(fresh)],
                   check=True, capture_output=True, cwd=ROOT)
    collected = {(m.findtext("source")) for m in _messages(fresh)}
    translated = {m.findtext("source") for m in _messages(TS)}
    assert collected - translated == set(), "run pyside6-lupdate and translate the new strings"


def test_compiled_translation_matches_its_source(tmp_path) -> None:
    qm = tmp_path / "hearth_zh_CN.qm"
    subprocess.run([_tool("pyside6-lrelease"), str(TS), "-qm", str(qm)], check=True, capture_output=True)
    assert qm.read_bytes() == resource_path("translations", "hearth_zh_CN.qm").read_bytes(), \
        "recompile: pyside6-lrelease resources/translations/hearth_zh_CN.ts"


def test_switching_language_changes_visible_labels_at_once(qapp, qtbot, english_afterwards, models_folder) -> None:
    page = WelcomePage(Settings())
    qtbot.addWidget(page)
    page.show()
    assert page.heading.text() == "Welcome to Hearth"
    set_language(qapp, "zh_CN")
    assert current_language(qapp) == "zh_CN"
    assert page.heading.text() == "欢迎使用 Hearth"
    assert page.default_button.text() == "下载（491 MB）"
    set_language(qapp, "en")
    assert page.heading.text() == "Welcome to Hearth" and current_language(qapp) == "en"


def test_unknown_language_is_one_clear_error(qapp) -> None:
    with pytest.raises(HearthError, match="unknown language 'fr' \\(choose one of: en, zh_CN\\)"):
        set_language(qapp, "fr")


def test_a_font_with_chinese_glyphs_is_installed(qapp) -> None:
    families = QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese)
    assert families, "install fonts-noto-cjk so Chinese renders"
    raw = QRawFont.fromFont(QFont(families[0]), QFontDatabase.WritingSystem.SimplifiedChinese)
    assert raw.supportsCharacter("欢") and raw.supportsCharacter("模")
