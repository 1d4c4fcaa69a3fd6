"""The GPU backends of a portable build, loaded beside the CPU code the self-check chose.

A build made with GGML_BACKEND_DL (packaging/build-llama.sh; with `-DGGML_VULKAN=on` or
`-DGGML_CUDA=on` in CMAKE_ARGS for a GPU) keeps every backend in a library of its own beside
libllama: `libggml-vulkan.so`, `libggml-cuda.so`, ... llama.cpp loads them all itself only while no
backend is registered, and the engine registers its CPU variant first (desktop.engine.cpu_backends),
so these would never load and a Vulkan build would run on the CPU alone. They are loaded here
instead, through libllama as the CPU variant is. One that does not load (no Vulkan loader or no
NVIDIA driver on this machine) is left out: the CPU still runs everything.
"""
from __future__ import annotations

import ctypes
import logging
import os
from pathlib import Path

from desktop.engine.cpu_backends import backend_name, ggml_library, library_dir

NOT_DEVICES = ("base", "cpu")  # ggml's shared core, and the CPU code (cpu, cpu-haswell, ...)

log = logging.getLogger(__name__)


def backend_files(lib_dir: Path | None = None) -> list[Path]:
    """The build's backend libraries other than the CPU's, e.g. [.../libggml-vulkan.so]."""
    lib_dir = lib_dir or library_dir()
    if lib_dir is None or not lib_dir.is_dir():
        return []
    return sorted(path for path in lib_dir.iterdir() if _is_device(backend_name(path.name)))


def _is_device(name: str | None) -> bool:
    return name is not None and not any(name == kind or name.startswith(f"{kind}-") for kind in NOT_DEVICES)


def load(llama_lib: ctypes.CDLL, lib_dir: Path | None = None) -> list[str]:
    """Register the build's GPU backends with the libggml libllama uses (after the CPU code);
    the names of those that loaded, e.g. ["vulkan"]."""
    files = backend_files(lib_dir)
    if not files:
        return []
    ggml = ggml_library(llama_lib, files[0].parent)
    loaded = []
    for path in files:
        name = backend_name(path.name)
        if ggml.ggml_backend_load(os.fsencode(path)):
            loaded.append(name)
        else:  # llama.cpp printed why (a missing driver library); the CPU runs everything
            log.info("llama.cpp's %s backend did not load on this machine", name)
    return loaded


def gpu_build() -> bool:
    """Whether this llama.cpp build has GPU code, linked into libggml (a CUDA build by
    packaging/build-cuda.sh) or in backend files beside it (a portable build, whose files load only
    with the engine's set-up, so llama_supports_gpu_offload() says no before it)."""
    import llama_cpp

    return bool(backend_files()) or bool(llama_cpp.llama_supports_gpu_offload())
