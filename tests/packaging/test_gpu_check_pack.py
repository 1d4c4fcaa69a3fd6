"""packaging/gpu-check-pack.sh: what a lent GPU machine needs fits in two of its calls (~64 MB
each, this repository's own files included), and the machine's half can put it back together."""
from __future__ import annotations

import subprocess
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CALL_LIMIT = 64 * 2**20


def _size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


@pytest.mark.slow
def test_the_pack_fits_two_calls_and_holds_what_the_check_reads(smollm_path, qwen_path, tmp_path: Path):
    result = subprocess.run(["bash", str(REPO / "packaging" / "gpu-check-pack.sh"), str(tmp_path / "pack")],
                            capture_output=True, text=True, timeout=600,
                            env={"HEARTH_TEST_MODELS": str(smollm_path.parent), "PATH": "/usr/bin:/bin",
                                 "HOME": str(Path.home())})
    assert result.returncode == 0, result.stderr
    repository = sum((REPO / f).stat().st_size for f in subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True).stdout.split())
    first, second = tmp_path / "pack" / "1", tmp_path / "pack" / "2"
    assert _size(first) + repository < CALL_LIMIT and _size(second) + repository < CALL_LIMIT
    parts = (first / "smollm2.part1").read_bytes() + (second / "smollm2.part2").read_bytes()
    assert parts == smollm_path.read_bytes()
    with tarfile.open(second / "llama_cpp_python-0.3.36.tar.xz") as archive:
        names = set(archive.getnames())
    top = "llama_cpp_python-0.3.36"
    assert {f"{top}/pyproject.toml", f"{top}/vendor/llama.cpp/ggml/src/ggml-cuda/CMakeLists.txt",
            f"{top}/vendor/llama.cpp/tools/mtmd/CMakeLists.txt"} <= names
    assert not any(n.startswith((f"{top}/vendor/llama.cpp/models/", f"{top}/vendor/llama.cpp/ggml/src/ggml-vulkan/"))
                   for n in names)
    wheels = {w.name.split("-")[0].lower() for w in (second / "whl").glob("*.whl")}
    assert {"gguf", "llguidance", "jsonschema", "diskcache"} <= wheels
    assert (second / "qwen.skeleton.gguf").stat().st_size < 10 * 2**20


def test_the_machines_half_parses():
    for script in ("gpu-check-pack.sh", "gpu-check-unpack.sh"):
        assert subprocess.run(["bash", "-n", str(REPO / "packaging" / script)]).returncode == 0
