"""The app on a remote engine: llama-cpp-python's own server on SmolLM2, added in Settings ▸ Engines,
picked in the model manager, then send, stream, stop, regenerate, the JSON badge and the crash
banner when the server goes away, all through the real window, store and engine bridge."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from PySide6.QtCore import Qt

from desktop.engine import LoadOptions
from desktop.engine.remote_store import SavedEngine, save_engine
from desktop.engine.remote_switch import SwitchingEngine
from desktop.engine.types import SamplingParams
from desktop.jsonmode.constraint import Constraint
from desktop.models.identity import remote_reference
from tests.engine.remote_servers import start_llama_cpp_server
from tests.ui.chat_helpers import make_window, send, stored, wait_idle


@pytest.fixture(scope="module")
def server(smollm_path: Path, tmp_path_factory: pytest.TempPathFactory):
    process = start_llama_cpp_server(smollm_path, log=tmp_path_factory.mktemp("llama") / "server.log")
    yield process
    process.stop()


@pytest.fixture
def engine():
    switching = SwitchingEngine()
    yield switching
    switching.close()


@pytest.fixture
def remote_window(qtbot, engine, server):
    save_engine(SavedEngine("team box", server.url), None)
    window = make_window(qtbot, engine)
    window.engine.load(LoadOptions(remote_reference(server.url, "smollm2")))
    qtbot.waitUntil(lambda: window.engine.info is not None, timeout=60_000)
    yield window
    window.shut_down()


def answers(window):
    return [w for w in window.view.messages if w.message.role == "assistant"]


def test_add_a_server_test_it_and_pick_its_model_beside_local_files(qtbot, engine, server) -> None:
    from desktop.ui.model_manager import ModelManagerDialog
    from desktop.ui.settings_dialog import SettingsDialog

    window = make_window(qtbot, engine)
    try:
        settings = SettingsDialog(window.settings, window.local_api, window)
        box = settings.engines_box
        box.save(SavedEngine("team box", server.url), None)
        qtbot.waitUntil(lambda: box.engines.count() == 1, timeout=30_000)
        box.test_selected()
        qtbot.waitUntil(lambda: "connected to llama-cpp-python" in box.status.text(), timeout=60_000)
        assert "smollm2" in box.status.text()
        settings.close()
        manager = ModelManagerDialog(window.settings, window.engine, window)
        manager.show()
        manager.tabs.setCurrentWidget(manager.remote)
        assert manager.tabs.tabText(2) == "Remote engines"
        manager.remote.list_models()
        qtbot.waitUntil(lambda: manager.remote.models.count() == 1, timeout=60_000)
        manager.remote.load_button.click()
        qtbot.waitUntil(lambda: window.engine.info is not None, timeout=60_000)
        assert window.engine.info.path == f"smollm2 @ {server.url}"
        qtbot.waitUntil(lambda: "smollm2" in window.model_status.text(), timeout=10_000)
        assert "Loaded: smollm2 · remote: llama-cpp-python at" in manager.status.text()
        assert window.settings.last_model == f"smollm2 @ {server.url}"  # reconnects at the next start
        manager.close()
    finally:
        window.shut_down()


def test_send_streams_and_stores_an_answer_naming_the_server(qtbot, remote_window, server) -> None:
    w = remote_window
    w.controller.params = SamplingParams(temperature=0.0, max_tokens=16, seed=7)
    streamed = []
    w.engine.token.connect(lambda _request, text: streamed.append(text))
    send(qtbot, w, "Name three colours.")
    answer = stored(w, lambda s: s.active_path(w.controller.session_id))[-1]
    assert answer.content == "".join(streamed) and len(streamed) > 1
    assert answer.model_file == f"smollm2 @ {server.url}" and answer.model_sha256 is None
    assert answer.metrics["offload"].startswith("remote: llama-cpp-python")
    assert answer.metrics["seed"] == 7 and answer.metrics["tokens_estimated"] is True
    assert w.composer.gauge_label.text().startswith("~")  # the gauge says it is an estimate


def test_stop_keeps_the_partial_answer_and_regenerate_branches(qtbot, remote_window) -> None:
    w = remote_window
    w.controller.params = SamplingParams(temperature=0.8, max_tokens=2000, seed=3)
    send(qtbot, w, "Write a very long story about a dragon.", wait=False)
    qtbot.waitUntil(lambda: w.controller.answer is not None and len(w.controller.answer.pieces) > 3,
                    timeout=120_000)
    qtbot.keyClick(w.composer.edit, Qt.Key.Key_Escape)
    wait_idle(qtbot, w)
    stopped = stored(w, lambda s: s.active_path(w.controller.session_id))[-1]
    assert stopped.finish_reason == "cancelled" and stopped.content
    w.controller.params = SamplingParams(temperature=1.0, max_tokens=8, seed=99)
    answers(w)[0].regenerate_button.click()
    qtbot.waitUntil(lambda: w.composer.busy or w.controller.answer is not None, timeout=10_000)
    wait_idle(qtbot, w, timeout=120_000)
    widget = answers(w)[0]
    assert widget.message.id != stopped.id and widget.branch_label.text() == "2/2"


def test_the_json_badge_is_hearths_verdict_not_the_servers(qtbot, remote_window) -> None:
    w = remote_window
    schema = {"type": "object", "properties": {"year": {"type": "integer", "minimum": 3000, "maximum": 3005}},
              "required": ["year"]}
    w.controller.constraint = Constraint("json_schema", schema=schema, show_schema=False)
    w.controller.params = SamplingParams(temperature=0.0, max_tokens=30, seed=5)
    send(qtbot, w, "A year, as JSON.")
    answer = stored(w, lambda s: s.active_path(w.controller.session_id))[-1]
    try:
        jsonschema.validate(json.loads(answer.content), schema)
        valid = True
    except (ValueError, jsonschema.ValidationError):
        valid = False
    assert answer.metrics["json_valid"] is valid
    badge = answers(w)[0].badge
    assert badge.isVisible() and badge.text().startswith("✓ Valid JSON" if valid else "✗ Invalid JSON")


def test_a_server_that_goes_away_shows_the_crash_banner_and_keeps_the_partial_answer(
        qtbot, engine, smollm_path: Path, tmp_path: Path) -> None:
    doomed = start_llama_cpp_server(smollm_path, log=tmp_path / "doomed.log")
    window = make_window(qtbot, engine)
    try:
        window.engine.load(LoadOptions(remote_reference(doomed.url, "smollm2")))
        qtbot.waitUntil(lambda: window.engine.info is not None, timeout=60_000)
        window.controller.params = SamplingParams(temperature=0.8, max_tokens=2000, seed=11)
        send(qtbot, window, "Now write a very long essay about rivers.", wait=False)
        qtbot.waitUntil(lambda: window.controller.answer is not None and len(window.controller.answer.pieces) > 3,
                        timeout=120_000)
        doomed.kill()
        qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=60_000)
        assert "dropped the connection mid-answer" in window.banner.message.text()
        wait_idle(qtbot, window)
        answer = stored(window, lambda s: s.active_path(window.controller.session_id))[-1]
        assert answer.finish_reason == "error" and answer.content  # the partial answer survived
        window.banner.restart_button.click()  # the server is gone: the reload says so in one line
        qtbot.waitUntil(lambda: "refused the connection" in window.model_status.text(), timeout=60_000)
    finally:
        window.shut_down()
        doomed.stop()
