"""The device line of a CPU fallback (desktop/engine/runtime_check.py) is translated too."""
import pytest

from desktop.engine import runtime_check
from desktop.engine.cpu_backends import Variant
from desktop.ui.device_text import device_text
from desktop.ui.i18n import set_language

AMX = [Variant(tag, 100 - i, None) for i, tag in enumerate(("sapphirerapids", "zen4", "haswell", "x64"))]


def fallback_lines() -> list[str]:
    choices = [runtime_check.resolve(c, AMX) for c in runtime_check.CONFIGS[1:]]
    linked_in = runtime_check.resolve(runtime_check.CONFIGS[2], [])
    return [runtime_check.device_line(c) for c in [*choices, linked_in]]


@pytest.fixture
def chinese(qapp):
    set_language(qapp, "zh_CN")
    yield
    set_language(qapp, "en")


def test_every_fallback_line_has_a_chinese_form(chinese):
    lines = fallback_lines()
    assert lines[0] == "CPU (AVX-512; AMX off: it crashed on this machine)"
    for line in lines:
        shown = device_text(line)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in shown) and "buffer" not in shown, shown
    assert "AVX-512" in device_text(lines[0]) and "AMX" in device_text(lines[0])


def test_in_english_the_fallback_line_is_the_engines(qapp):
    for line in fallback_lines():
        assert device_text(line) == line
