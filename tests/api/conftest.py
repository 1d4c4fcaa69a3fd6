"""A real engine with SmolLM2 loaded, served by a real uvicorn server on 127.0.0.1."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.api.server import ApiServer
from desktop.engine import LoadOptions
from desktop.engine.client import EngineClient

API_CONTEXT = 1024  # small, so "prompt longer than the context" is cheap to provoke


@pytest.fixture(scope="session")
def engine(smollm_path: Path) -> Iterator[EngineClient]:
    client = EngineClient()
    # One thread: on a busy 2-core machine llama.cpp's second thread mostly waits for the first,
    # which made decoding ten times slower when measured here.
    client.load(LoadOptions(str(smollm_path), n_ctx=API_CONTEXT, n_threads=1))
    yield client
    client.close()


@pytest.fixture(scope="session")
def api(engine: EngineClient) -> Iterator[ApiServer]:
    """The server most tests share: defaults (no key, no CORS) on a free port."""
    with ApiServer(engine, port=0) as server:
        yield server


@pytest.fixture
def base_url(api: ApiServer) -> str:
    return api.url
