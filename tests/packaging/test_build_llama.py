"""packaging/build-llama.sh: the portable llama.cpp build is cached by what it is built from.

(The build itself takes many minutes; ./hearth-setup runs it, so CI builds it on every clean clone.)
"""
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "packaging" / "build-llama.sh"


def run(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT), *args, sys.executable], capture_output=True, text=True,
                          timeout=60, env={**os.environ, **env})


def test_other_cmake_flags_build_into_another_cache_folder(tmp_path):
    plain = run("--where", HEARTH_WHEEL_CACHE=str(tmp_path)).stdout.strip()
    cuda = run("--where", HEARTH_WHEEL_CACHE=str(tmp_path), CMAKE_ARGS="-DGGML_CUDA=on").stdout.strip()
    assert Path(plain).parent == Path(cuda).parent == tmp_path and plain != cuda


def test_a_cached_wheel_is_installed_as_it_is_without_building(tmp_path):
    folder = Path(run("--where", HEARTH_WHEEL_CACHE=str(tmp_path)).stdout.strip())
    folder.mkdir(parents=True)
    wheel = folder / "llama_cpp_python-0.3.36-py3-none-linux_x86_64.whl"
    wheel.write_bytes(b"PK")
    result = run(HEARTH_WHEEL_CACHE=str(tmp_path))
    assert result.returncode == 0 and result.stdout.strip() == str(wheel) and "building" not in result.stderr


def test_the_build_is_portable_and_loads_its_cpu_variants():
    text = SCRIPT.read_text()
    assert "-DGGML_NATIVE=OFF" in text and "-DGGML_CPU_ALL_VARIANTS=ON" in text
    assert "-march=native" not in text
    hook = (REPO / "packaging" / "llama" / "load_cpu_backend.py").read_text()
    assert "ggml_backend_load_all_from_path" in hook


def test_an_offline_build_names_a_missing_source_archive_in_one_line(tmp_path):
    missing = tmp_path / "llama_cpp_python-0.3.36.tar.gz"
    result = run(HEARTH_WHEEL_CACHE=str(tmp_path / "cache"), HEARTH_LLAMA_SDIST=str(missing))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[1:] == [f"build-llama: no source archive at {missing}"]


def test_an_offline_build_needs_scikit_build_core_where_it_builds(tmp_path):
    # No package index, so no isolated build environment: the build backend must be installed.
    archive = tmp_path / "llama_cpp_python-0.3.36.tar.gz"
    archive.write_bytes(b"")
    bare = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True, timeout=60)
    result = subprocess.run(["bash", str(SCRIPT), str(bare / "bin" / "python")], capture_output=True, text=True,
                            timeout=60, env={**os.environ, "HEARTH_WHEEL_CACHE": str(tmp_path / "cache"),
                                             "HEARTH_LLAMA_SDIST": str(archive)})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[1:] == [
        f"build-llama: building offline from {archive} needs scikit-build-core in {bare / 'bin' / 'python'}'s environment"]
