"""The model manager's long-context options: the estimate shown before loading, the refusals the
engine would give shown at once, the options reaching llama.cpp, remembered, and shown in the
generation panel's model box."""
from __future__ import annotations

import re

import pytest

from desktop.ui.engine_bridge import EngineBridge
from desktop.ui.generation_panel import GenerationPanel
from desktop.ui.model_manager import ModelManagerDialog
from desktop.ui.settings import Settings


@pytest.fixture
def bridge():
    engine = EngineBridge()
    yield engine
    engine.close()


@pytest.fixture
def dialog(qtbot, bridge, stocked_models_folder, smollm_path):
    widget = ModelManagerDialog(Settings(), bridge)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitUntil(lambda: widget.table.rowCount() == 2, timeout=10_000)
    widget.table.selectRow(next(i for i, m in enumerate(widget.table.models) if m.path.name == smollm_path.name))
    return widget


def test_the_estimate_follows_the_options(dialog) -> None:
    dialog.n_ctx.setValue(8192)
    f16 = dialog.memory_label.text()
    assert re.match(r"Needs about 0\.\d+ GiB", f16) and "KV cache 0.18" in f16  # auto: no flash attention for f16
    dialog.kv_type.setCurrentIndex(dialog.kv_type.findData("q4_0"))
    assert "KV cache 0.05" in dialog.memory_label.text()
    dialog.flash_attn.setCurrentIndex(dialog.flash_attn.findData("off"))
    assert "needs flash attention" in dialog.memory_label.text()
    assert dialog.memory_label.property("role") == "error"


def test_options_reach_llama_cpp_are_remembered_and_shown(dialog, qtbot, bridge, qapp) -> None:
    dialog.n_ctx.setValue(2048)
    dialog.gpu_layers.setValue(0)
    dialog.kv_type.setCurrentIndex(dialog.kv_type.findData("q8_0"))
    dialog.flash_attn.setCurrentIndex(dialog.flash_attn.findData("on"))
    with qtbot.waitSignal(bridge.loaded, timeout=120_000) as blocker:
        dialog.load_button.click()
    info = blocker.args[0]
    assert (info.n_ctx, info.kv_type, info.flash_attn) == (2048, "q8_0", "enabled")
    saved = Settings.load()
    assert (saved.kv_type, saved.flash_attn) == ("q8_0", "on")
    assert saved.load_options("x.gguf").kv_type == "q8_0"
    panel = GenerationPanel(saved)
    qtbot.addWidget(panel)
    panel.set_model(info)
    assert panel.load_label.text() == "KV cache q8_0 · flash attention on"
