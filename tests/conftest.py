"""Shared fixtures: every test gets its own empty data directory; models come from a cache.

Models are large, so they live outside the repository in a cache that survives between runs
(`HEARTH_TEST_MODELS`, default ~/.cache/hearth/models) and are fetched there through Hearth's own
catalog code the first time a test asks for them.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

MODEL_CACHE = Path(os.environ.get("HEARTH_TEST_MODELS", Path.home() / ".cache" / "hearth" / "models"))


@pytest.fixture(autouse=True)
def hearth_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh HEARTH_HOME for every test; models come from the shared cache."""
    home = tmp_path_factory.mktemp("hearth-home")
    monkeypatch.setenv("HEARTH_HOME", str(home))
    monkeypatch.setenv("HEARTH_MODELS", str(MODEL_CACHE))
    return home


def _catalog_model(name: str) -> Path:
    from desktop.models.fetch import ensure_model

    MODEL_CACHE.mkdir(parents=True, exist_ok=True)
    os.environ["HEARTH_MODELS"] = str(MODEL_CACHE)
    return ensure_model(name)


@pytest.fixture(scope="session", autouse=True)
def llama_runtime() -> None:
    """In-process llama.cpp (converter parity, sampler and batch tests) runs as the engine's worker
    would on this machine, in the configuration the start-up self-check proved here: as built, the
    AMX code of a Sapphire Rapids machine died of SIGILL at the first decode and took the whole
    test run with it."""
    from desktop.engine import runtime_check

    known = runtime_check.remembered()  # else proved with the workhorse model, as the engine would
    runtime_check.apply(known or runtime_check.proven_choice(str(_catalog_model("smollm2-135m"))))


@pytest.fixture(scope="session")
def smollm_path() -> Path:
    """SmolLM2-135M-Instruct Q4_1 (98 MB, llama architecture): the fast workhorse."""
    return _catalog_model("smollm2-135m")


@pytest.fixture(scope="session")
def qwen_path() -> Path:
    """Qwen2.5-Coder-0.5B-Instruct (491 MB, qwen2, 151,936-token vocabulary): slow tests only."""
    return _catalog_model("qwen2.5-coder-0.5b")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Name the CPU and the llama.cpp configuration the engine tests proved on this machine, so a
    CI log shows which CPU features the portable build met (AMX machines crashed before issue 13)."""
    import json

    from desktop.engine import runtime_check

    try:
        flags = next((line.split(":", 1)[1].split() for line in
                      Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines()
                      if line.startswith("flags")), [])
        record = json.loads(runtime_check.record_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # no probe ran (no engine test) or not Linux: nothing to say
    features = [name for name in ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_int8")
                if name in flags]
    tried = ", ".join(f"{t['config']}: {t['result']}" for t in record.get("tried", []))
    terminalreporter.write_line(f"llama.cpp runtime: {record.get('cpu', '?')} ({' '.join(features) or 'no AVX2'}); "
                                f"running {record['choice']} after probing [{tried}]")
