"""The app's one engine handle: a model file runs in the local worker, a remote reference on its
server with the key saved for it, and switching gives the other engine's memory back."""
from __future__ import annotations

from pathlib import Path

import pytest

from desktop.chat_messages import ChatMessage
from desktop.engine import Done, LoadOptions, SamplingParams
from desktop.engine.remote_store import SavedEngine, save_engine
from desktop.engine.remote_switch import SwitchingEngine
from desktop.models.identity import remote_reference
from tests.engine.remote_servers import keyring_backend, start_llama_cpp_server

KEY = "sk-switch"


@pytest.fixture
def no_keyring(monkeypatch: pytest.MonkeyPatch):
    with keyring_backend(monkeypatch, "keyring.backends.fail.Keyring"):
        yield


def test_local_then_remote_then_local(no_keyring, smollm_path: Path, tmp_path: Path) -> None:
    server = start_llama_cpp_server(smollm_path, api_key=KEY, log=tmp_path / "server.log")
    engine = SwitchingEngine()
    try:
        save_engine(SavedEngine("box", server.url), KEY)  # the key comes from the saved engine
        local = engine.load(LoadOptions(str(smollm_path), n_ctx=512, n_threads=1))
        assert local.path == str(smollm_path.resolve()) and engine.worker_pid is not None
        remote = engine.load(LoadOptions(remote_reference(server.url, "smollm2")))
        assert remote.path == f"smollm2 @ {server.url}" and engine.model is remote
        assert engine.worker_pid is None  # the local worker was stopped: its memory is free
        done = engine.chat([ChatMessage("user", "Hi")], SamplingParams(max_tokens=4, seed=1)).collect()
        assert isinstance(done, Done) and done.seed == 1
        assert engine.build_info()["llama_cpp_python"]  # the local build's facts, for the model manager
        again = engine.load(LoadOptions(str(smollm_path), n_ctx=512, n_threads=1))
        assert again.path == local.path and engine.worker_pid is not None
        assert engine.count_tokens([ChatMessage("user", "Hi")]) > 0 and not engine.count_is_estimate
    finally:
        engine.close()
        server.stop()
