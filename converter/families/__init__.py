"""Model families the converter knows, found by the `architectures` entry of config.json.

Each family module holds only what differs from the generic transformer in `converter.family`:
its gguf architecture, its Hugging Face class names, and any tensor or metadata quirks.
"""
from __future__ import annotations

from types import ModuleType

from desktop.errors import HearthError

from converter.families import gemma, llama, phi3, qwen2, qwen3

FAMILIES: tuple[ModuleType, ...] = (llama, qwen2, qwen3, gemma, phi3)

BY_HF_ARCHITECTURE: dict[str, ModuleType] = {
    hf_name: family for family in FAMILIES for hf_name in family.HF_ARCHITECTURES
}


def family_for(config: dict) -> ModuleType:
    """The family module for a checkpoint's config.json, or a one-line error naming the supported ones."""
    names = config.get("architectures") or []
    for name in names:
        if name in BY_HF_ARCHITECTURE:
            return BY_HF_ARCHITECTURE[name]
    shown = ", ".join(names) if names else f"model_type {config.get('model_type', '?')!r}"
    supported = ", ".join(sorted(BY_HF_ARCHITECTURE))
    raise HearthError(f"unsupported architecture {shown}; supported: {supported}")
