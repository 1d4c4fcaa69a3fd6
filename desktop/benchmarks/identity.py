"""What a saved benchmark run says about the model and the software that produced it."""
from __future__ import annotations

import hashlib
import platform
from importlib import metadata
from typing import Any

from desktop import __version__
from desktop.engine.types import ModelInfo
from desktop.models.catalog import CATALOG


def model_identity(info: ModelInfo) -> dict[str, Any]:
    """Path, file name, sha256 (the catalog's when it is a catalog file, else computed),
    quantization, architecture, size: enough for a model's makers to know exactly which file."""
    return {"path": info.path, "name": info.name, "sha256": _sha256(info.path, info.size_bytes),
            "quantization": info.quantization, "architecture": info.architecture,
            "size_bytes": info.size_bytes, "parameters": info.parameters,
            "chat_template_sha256": info.chat_template_sha256, "n_ctx": info.n_ctx,
            "n_gpu_layers": info.n_gpu_layers, "offload": info.offload}


def versions() -> dict[str, str | None]:
    try:
        llama = metadata.version("llama_cpp_python")
    except metadata.PackageNotFoundError:
        llama = None
    return {"hearth": __version__, "llama_cpp_python": llama, "python": platform.python_version(),
            "os": platform.platform()}


def _sha256(path: str, size: int) -> str:
    for entry in CATALOG:
        if path.endswith("/" + entry.file_name) and entry.size_bytes == size and entry.sha256:
            return entry.sha256
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()
