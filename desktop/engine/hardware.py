"""Defaults a user should not have to tune: thread count and GPU offload.

Threads: one per physical core (hyper-threads slow llama.cpp's matrix work down).
GPU offload: all layers when the llama.cpp build can offload and the model plus its KV cache fit
in the free VRAM (estimated from the GGUF metadata), otherwise the CPU; the reason is kept so the
UI can show why a model runs where it runs.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass

import psutil

from desktop.models.gguf_info import GgufInfo

# Headroom for llama.cpp's compute buffers and the CUDA context.
VRAM_OVERHEAD_BYTES = 400 * 1024 * 1024


def physical_cores() -> int:
    return psutil.cpu_count(logical=False) or os.cpu_count() or 1


@dataclass
class GpuDevice:
    name: str
    free_bytes: int
    total_bytes: int


def nvidia_devices() -> list[GpuDevice]:
    """NVIDIA GPUs as nvidia-smi reports them (empty when there is none or no driver)."""
    if not shutil.which("nvidia-smi"):
        return []
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,memory.free,memory.total", "--format=csv,noheader,nounits"],
            capture_output=True, text=True, timeout=5, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    devices = []
    for line in out.strip().splitlines():
        name, free, total = (part.strip() for part in line.rsplit(",", 2))
        devices.append(GpuDevice(name, int(free) * 1024 * 1024, int(total) * 1024 * 1024))
    return devices


def kv_cache_bytes(info: GgufInfo, n_ctx: int) -> int:
    """f16 K and V for every layer: n_ctx x n_layers x kv_heads x head_dim x 2 x 2 bytes."""
    layers = info.arch_int("block_count")
    heads = info.arch_int("attention.head_count", 1) or 1
    kv_heads = info.arch_int("attention.head_count_kv", heads) or heads
    embd = info.arch_int("embedding_length")
    head_dim = info.arch_int("attention.key_length", embd // heads if heads else 0)
    return n_ctx * layers * kv_heads * head_dim * 2 * 2


def estimate_vram(info: GgufInfo, n_ctx: int) -> int:
    return info.size_bytes + kv_cache_bytes(info, n_ctx) + VRAM_OVERHEAD_BYTES


def choose_gpu_layers(info: GgufInfo, n_ctx: int, supports_offload: bool,
                      requested: int | None) -> tuple[int, str]:
    """(n_gpu_layers, where it runs and why) for llama.cpp's n_gpu_layers parameter."""
    if requested is not None:
        if requested != 0 and not supports_offload:
            return 0, "CPU (this llama.cpp build has no GPU support; GPU layers ignored)"
        return requested, "CPU (GPU layers set to 0)" if requested == 0 else f"GPU: {requested} layers (as set)"
    if not supports_offload:
        return 0, "CPU (this llama.cpp build has no GPU support)"
    devices = nvidia_devices()
    if not devices:
        return 0, "CPU (no GPU found)"
    need = estimate_vram(info, n_ctx)
    best = max(devices, key=lambda d: d.free_bytes)
    if need > best.free_bytes:
        return 0, (f"CPU (needs ~{need / 2**30:.1f} GiB of VRAM, {best.name} has "
                   f"{best.free_bytes / 2**30:.1f} GiB free)")
    return -1, f"GPU: {best.name}, all layers (~{need / 2**30:.1f} GiB of {best.free_bytes / 2**30:.1f} GiB free)"
