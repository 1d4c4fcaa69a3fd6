"""The reproducibility context every report carries: which model, which build, which machine.

A maker who receives a report must be able to run the same model file (by sha256) with the same
chat template, sampling parameters and seed on a comparable build, so all of that is gathered here
from the model file itself (read without loading it), the Python environment and the OS.
"""
from __future__ import annotations

import copy
import functools
import hashlib
import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from desktop import __version__
from desktop.errors import HearthError
from desktop.paths import models_dir


def resolve_model_path(model_file: str | None) -> Path | None:
    """The model file a message was generated with: as recorded, or by name in the models folder."""
    if not model_file:
        return None
    path = Path(model_file).expanduser()
    if path.is_file():
        return path
    candidate = models_dir() / path.name
    return candidate if candidate.is_file() else None


def model_facts(model_file: str | None, sha256: str | None) -> dict[str, Any] | None:
    facts = _model_facts(model_file, sha256)
    return dict(facts) if facts is not None else None


@functools.lru_cache(maxsize=16)  # the dialog rebuilds its preview on every edit
def _model_facts(model_file: str | None, sha256: str | None) -> dict[str, Any] | None:
    """What identifies a model: its file name and sha256, plus what its GGUF header says.

    The sha256 comes from the store (computed when the model was loaded) because hashing a
    multi-gigabyte file for every report would take seconds. A model file that has since been
    moved or deleted still yields its name and hash."""
    if not model_file and not sha256:
        return None
    facts: dict[str, Any] = {
        "file": Path(model_file).name if model_file else None, "sha256": sha256,
        "architecture": None, "quantization": None, "size_bytes": None, "parameters": None,
        "chat_template_sha256": None, "license": None, "source_url": None,
    }
    path = resolve_model_path(model_file)
    if path is None:
        return facts
    from desktop.models.gguf_info import inspect_gguf

    try:
        info = inspect_gguf(path)
    except HearthError:
        return facts
    template = info.chat_template
    facts.update(
        architecture=info.architecture, quantization=info.quantization, size_bytes=info.size_bytes,
        parameters=info.parameters, license=info.license, source_url=_source_url(info.metadata) or info.source_url,
        chat_template_sha256=hashlib.sha256(template.encode("utf-8")).hexdigest() if template else None,
    )
    return facts


# GGUF metadata keys that may name where a model comes from, most specific first.
SOURCE_KEYS = ("general.source.url", "general.source.repo_url", "general.repo_url", "general.url")


def _source_url(metadata: dict[str, Any]) -> str | None:
    """The first GitHub address among the source keys: that is where an issue can be filed."""
    for key in SOURCE_KEYS:
        value = metadata.get(key)
        if isinstance(value, str) and "github.com" in value:
            return value
    return None


@functools.lru_cache(maxsize=1)
def llama_cpp_build() -> dict[str, Any]:
    """llama-cpp-python's version and build features (CUDA or not, CPU instruction sets).

    Asked of an engine worker, because llama_cpp is only ever imported there; the answer cannot
    change while Hearth runs, so it is asked once."""
    from desktop.engine.client import EngineClient

    client = EngineClient()
    try:
        info = client.build_info()
    except HearthError:
        info = None
    finally:
        client.close()
    if not info:
        try:
            version = metadata.version("llama_cpp_python")
        except metadata.PackageNotFoundError:
            version = None
        return {"version": version, "cuda": None, "backend": None, "features": None}
    return {"version": info.get("llama_cpp_python"), "cuda": info.get("backend") == "CUDA",
            "backend": info.get("backend"), "features": info.get("system_info")}


def environment() -> dict[str, Any]:
    """Hearth version, llama.cpp build, OS, CPU, RAM and GPU of this machine."""
    return copy.deepcopy(_environment())


@functools.lru_cache(maxsize=1)  # none of it changes while Hearth runs; nvidia-smi is slow
def _environment() -> dict[str, Any]:
    return {
        "hearth_version": __version__,
        "llama_cpp_python": llama_cpp_build(),
        "python": platform.python_version(),
        "os": platform.platform(),
        "cpu": _cpu_name(),
        "cpu_count": os.cpu_count(),
        "ram_bytes": _ram_bytes(),
        "gpu": _gpus(),
    }


def memory_now() -> dict[str, Any]:
    """Free RAM and per-GPU memory in use at the moment of the report (a performance report's
    "how loaded was the machine"), unlike the fixed totals of `environment()`."""
    import psutil

    from desktop.engine.hardware import nvidia_devices

    return {"ram_available_bytes": int(psutil.virtual_memory().available),
            "gpu": [{"name": gpu.name, "memory_total_bytes": gpu.total_bytes,
                     "memory_used_bytes": gpu.total_bytes - gpu.free_bytes} for gpu in nvidia_devices()]}


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_bytes() -> int:
    import psutil

    return int(psutil.virtual_memory().total)


def _gpus() -> list[dict[str, Any]]:
    """NVIDIA GPUs by name and memory; an empty list on machines without one."""
    from desktop.engine.hardware import nvidia_devices

    return [{"name": gpu.name, "memory_bytes": gpu.total_bytes} for gpu in nvidia_devices()]
