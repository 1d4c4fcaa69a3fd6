"""Every line the engine can write about where a model runs is shown in Chinese in the Chinese UI."""
from __future__ import annotations

import pytest

from desktop.engine import hardware
from desktop.models.gguf_info import inspect_gguf
from desktop.ui.device_text import device_text
from desktop.ui.i18n import set_language


@pytest.fixture
def chinese(qapp):
    set_language(qapp, "zh_CN")
    yield
    set_language(qapp, "en")


def every_engine_line(model_path, monkeypatch) -> list[str]:
    info = inspect_gguf(model_path)
    roomy = hardware.GpuDevice("RTX 4060 Laptop GPU", 7 * 2**30, 8 * 2**30)
    tiny = hardware.GpuDevice("MX150", 2**20, 2 * 2**30)
    lines = [hardware.choose_gpu_layers(info, 2048, False, 20)[1],
             hardware.choose_gpu_layers(info, 2048, True, 0)[1],
             hardware.choose_gpu_layers(info, 2048, True, 12)[1],
             hardware.choose_gpu_layers(info, 2048, False, None)[1]]
    for devices in ([], [tiny], [roomy]):
        monkeypatch.setattr(hardware, "gpu_devices", lambda devices=devices: devices)
        lines.append(hardware.choose_gpu_layers(info, 2048, True, None)[1])
    return lines


def test_every_engine_line_has_a_chinese_form(chinese, smollm_path, monkeypatch) -> None:
    lines = every_engine_line(smollm_path, monkeypatch)
    assert len(set(lines)) == 7
    for line in lines:
        shown = device_text(line)
        assert shown != line and any("\u4e00" <= ch <= "\u9fff" for ch in shown), line
    assert "RTX 4060 Laptop GPU" in device_text(lines[-1])  # names and numbers carried over


def test_in_english_the_line_is_the_engines(qapp, smollm_path, monkeypatch) -> None:
    for line in every_engine_line(smollm_path, monkeypatch):
        assert device_text(line) == line
    assert device_text("something new from a later engine") == "something new from a later engine"
