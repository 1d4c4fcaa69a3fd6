"""packaging/build-cuda.sh: its arguments and its one-line failures (the build itself needs a GPU
machine's hours, so the toolchain checks are exercised with --dry-run, which stops before pip)."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "packaging" / "build-cuda.sh"


def _run(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("HEARTH_CUDA_ARCHS", "CUDACXX")}
    return subprocess.run(["bash", str(SCRIPT), *args], env={**environment, **env},
                          capture_output=True, text=True, timeout=60)


needs_nvcc = pytest.mark.skipif(shutil.which("nvcc") is None, reason="no CUDA toolkit (nvcc) on this machine")


@pytest.fixture
def toolkit(tmp_path: Path) -> dict:
    """This machine's nvcc in a toolkit that has cuBLAS and a libcuda stub, whatever this machine's
    own toolkit lacks (packaging/cuda_libs.py's cases have their own tests): CUDACXX for _run."""
    root = tmp_path / "cuda"
    (root / "bin").mkdir(parents=True)
    (root / "lib64" / "stubs").mkdir(parents=True)
    for lib in ("libcublas.so", "stubs/libcuda.so"):
        (root / "lib64" / lib).write_text("")
    nvcc = root / "bin" / "nvcc"  # its --dryrun names no toolkit, so the toolkit is the folder around it
    nvcc.write_text(f'#!/bin/sh\n[ "$1" = --dryrun ] && exit 1\nexec {shutil.which("nvcc")} "$@"\n')
    nvcc.chmod(0o755)
    return {"CUDACXX": str(nvcc)}


def test_help_names_every_option():
    result = _run("--help")
    assert result.returncode == 0
    for option in ("--archs", "--python", "--dry-run", "HEARTH_CUDA_ARCHS"):
        assert option in result.stdout


@pytest.mark.parametrize("args", [("--archs", "sm_86"), ("--archs", "86,89"), ("--archs",), ("--colour",)])
def test_bad_arguments_are_usage_errors(args):
    result = _run(*args)
    assert result.returncode == 2
    assert result.stderr.startswith("build-cuda: ") or result.stderr.startswith("usage:")


def test_missing_nvcc_is_one_clear_line(tmp_path: Path):
    # A PATH with the shell tools but no CUDA toolkit, and no CUDA_HOME to fall back on.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname", "sed", "tr", "grep", "nproc"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    result = _run(PATH=str(bin_dir), CUDA_HOME=str(tmp_path / "no-cuda"))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "build-cuda: nvcc not found: install the NVIDIA CUDA toolkit and put its bin/ on PATH (or set CUDA_HOME)"
    ]


@needs_nvcc
def test_default_architectures_span_turing_to_blackwell(toolkit):
    result = _run("--dry-run", **toolkit)
    assert result.returncode == 0, result.stderr
    assert 'CMAKE_ARGS="-DGGML_CUDA=on -DCMAKE_CUDA_ARCHITECTURES=75;86;89;120" packaging/build-llama.sh' in result.stdout


@needs_nvcc
def test_architectures_come_from_the_environment_or_the_option(toolkit):
    assert 'ARCHITECTURES=89" ' in _run("--dry-run", HEARTH_CUDA_ARCHS="89", **toolkit).stdout
    assert 'ARCHITECTURES=86;89" ' in _run("--dry-run", "--archs", "86;89", HEARTH_CUDA_ARCHS="75", **toolkit).stdout


@needs_nvcc
def test_an_architecture_this_nvcc_cannot_build_is_named(toolkit):
    result = _run("--dry-run", "--archs", "75;999", **toolkit)
    assert result.returncode == 1
    assert "cannot build for architecture 999" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@needs_nvcc
def test_a_missing_python_environment_is_named(tmp_path: Path, toolkit):
    result = _run("--dry-run", "--python", str(tmp_path / "nope" / "python"), **toolkit)
    assert result.returncode == 1
    assert result.stderr.strip() == f"build-cuda: no Python at {tmp_path / 'nope' / 'python'}; create the environment first (see README) or pass --python"


def test_auto_architectures_without_a_gpu_is_one_line():
    # NVML, not nvidia-smi: on a machine without an NVIDIA driver it answers with one line.
    result = _run("--dry-run", "--archs", "auto")
    if result.returncode == 0:  # a GPU machine: its own architectures, numbers only
        assert "ARCHITECTURES=" in result.stdout and "auto" not in result.stdout
    else:
        assert result.returncode == 1
        assert result.stderr.strip().splitlines() == [result.stderr.strip()]
        assert result.stderr.startswith("build-cuda: ") and "--archs" in result.stderr


@needs_nvcc
def test_a_local_source_archive_is_used_and_checked(tmp_path: Path, toolkit):
    archive = tmp_path / "llama_cpp_python-0.3.36.tar.gz"
    archive.write_bytes(b"")
    result = _run("--dry-run", "--archs", "89", "--sdist", str(archive), **toolkit)
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith(f"(from {archive})")
    other = tmp_path / "llama_cpp_python-0.3.1.tar.gz"
    other.write_bytes(b"")
    result = _run("--dry-run", "--archs", "89", "--sdist", str(other), **toolkit)
    assert result.returncode == 1
    assert "expected llama_cpp_python-0.3.36.tar.gz" in result.stderr
    assert "no source archive" in _run("--dry-run", "--archs", "89", "--sdist", str(tmp_path / "none.tar.gz"), **toolkit).stderr


def test_the_prepared_gpu_check_parses_and_keeps_to_eight_minutes():
    script = SCRIPT.with_name("gpu-check.sh")
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
    text = script.read_text()
    assert "budget=${HEARTH_GPU_CHECK_BUDGET:-480}" in text  # every step's limit is cut to what is left
    assert "--archs auto" in text and "--gpu-layers -1 --threads" in text
