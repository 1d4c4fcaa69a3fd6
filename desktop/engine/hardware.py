"""Defaults a user should not have to tune: thread count and GPU offload, and what the GPUs are.

Threads: one per physical core (hyper-threads slow llama.cpp's matrix work down).
GPUs: in the engine worker, from llama.cpp's own device list (ggml_backend_dev_*), so every backend
the build has (CUDA, Vulkan, Metal, SYCL) is seen with its free memory, whether or not a vendor
tool is on PATH; elsewhere (feedback reports, which must not load llama.cpp) from NVML through
nvidia-ml-py. GPU offload: all layers when the build can offload and the model, its KV cache and
compute buffer fit in the free VRAM (desktop.engine.memory_estimate), otherwise the CPU; the reason
is kept so the UI can show why a model runs where it runs.
"""
from __future__ import annotations

import ctypes
import os
from collections.abc import Collection
from dataclasses import dataclass

import psutil

from desktop.engine.memory_estimate import estimate
from desktop.models.gguf_info import GgufInfo

# Headroom for the GPU runtime's own context (CUDA's is 300-500 MB).
VRAM_OVERHEAD_BYTES = 400 * 1024 * 1024
# ggml_backend_dev_type: CPU, GPU, IGPU (integrated, shares system RAM), ACCEL.
CPU_TYPE = 0
_GPU_TYPES = {1: "GPU", 2: "IGPU"}


def physical_cores() -> int:
    return psutil.cpu_count(logical=False) or os.cpu_count() or 1


@dataclass
class GpuDevice:
    name: str
    free_bytes: int
    total_bytes: int
    backend: str = "CUDA"  # the llama.cpp device name's prefix: CUDA0 -> CUDA, Vulkan0 -> Vulkan


def llama_devices(types: Collection[int] = tuple(_GPU_TYPES)) -> list[GpuDevice]:
    """The GPUs llama.cpp can offload to, from its device registry (engine worker only: this
    loads llama.cpp). Empty for a CPU-only build or a machine without a usable GPU. Asked through
    libllama's own libggml: llama_cpp._ggml opens another copy by file name, whose registry holds
    none of the backends a portable build loads into libllama's (desktop.engine.device_backends).
    `types` ([CPU_TYPE]) lists other kinds of device instead."""
    import llama_cpp

    from desktop.engine.cpu_backends import ggml_library, library_dir

    lib = ggml_library(llama_cpp.llama_cpp._lib, library_dir())
    lib.ggml_backend_dev_count.restype = ctypes.c_size_t
    lib.ggml_backend_dev_get.argtypes = [ctypes.c_size_t]
    lib.ggml_backend_dev_get.restype = ctypes.c_void_p
    lib.ggml_backend_dev_type.argtypes = [ctypes.c_void_p]
    lib.ggml_backend_dev_type.restype = ctypes.c_int
    for name in ("ggml_backend_dev_name", "ggml_backend_dev_description"):
        getattr(lib, name).argtypes = [ctypes.c_void_p]
        getattr(lib, name).restype = ctypes.c_char_p
    lib.ggml_backend_dev_memory.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_size_t),
                                            ctypes.POINTER(ctypes.c_size_t)]
    devices = []
    for index in range(lib.ggml_backend_dev_count()):
        dev = lib.ggml_backend_dev_get(index)
        if lib.ggml_backend_dev_type(dev) not in types:
            continue
        free, total = ctypes.c_size_t(0), ctypes.c_size_t(0)
        lib.ggml_backend_dev_memory(dev, ctypes.byref(free), ctypes.byref(total))
        name = (lib.ggml_backend_dev_name(dev) or b"GPU").decode(errors="replace")
        description = (lib.ggml_backend_dev_description(dev) or b"").decode(errors="replace").strip()
        devices.append(GpuDevice(description or name, free.value, total.value, name.rstrip("0123456789") or "GPU"))
    return devices


def nvidia_devices() -> list[GpuDevice]:
    """NVIDIA GPUs through NVML (nvidia-ml-py), for processes that do not load llama.cpp. Empty
    when there is no NVIDIA driver."""
    try:
        import pynvml
    except ImportError:
        return []
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError:
        return []
    try:
        devices = []
        for index in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            name = pynvml.nvmlDeviceGetName(handle)
            memory = pynvml.nvmlDeviceGetMemoryInfo(handle)
            devices.append(GpuDevice(name.decode() if isinstance(name, bytes) else name,
                                     int(memory.free), int(memory.total)))
        return devices
    except pynvml.NVMLError:
        return []
    finally:
        pynvml.nvmlShutdown()


def gpu_devices() -> list[GpuDevice]:
    """The devices choose_gpu_layers weighs (a separate name so tests can stand in other GPUs)."""
    return llama_devices()


def estimate_vram(info: GgufInfo, n_ctx: int, kv_type: str = "f16", flash_attn: bool = True) -> int:
    return estimate(info, n_ctx, kv_type, flash_attn).total + VRAM_OVERHEAD_BYTES


def choose_gpu_layers(info: GgufInfo, n_ctx: int, supports_offload: bool, requested: int | None,
                      need: int | None = None) -> tuple[int, str]:
    """(n_gpu_layers, where it runs and why) for llama.cpp's n_gpu_layers parameter. `need` is
    the VRAM for all layers (default: the f16-cache estimate at n_ctx)."""
    if requested is not None:
        if requested != 0 and not supports_offload:
            return 0, "CPU (this llama.cpp build has no GPU support; GPU layers ignored)"
        return requested, "CPU (GPU layers set to 0)" if requested == 0 else f"GPU: {requested} layers (as set)"
    if not supports_offload:
        return 0, "CPU (this llama.cpp build has no GPU support)"
    devices = gpu_devices()
    if not devices:
        return 0, "CPU (no GPU found)"
    need = need if need is not None else estimate_vram(info, n_ctx)
    best = max(devices, key=lambda d: d.free_bytes)
    if need > best.free_bytes:
        return 0, (f"CPU (needs ~{need / 2**30:.1f} GiB of VRAM, {best.name} has "
                   f"{best.free_bytes / 2**30:.1f} GiB free)")
    return -1, f"GPU: {best.name}, all layers (~{need / 2**30:.1f} GiB of {best.free_bytes / 2**30:.1f} GiB free)"
