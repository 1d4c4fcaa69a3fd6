"""Model families the converter knows, found by the `architectures` entry of config.json.

Each family module holds only what differs from the generic decoder in `converter.decoder` and
declares it as one `Family` value (converter/families/family.py): its gguf architecture, its
Hugging Face class names, and its hooks.
"""
from __future__ import annotations

from desktop.errors import HearthError

from converter.families import gemma, granite, llama, mistral3, olmo2, phi3, qwen2, qwen3, qwen_moe
from converter.families.family import Family

FAMILIES: tuple[Family, ...] = (llama.FAMILY, mistral3.FAMILY, granite.FAMILY, qwen2.FAMILY, qwen3.FAMILY, qwen_moe.FAMILY,
                                gemma.FAMILY, phi3.FAMILY, olmo2.FAMILY)

BY_HF_ARCHITECTURE: dict[str, Family] = {
    hf_name: family for family in FAMILIES for hf_name in family.hf_architectures
}


def family_for(config: dict) -> Family:
    """The family for a checkpoint's config.json, or a one-line error naming the supported ones."""
    names = config.get("architectures") or []
    for name in names:
        if name in BY_HF_ARCHITECTURE:
            return BY_HF_ARCHITECTURE[name]
    shown = ", ".join(names) if names else f"model_type {config.get('model_type', '?')!r}"
    supported = ", ".join(sorted(BY_HF_ARCHITECTURE))
    raise HearthError(f"unsupported architecture {shown}; supported: {supported}")
