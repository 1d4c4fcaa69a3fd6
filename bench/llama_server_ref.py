"""llama-server built from the llama.cpp that the pinned llama-cpp-python vendors: the reference
for Hearth's parallel serving, same numbers code, same machine.

Built once into ~/.cache/hearth/bench-ref/ (never the repository), the portable way (GGML_NATIVE
off, as packaging/build-llama.sh builds the wheel), at low priority: the machine may be shared.

    .venv/bin/python bench/llama_server_ref.py     # build if needed, print the binary's path
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path.home() / ".cache" / "hearth" / "bench-ref"
FLAGS = ["-DGGML_NATIVE=OFF", "-DLLAMA_CURL=OFF", "-DLLAMA_BUILD_TESTS=OFF", "-DLLAMA_BUILD_EXAMPLES=OFF",
         "-DLLAMA_BUILD_SERVER=ON", "-DCMAKE_BUILD_TYPE=Release", "-DBUILD_SHARED_LIBS=OFF"]


def pinned_version() -> str:
    found = re.search(r'"llama-cpp-python==([^"]+)"', (ROOT / "pyproject.toml").read_text())
    if not found:
        raise SystemExit("pyproject.toml pins no llama-cpp-python version")
    return found.group(1)


def sources(version: str) -> Path:
    """The sdist's vendored llama.cpp, downloaded (pip, from the package index) and unpacked once."""
    unpacked = CACHE / f"llama_cpp_python-{version}"
    if not (unpacked / "vendor" / "llama.cpp" / "CMakeLists.txt").exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as work:
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                            "-d", work, f"llama-cpp-python=={version}"], check=True)
            with tarfile.open(Path(work) / f"llama_cpp_python-{version}.tar.gz") as archive:
                archive.extractall(CACHE, filter="data")
    return unpacked / "vendor" / "llama.cpp"


def llama_server() -> Path:
    """The binary, built if it is not in the cache yet (minutes on two cores)."""
    version = pinned_version()
    binary = CACHE / f"llama-server-{version}"
    if binary.exists():
        return binary
    source = sources(version)
    build = CACHE / f"build-{version}"
    nice = ["nice", "-n", "10"]
    subprocess.run([*nice, "cmake", "-S", str(source), "-B", str(build), "-G", "Ninja", *FLAGS], check=True)
    subprocess.run([*nice, "cmake", "--build", str(build), "--target", "llama-server", "-j", "2"], check=True)
    shutil.copy2(build / "bin" / "llama-server", binary.with_suffix(".tmp"))
    binary.with_suffix(".tmp").rename(binary)
    return binary


if __name__ == "__main__":
    print(llama_server())
