"""Print the CMake flags that name the CUDA libraries llama.cpp links but this CUDA toolkit lacks,
one per line; nothing when the toolkit is complete. Used by packaging/build-cuda.sh.

llama.cpp's CUDA code links cuBLAS, and the driver's libcuda for its memory pool. A full toolkit
has both (libcublas.so, and a libcuda.so link stub). One assembled from NVIDIA's pip wheels
(nvidia-cuda-nvcc and the like, as on machines set up for PyTorch) may have neither: then cuBLAS
comes from the nvidia-cublas wheel in the Python environment given, and libcuda from the driver
itself. They are named by full path, since the wheels and the driver carry only versioned files
(libcublas.so.13) where CMake looks for unversioned ones; their folders then go into the built
libraries' RPATH, so nothing more is needed at run time. With no libcuda anywhere (a machine with
no NVIDIA driver), the build leaves out the driver's virtual-memory pool (GGML_CUDA_NO_VMM).

    python packaging/cuda_libs.py NVCC
"""
from __future__ import annotations

import glob
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

DRIVER_DIRS = ("/usr/local/nvidia/lib64", "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib/wsl/lib",
               "/usr/lib/aarch64-linux-gnu")


def toolkit_root(nvcc: str) -> Path:
    """Where nvcc itself says its toolkit is (its TOP; nvcc may be a wrapper script elsewhere),
    else the folder around its bin/."""
    try:
        dry = subprocess.run([nvcc, "--dryrun", "-c", "-x", "cu", os.devnull, "-o", os.devnull],
                             capture_output=True, text=True, timeout=30).stderr
    except (OSError, subprocess.SubprocessError):
        dry = ""
    for line in dry.splitlines():
        if line.startswith("#$ TOP="):
            return Path(line.removeprefix("#$ TOP=").strip()).resolve()
    return Path(nvcc).resolve().parent.parent


def toolkit_lib_dirs(nvcc: str) -> list[Path]:
    root = toolkit_root(nvcc)
    return [root / "lib64", root / "lib", *root.glob("targets/*/lib"), root / "lib64" / "stubs",
            *root.glob("targets/*/lib/stubs")]


def _has(dirs: list[Path], name: str) -> bool:
    return any((d / name).exists() for d in dirs)


def wheel_cublas() -> Path | None:
    """The lib/ folder of NVIDIA's cuBLAS wheel in this Python environment (nvidia/cu13/lib,
    nvidia/cublas/lib for CUDA 12's wheels)."""
    spec = importlib.util.find_spec("nvidia")
    for root in (spec.submodule_search_locations or []) if spec else []:
        for lib in sorted(glob.glob(os.path.join(root, "*", "lib", "libcublas.so.*"))):
            return Path(lib).parent
    return None


def driver_library() -> Path | None:
    try:
        listing = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        listing = ""
    for line in listing.splitlines():
        if line.strip().startswith("libcuda.so.1 ") and "=>" in line:
            return Path(line.split("=>")[1].strip())
    return next((Path(d) / "libcuda.so.1" for d in DRIVER_DIRS if (Path(d) / "libcuda.so.1").exists()), None)


def flags(nvcc: str) -> list[str]:
    dirs = toolkit_lib_dirs(nvcc)
    out = []
    if not _has(dirs, "libcublas.so"):
        lib = wheel_cublas()
        if lib is None:
            raise SystemExit("build-cuda: this CUDA toolkit has no cuBLAS, which llama.cpp's CUDA code needs: "
                             "install the toolkit's cuBLAS or NVIDIA's wheel (pip install nvidia-cublas)")
        for name, file in (("cublas", "libcublas.so.*"), ("cublasLt", "libcublasLt.so.*")):
            out.append(f"-DCUDA_{name}_LIBRARY={sorted(lib.glob(file))[0]}")
        out.append(f"-DCMAKE_CUDA_FLAGS=-I{lib.parent / 'include'}")
    if not _has(dirs, "libcuda.so"):
        driver = driver_library()
        out.append(f"-DCUDA_cuda_driver_LIBRARY={driver}" if driver else "-DGGML_CUDA_NO_VMM=ON")
    return out


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python packaging/cuda_libs.py NVCC")
    print("\n".join(flags(sys.argv[1])))
