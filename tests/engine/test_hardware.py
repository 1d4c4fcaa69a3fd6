"""GPU discovery from llama.cpp's own device list, and the answer on a machine without a GPU."""
from __future__ import annotations

import pytest

from desktop.engine import device_backends, hardware
from desktop.engine.client import EngineClient
from desktop.engine.runtime_check import apply_proven
from desktop.models.gguf_info import inspect_gguf

cpu_build = pytest.mark.skipif(device_backends.gpu_build(), reason="this llama.cpp build can offload")


@cpu_build
def test_a_cpu_build_lists_no_gpu_and_runs_on_the_cpu(smollm_path):
    assert hardware.llama_devices() == []
    info = inspect_gguf(smollm_path)
    assert hardware.choose_gpu_layers(info, 4096, False, None) == (0, "CPU (this llama.cpp build has no GPU support)")


@cpu_build
def test_the_engine_reports_the_build_it_runs():
    client = EngineClient()
    try:
        build = client.build_info()
    finally:
        client.close()
    assert (build["gpu_offload"], build["backend"], build["devices"]) == (False, "CPU", [])


def test_devices_come_with_their_free_memory():
    for device in hardware.llama_devices():  # none on a CPU build; each GPU of a GPU build
        assert device.name and device.backend and 0 < device.free_bytes <= device.total_bytes


def test_nvml_answers_without_a_driver():
    devices = hardware.nvidia_devices()  # no NVIDIA driver: an empty list, never an exception
    assert all(d.total_bytes > 0 for d in devices)


def test_a_gpu_that_is_too_small_keeps_the_model_on_the_cpu(smollm_path, monkeypatch):
    info = inspect_gguf(smollm_path)
    monkeypatch.setattr(hardware, "gpu_devices", lambda: [hardware.GpuDevice("MX150", 2**28, 2**31)])
    need = hardware.estimate_vram(info, 8192)
    layers, where = hardware.choose_gpu_layers(info, 8192, True, None, need=need)
    assert layers == 0 and where.startswith(f"CPU (needs ~{need / 2**30:.1f} GiB of VRAM, MX150 has 0.2 GiB free")
    assert hardware.estimate_vram(info, 8192, "q4_0") < need


def test_devices_are_read_from_the_registry_llama_cpp_runs_on(smollm_path):
    apply_proven(str(smollm_path))  # the engine's set-up: the CPU code it chose is registered
    cpus = hardware.llama_devices(types=[hardware.CPU_TYPE])
    assert [device.backend for device in cpus] == ["CPU"] and cpus[0].total_bytes > 0
