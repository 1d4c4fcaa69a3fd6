"""The Convert dialog runs the real converter as a process: progress, cancel, errors, verify table."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from desktop.ui.convert_dialog import ConvertDialog, default_output

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "converter"))
from checkpoints import from_gguf, tiny


@pytest.fixture
def dialog(qtbot):
    widget = ConvertDialog()
    qtbot.addWidget(widget)
    widget.show()
    return widget


@pytest.fixture(scope="module")
def smollm_checkpoint(smollm_path) -> Path:
    return from_gguf(smollm_path, "smollm2-135m", "smollm")


def test_bad_input_is_one_inline_error_and_starts_nothing(dialog, tmp_path) -> None:
    assert not dialog.start()
    assert dialog.error.text().startswith("Choose a checkpoint folder")
    dialog.source.setText("not a repo id!")
    assert not dialog.start() and "neither a folder nor a Hugging Face repository id" in dialog.error.text()
    dialog.source.setText(str(tmp_path))
    dialog.output.setText(str(tmp_path / "out.bin"))
    assert not dialog.start() and dialog.error.text() == "The output file name must end in .gguf."
    (tmp_path / "out.gguf").write_bytes(b"x")
    dialog.output.setText(str(tmp_path / "out.gguf"))
    assert not dialog.start() and "already exists" in dialog.error.text()
    assert dialog.process is None


def test_output_name_follows_source_and_type(dialog, tmp_path) -> None:
    dialog.source.setText(str(tmp_path / "SmolLM2"))
    dialog.outtype.setCurrentIndex(dialog.outtype.findData("q4_k_m"))
    assert Path(dialog.output.text()) == default_output(str(tmp_path / "SmolLM2"), "q4_k_m")
    assert dialog.output.text().endswith("SmolLM2-q4_k_m.gguf")


def test_converter_error_is_shown_as_its_one_line(dialog, qtbot, tmp_path) -> None:
    (tmp_path / "ckpt").mkdir()
    dialog.source.setText(str(tmp_path / "ckpt"))
    dialog.output.setText(str(tmp_path / "out.gguf"))
    assert dialog.start()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=60_000)
    assert dialog.error.isVisible()
    assert "config.json" in dialog.error.text() and "\n" not in dialog.error.text()
    assert not (tmp_path / "out.gguf").exists()
    assert dialog.convert_button.isVisible() and dialog.source.isEnabled()


def test_convert_verify_and_load(dialog, qtbot, tmp_path) -> None:
    out = tmp_path / "tiny-q8_0.gguf"
    dialog.source.setText(str(tiny("qwen2")))
    dialog.outtype.setCurrentIndex(dialog.outtype.findData("q8_0"))
    dialog.output.setText(str(out))
    assert dialog.verify.isChecked()
    seen_stages = []
    assert dialog.start()
    dialog.process.readyReadStandardOutput.connect(lambda: seen_stages.append(dialog.stage.text()))
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=240_000)
    assert not dialog.error.isVisible(), dialog.error.text()
    assert out.is_file() and dialog.result["outtype"] == "q8_0"
    assert any(s.startswith("Writing") for s in seen_stages)
    table = {dialog.verify_table.item(r, 0).text(): dialog.verify_table.item(r, 1).text()
             for r in range(dialog.verify_table.rowCount())}
    assert float(table["Top-1 agreement"].rstrip("%")) > 90
    assert "Mean KL divergence" in table and "tokens/s" in table["Decode speed"]
    assert dialog.load_button.isVisible() and not dialog.convert_button.isVisible()
    with qtbot.waitSignal(dialog.model_ready) as blocker:
        dialog.load_button.click()
    assert blocker.args == [str(out)]


def test_cancel_stops_the_process_and_leaves_no_file(dialog, qtbot, tmp_path, smollm_checkpoint) -> None:
    out = tmp_path / "cancelled.gguf"
    dialog.source.setText(str(smollm_checkpoint))
    dialog.outtype.setCurrentIndex(dialog.outtype.findData("f32"))
    dialog.output.setText(str(out))
    dialog.verify.setChecked(False)
    assert dialog.start()
    qtbot.waitUntil(lambda: dialog.stage.text() != "Starting the converter…", timeout=60_000)
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=30_000)
    assert dialog.stage.text() == "Conversion cancelled; no file was written."
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == []


def test_new_inputs_after_a_result_offer_convert_again(dialog, tmp_path) -> None:
    dialog.result = {"path": str(tmp_path / "a.gguf"), "size_bytes": 1, "outtype": "q8_0", "seconds": 1.0}
    dialog._show_result(dialog.result)
    assert dialog.load_button.isVisible() and not dialog.convert_button.isVisible()
    dialog.outtype.setCurrentIndex(dialog.outtype.findData("f16"))
    assert dialog.convert_button.isVisible() and not dialog.load_button.isVisible() and dialog.result is None
