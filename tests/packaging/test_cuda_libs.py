"""packaging/cuda_libs.py: which CUDA libraries build-cuda.sh names to CMake itself, on toolkits
laid out as a full install, as NVIDIA's pip wheels lay them out, and with pieces missing."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "packaging" / "cuda_libs.py"


def _toolkit(root: Path, *libs: str) -> Path:
    """A toolkit folder with bin/nvcc and the named files under lib64/ (empty: only names count)."""
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "nvcc").write_text("#!/bin/sh\n")
    (root / "lib64").mkdir()
    for lib in libs:
        (root / "lib64" / lib).parent.mkdir(parents=True, exist_ok=True)
        (root / "lib64" / lib).write_text("")
    return root / "bin" / "nvcc"


def _cublas_wheel(site: Path) -> Path:
    """NVIDIA's nvidia-cublas wheel as pip installs it for CUDA 13: versioned files only."""
    lib = site / "nvidia" / "cu13" / "lib"
    lib.mkdir(parents=True)
    (site / "nvidia" / "cu13" / "include").mkdir()
    for name in ("libcublas.so.13", "libcublasLt.so.13"):
        (lib / name).write_text("")
    return lib


def _run(nvcc: Path, site: Path | None = None) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", **({"PYTHONPATH": str(site)} if site else {})}
    # -S: no site-packages, so only `site` can hold an nvidia wheel (a PyTorch machine has real ones)
    return subprocess.run([sys.executable, "-S", str(SCRIPT), str(nvcc)], capture_output=True, text=True,
                          env=env, timeout=60)


@pytest.fixture
def cuda_libs():
    spec = importlib.util.spec_from_file_location("cuda_libs", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_full_toolkit_needs_no_flags(tmp_path: Path):
    nvcc = _toolkit(tmp_path / "cuda", "libcudart.so", "libcublas.so", "libcublasLt.so", "stubs/libcuda.so")
    result = _run(nvcc)
    assert result.returncode == 0 and result.stdout.strip() == "", result.stderr


def test_cublas_comes_from_the_environments_wheel_by_full_path(tmp_path: Path):
    nvcc = _toolkit(tmp_path / "cuda", "libcudart.so", "stubs/libcuda.so")
    lib = _cublas_wheel(tmp_path / "site")
    result = _run(nvcc, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [f"-DCUDA_cublas_LIBRARY={lib / 'libcublas.so.13'}",
                                     f"-DCUDA_cublasLt_LIBRARY={lib / 'libcublasLt.so.13'}",
                                     f"-DCMAKE_CUDA_FLAGS=-I{lib.parent / 'include'}"]


def test_no_cublas_anywhere_is_one_line(tmp_path: Path):
    result = _run(_toolkit(tmp_path / "cuda", "libcudart.so", "stubs/libcuda.so"), tmp_path / "empty")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "build-cuda: this CUDA toolkit has no cuBLAS, which llama.cpp's CUDA code needs: "
        "install the toolkit's cuBLAS or NVIDIA's wheel (pip install nvidia-cublas)"]


def test_without_a_link_stub_the_drivers_own_libcuda_is_named(cuda_libs, tmp_path: Path, monkeypatch):
    nvcc = _toolkit(tmp_path / "cuda", "libcudart.so", "libcublas.so")
    monkeypatch.setattr(cuda_libs, "driver_library", lambda: Path("/usr/local/nvidia/lib64/libcuda.so.1"))
    assert cuda_libs.flags(str(nvcc)) == ["-DCUDA_cuda_driver_LIBRARY=/usr/local/nvidia/lib64/libcuda.so.1"]


def test_without_any_libcuda_the_build_leaves_the_drivers_memory_pool_out(cuda_libs, tmp_path: Path, monkeypatch):
    nvcc = _toolkit(tmp_path / "cuda", "libcudart.so", "libcublas.so")
    monkeypatch.setattr(cuda_libs, "driver_library", lambda: None)
    assert cuda_libs.flags(str(nvcc)) == ["-DGGML_CUDA_NO_VMM=ON"]


def test_a_wrapper_nvcc_is_asked_where_its_toolkit_is(tmp_path: Path):
    # /usr/local/bin/nvcc as a two-line script: the libraries are where nvcc's own TOP says.
    _toolkit(tmp_path / "cuda-13.0", "libcudart.so", "libcublas.so", "libcublasLt.so", "stubs/libcuda.so")
    wrapper = tmp_path / "bin" / "nvcc"
    wrapper.parent.mkdir()
    wrapper.write_text(f"#!/bin/sh\necho '#$ TOP={tmp_path / 'cuda-13.0' / 'bin'}/..' >&2\n")
    wrapper.chmod(0o755)
    result = _run(wrapper)
    assert result.returncode == 0 and result.stdout.strip() == "", result.stderr
