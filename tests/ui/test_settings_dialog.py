"""The settings dialog applies and saves each change at once, and switches the real API server."""
from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request

import pytest
from PySide6.QtWidgets import QApplication

from desktop import paths
from desktop.engine.types import LoadOptions
from desktop.ui.engine_bridge import EngineBridge
from desktop.ui.i18n import current_language, set_language
from desktop.ui.local_api import LocalApi
from desktop.ui.settings import Settings
from desktop.ui.settings_dialog import SettingsDialog


@pytest.fixture
def bridge():
    engine = EngineBridge()
    yield engine
    engine.close()


@pytest.fixture
def api(bridge):
    server = LocalApi(bridge)
    yield server
    server.stop(wait=True)


@pytest.fixture
def dialog(qtbot, api, qapp):
    font, palette = qapp.font(), qapp.palette()
    widget = SettingsDialog(Settings(), api)
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    set_language(qapp, "en")
    qapp.setStyleSheet("")
    qapp.setFont(font)
    qapp.setPalette(palette)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _health(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def test_theme_and_font_apply_at_once_and_are_saved(dialog, qapp) -> None:
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    dialog.font_size.setValue(14)
    assert "Hearth, dark scheme" in qapp.styleSheet() and QApplication.font().pointSize() == 14
    saved = Settings.load()
    assert (saved.theme, saved.font_size) == ("dark", 14)


def test_language_switch_retranslates_the_open_dialog(dialog, qapp) -> None:
    assert dialog.appearance_box.title() == "Appearance"
    dialog.language.setCurrentIndex(dialog.language.findData("zh_CN"))
    assert current_language(qapp) == "zh_CN"
    assert dialog.appearance_box.title() == "外观"
    assert dialog.windowTitle() == "设置"
    assert dialog.language.itemText(1) == "简体中文"  # language names stay in their own words
    assert Settings.load().language == "zh_CN"
    dialog.language.setCurrentIndex(dialog.language.findData("en"))
    assert dialog.appearance_box.title() == "Appearance"


def test_data_folder_is_shown_with_how_to_move_it(dialog) -> None:
    assert dialog.data_folder.text() == str(paths.data_dir()) and dialog.data_folder.isReadOnly()
    assert "HEARTH_HOME" in dialog.data_note.text()


def test_privacy_choices_are_saved(dialog) -> None:
    dialog.allow_online.setChecked(False)
    dialog.redact.setChecked(False)
    dialog.share_stats.setChecked(True)
    saved = Settings.load()
    assert (saved.allow_online, saved.redact_feedback, saved.share_usage_stats) == (False, False, True)


def test_api_switch_serves_the_model_the_app_has_loaded(dialog, qtbot, api, bridge, smollm_path) -> None:
    port = _free_port()
    dialog.api_port.setValue(port)
    with qtbot.waitSignal(bridge.loaded, timeout=120_000):
        bridge.load(LoadOptions(str(smollm_path), n_ctx=512, n_threads=1))
    dialog.api_enabled.setChecked(True)
    qtbot.waitUntil(lambda: dialog.api_status.property("role") == "ok", timeout=30_000)
    url = f"http://127.0.0.1:{port}"
    assert dialog.api_status.text().startswith(f"Running at {url}/v1 — serving ")
    status, body = _health(url)
    assert status == 200 and body["status"] == "ok"
    assert Settings.load().api_enabled
    dialog.api_enabled.setChecked(False)
    qtbot.waitUntil(lambda: dialog.api_status.text() == "Off.", timeout=30_000)
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{url}/health", timeout=5)


def test_api_port_in_use_is_one_inline_error(dialog, qtbot, api) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        dialog.api_port.setValue(port)
        dialog.api_enabled.setChecked(True)
        qtbot.waitUntil(lambda: dialog.api_status.property("role") == "error", timeout=30_000)
    # the app's own words: it has a port field, not the CLI's --port
    assert dialog.api_status.text() == f"Port {port} is in use by another program: choose another port."


def test_quick_switching_ends_in_the_last_wish(dialog, qtbot, api) -> None:
    first, last = _free_port(), _free_port()
    api.start(first)
    api.start(last)
    api.stop()
    api.start(last)
    qtbot.waitUntil(lambda: dialog.api_status.text().endswith("load a model to answer requests."), timeout=30_000)
    assert not api.busy and api.running and api.url == f"http://127.0.0.1:{last}"
    status, body = _health(api.url)
    assert status == 503 and body == {"status": "loading"}  # up, waiting for the app to load a model
