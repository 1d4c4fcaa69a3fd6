"""A model's identity: facts from its header at once, its sha256 hashed once per file in the
background and remembered (path, size, mtime) in the data folder, its source, and what is said
when something cannot be known."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.errors import HearthError
from desktop.models import identity
from desktop.models.catalog import find
from desktop.models.identity import ModelIdentity, cached_sha256, describe, find_by_sha256, hash_in_background

SMOLLM = find("smollm2-135m")


@pytest.fixture
def copy(smollm_path: Path, tmp_path: Path) -> Path:
    """The workhorse model under a name and in a folder Hearth has never seen (dragged in, say)."""
    return Path(shutil.copy(smollm_path, tmp_path / "my-model.gguf"))


def test_a_catalog_model_is_identified_without_hashing(smollm_path):
    from desktop.models.fetch import ensure_model

    ensure_model("smollm2-135m")  # the verified download tells the cache its sha256
    found = describe(smollm_path)
    assert found.identified and found.sha256 == SMOLLM.sha256 and found.incomplete_reason is None
    assert (found.kind, found.file, found.architecture, found.quantization) == (
        "file", smollm_path.name, "llama", "Q4_1")
    assert found.size_bytes == smollm_path.stat().st_size and found.parameters == 134_515_008
    assert len(found.chat_template_sha256) == 64 and found.license == "apache-2.0"
    assert found.source == "catalog: smollm2-135m (package index)"


def test_a_new_file_is_described_at_once_and_hashed_once_in_the_background(copy):
    before = describe(copy)
    assert before.sha256 is None and not before.identified and before.architecture == "llama"
    assert before.incomplete_reason == "the sha256 of my-model.gguf has not been computed yet"
    job = hash_in_background(copy)
    assert hash_in_background(copy) is job or job.done()  # asked twice while running: one job
    assert job.result(timeout=120) == SMOLLM.sha256
    after = describe(copy)
    assert after.sha256 == SMOLLM.sha256 and after.incomplete_reason is None
    assert after.source == "catalog: smollm2-135m (package index)"  # the same bytes as the catalog file
    assert hash_in_background(copy).done()  # from the cache: no second hash


def test_the_cache_outlives_the_process_and_forgets_a_changed_file(copy):
    hash_in_background(copy).result(timeout=120)
    script = "from desktop.models.identity import cached_sha256; import sys; print(cached_sha256(sys.argv[1]))"
    other_process = subprocess.run([sys.executable, "-c", script, str(copy)], capture_output=True, text=True,
                                   check=True, env=os.environ)
    assert other_process.stdout.strip() == SMOLLM.sha256
    with open(copy, "r+b") as fh:  # same size, new content and mtime
        fh.seek(-1, os.SEEK_END)
        fh.write(b"\x01")
    assert cached_sha256(copy) is None and describe(copy).sha256 is None
    assert hash_in_background(copy).result(timeout=120) != SMOLLM.sha256


def test_a_moved_or_deleted_file_is_still_known_by_its_hash(copy):
    hash_in_background(copy).result(timeout=120)
    copy.unlink()
    found = find_by_sha256(SMOLLM.sha256, "renamed.gguf")
    assert found.file == "renamed.gguf" and found.quantization == "Q4_1" and found.parameters == 134_515_008


def test_the_catalog_knows_its_models_by_hash_on_any_machine():
    found = find_by_sha256(SMOLLM.sha256)
    assert (found.file, found.architecture, found.size_bytes, found.license) == (
        SMOLLM.file_name, "llama", SMOLLM.size_bytes, "apache-2.0")
    assert find_by_sha256("0" * 64) is None


@pytest.mark.parametrize("content", ["not json", "[1, 2]", '{"version": 99, "files": {}}',
                                     '{"version": 1, "files": {"x": 3}}'])
def test_a_damaged_cache_is_ignored_and_rewritten(copy, hearth_home, content):
    cache = hearth_home / identity.CACHE_FILE
    cache.write_text(content, encoding="utf-8")
    assert cached_sha256(copy) is None
    assert hash_in_background(copy).result(timeout=120) == SMOLLM.sha256
    assert json.loads(cache.read_text(encoding="utf-8"))["files"][str(copy.resolve())]["sha256"] == SMOLLM.sha256


def test_a_file_that_cannot_be_read_says_why(tmp_path, smollm_path):
    broken_gguf = tmp_path / "cut-short.gguf"
    with open(smollm_path, "rb") as src:
        broken_gguf.write_bytes(src.read(1 << 20))
    missing = hash_in_background(tmp_path / "gone.gguf")
    with pytest.raises(HearthError, match="cannot read .*gone.gguf"):
        missing.result(timeout=5)
    broken = describe(broken_gguf)
    assert broken.architecture is None and "its header cannot be read" in broken.incomplete_reason
    assert "truncated" in broken.incomplete_reason and "\n" not in broken.incomplete_reason


def test_a_remote_model_is_named_by_endpoint_and_model_id():
    remote = ModelIdentity.remote("http://10.0.0.5:8000/v1", "qwen2.5-7b-instruct")
    report = remote.to_report()
    assert remote.identified and report["kind"] == "remote" and report["sha256"] is None
    assert (report["endpoint"], report["model_id"], report["incomplete_reason"]) == (
        "http://10.0.0.5:8000/v1", "qwen2.5-7b-instruct", None)
    assert not ModelIdentity.remote("http://10.0.0.5:8000/v1", "").identified


def test_a_hub_download_remembers_where_it_came_from(tmp_path, monkeypatch):
    from desktop.models.fetch import ensure_model
    from desktop.ui.hub_download import hub_entry
    from tests.models.fake_index import FakeIndex

    hub = FakeIndex(hub_files={"someone/tiny-GGUF/tiny.gguf": os.urandom(20_000)})
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    monkeypatch.setenv("HEARTH_MODELS", str(tmp_path))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    try:
        path = ensure_model(hub_entry("someone/tiny-GGUF", "tiny.gguf"))
    finally:
        hub.close()
    assert describe(path).source == "Hugging Face: someone/tiny-GGUF/tiny.gguf"
