"""A Hugging Face repo id as the source: only the files a conversion needs are downloaded."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import gguf

import checkpoints
from hub_standin import HubStandIn

REPO = Path(__file__).resolve().parents[2]


def test_repo_id_downloads_only_needed_files_and_converts(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(checkpoints.tiny("qwen2"), repo, ignore=shutil.ignore_patterns(".complete"))
    (repo / "pytorch_model.bin").write_bytes(b"\0" * 1000)  # present on the hub, never needed
    (repo / "model-q4_0.gguf").write_bytes(b"\0" * 1000)
    (repo / "README.md").write_text("---\nlicense: apache-2.0\n---\n# Tiny Qwen\n")
    hub = HubStandIn("someone/tiny-qwen", repo)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "converter", "someone/tiny-qwen", str(tmp_path / "m.gguf"), "--outtype", "f16"],
            capture_output=True, text=True, cwd=REPO, timeout=300,
            env={**os.environ, "PYTHONPATH": str(REPO), "HF_ENDPOINT": hub.url, "HF_HOME": str(tmp_path / "hf"),
                 "HF_HUB_DISABLE_XET": "1"})
    finally:
        hub.close()
    assert proc.returncode == 0, proc.stderr
    assert "pytorch_model.bin" not in hub.downloaded and "model-q4_0.gguf" not in hub.downloaded
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= set(hub.downloaded)
    fields = gguf.GGUFReader(tmp_path / "m.gguf").fields
    assert fields["general.license"].contents() == "apache-2.0"
