"""The reproducibility context every report carries: which model, which build, which machine.

A maker who receives a report must be able to run the same model file (by sha256) with the same
chat template, sampling parameters and seed on a comparable build, so all of that is gathered here
from the model file itself (read without loading it), the Python environment and the OS.
"""
from __future__ import annotations

import copy
import functools
import os
import platform
from dataclasses import replace
from importlib import metadata
from pathlib import Path
from typing import Any

from desktop import __version__
from desktop.errors import HearthError
from desktop.models.identity import ModelIdentity, cached_sha256, describe, find_by_sha256
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


def model_facts(model_file: str | None, sha256: str | None) -> dict[str, Any]:
    """The report's `model` block for an answer recorded with this file name and sha256."""
    return model_identity(model_file, sha256).to_report()


def model_identity(model_file: str | None, sha256: str | None) -> ModelIdentity:
    """What identifies the model behind an answer, from what the answer recorded.

    The recorded sha256 is the truth: the file's facts are added when the file on this machine is
    still that file (or has not been hashed, so nothing says otherwise), else they come from the
    hash cache or the catalog by sha256 (a file that was moved or deleted). Hashing is never done
    here (the dialog rebuilds its preview on every edit); `hearth feedback new` and the app hash
    in advance and fill the answer in. Whatever stays unknown is explained in `incomplete_reason`."""
    if not model_file and not sha256:
        return ModelIdentity(incomplete_reason="the answer does not record which model produced it")
    remote = ModelIdentity.of_reference(model_file) if model_file else None
    if remote is not None:  # a model on another server: named by endpoint and model id, no file
        return remote
    name = Path(model_file).name if model_file else None
    path = resolve_model_path(model_file)
    if path is not None and (sha256 is None or cached_sha256(path) in (None, sha256)):
        return replace(describe(path, sha256), file=name)
    if sha256:
        known = find_by_sha256(sha256, name)
        if known is not None:
            return known
        where = (f"{name} on this machine is no longer the file that answered (its sha256 differs)"
                 if path is not None else f"{name or 'the model file'} is not on this machine")
        return ModelIdentity(file=name, sha256=sha256, incomplete_reason=f"{where}; only its name and sha256 are known")
    return ModelIdentity(file=name, incomplete_reason=f"{name} is not on this machine (neither at the recorded path "
                                                      "nor in the models folder) and the answer was recorded "
                                                      "without its sha256")


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
