"""The first start after ./hearth-setup: the default model it fetched is loaded, ready to chat."""
from PySide6.QtWidgets import QApplication

from desktop.models import catalog


def test_the_first_start_opens_ready_to_chat_with_the_default_model(qtbot, monkeypatch, tmp_path, smollm_path):
    from desktop.ui import app as app_module

    models = tmp_path / "models"  # what set-up leaves: the default model, nothing chosen yet
    models.mkdir()
    (models / smollm_path.name).symlink_to(smollm_path)
    monkeypatch.setenv("HEARTH_MODELS", str(models))
    monkeypatch.setattr(catalog, "DEFAULT_MODEL", "smollm2-135m")  # the small one stands in for it
    window = app_module.start(QApplication.instance())
    qtbot.addWidget(window)
    try:
        assert window.centre.currentWidget() is window.chat_area
        qtbot.waitUntil(lambda: window.engine.info is not None, timeout=120_000)
        assert "smollm2" in window.model_status.text().lower()
        assert window.settings.last_model == str(smollm_path.resolve())
    finally:
        window.shut_down()


def test_without_the_default_model_on_disk_the_welcome_page_shows_and_nothing_downloads(
        qtbot, monkeypatch, tmp_path):
    from desktop.ui import app as app_module

    monkeypatch.setenv("HEARTH_MODELS", str(tmp_path / "empty"))
    monkeypatch.setenv("HEARTH_PYPI_INDEX", "http://127.0.0.1:9/simple")  # any download would fail
    window = app_module.start(QApplication.instance())
    qtbot.addWidget(window)
    try:
        qtbot.wait(300)
        assert window.centre.currentWidget() is window.welcome
        assert window.model_status.text() == "No model loaded"
        assert not any((tmp_path / "empty").iterdir())
    finally:
        window.shut_down()
