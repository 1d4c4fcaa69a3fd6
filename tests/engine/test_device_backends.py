"""A portable build's GPU backends (desktop.engine.device_backends): found beside libllama, loaded
into the libggml it uses, and left out when they do not load here."""
from __future__ import annotations

import llama_cpp

from desktop.engine import device_backends


def test_gpu_backends_are_told_apart_from_the_cpu_code_and_the_core(tmp_path):
    for name in ("libggml-base.so", "libggml-cpu-haswell.so", "libggml-cpu.so", "libggml.so", "libllama.so",
                 "libggml-vulkan.so", "libggml-cuda.so", "libggml-base.so.0"):
        (tmp_path / name).write_bytes(b"")
    assert [p.name for p in device_backends.backend_files(tmp_path)] == ["libggml-cuda.so", "libggml-vulkan.so"]


def test_a_backend_that_does_not_load_here_is_left_out(tmp_path):
    (tmp_path / "libggml-vulkan.so").write_bytes(b"not a library")  # as good as a missing driver
    assert device_backends.load(llama_cpp.llama_cpp._lib, tmp_path) == []
