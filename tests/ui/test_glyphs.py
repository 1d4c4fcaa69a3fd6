"""Every character the UI shows has an installed font that draws it (no empty boxes for 👍 / 👎)."""
import re
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics

from desktop.paths import resource_path

UI = Path(__file__).resolve().parents[2] / "desktop" / "ui"


def shown_characters() -> set[str]:
    """Non-ASCII characters in the UI's code and in its Chinese translation."""
    text = "".join(path.read_text(encoding="utf-8") for path in UI.rglob("*.py"))
    ts = resource_path("translations", "hearth_zh_CN.ts").read_text(encoding="utf-8")
    text += "".join(re.findall(r"<translation>(.*?)</translation>", ts, re.S))
    return {ch for ch in text if ord(ch) > 127 and not ch.isspace()}


def test_every_character_the_ui_uses_has_a_font(qapp):
    fonts = [QFontMetrics(QFont(family)) for family in QFontDatabase.families()]
    missing = sorted(ch for ch in shown_characters() if not any(f.inFontUcs4(ord(ch)) for f in fonts))
    assert not missing, f"no installed font draws {' '.join(missing)} (hearth-setup installs the fonts)"


def test_the_feedback_buttons_glyphs_are_among_them():
    assert {"👍", "👎"} <= shown_characters()
