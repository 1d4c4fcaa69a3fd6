"""The names the loaded model answers to in `/v1/models`.

One model is loaded, and like llama.cpp's server any model name in a request is served by it; the
list still names it the ways a user would: the name they started the server with, its catalog name,
its GGUF file name and that name without `.gguf`.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from desktop.engine.types import ModelInfo
from desktop.models.catalog import CATALOG
from desktop.models.identity import parse_remote_reference


def model_names(info: ModelInfo, extra: Sequence[str] = ()) -> list[str]:
    """`extra` first, then the catalog name, file name and file stem; no duplicates. A remote
    model (`hearth serve --engine`) answers to its id on that server."""
    if parse_remote_reference(info.path):
        return list(dict.fromkeys([*extra, info.name]))
    file = Path(info.path)
    catalog = [m.name for m in CATALOG if m.file_name == file.name]
    names: list[str] = []
    for name in [*extra, *catalog, file.name, file.stem]:
        if name and name not in names:
            names.append(name)
    return names


def model_entry(name: str, info: ModelInfo) -> dict:
    """One `/v1/models` entry, OpenAI's fields plus what a client may want to show."""
    try:
        created = int(Path(info.path).stat().st_mtime)
    except OSError:
        created = 0
    return {
        "id": name,
        "object": "model",
        "created": created,
        "owned_by": "hearth",
        "meta": {
            "architecture": info.architecture,
            "quantization": info.quantization,
            "n_ctx": info.n_ctx,
            "context_length": info.context_length,
            "size_bytes": info.size_bytes,
            "parameters": info.parameters,
        },
    }
