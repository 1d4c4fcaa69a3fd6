"""Gemma 2 and Gemma 3 (text): norms stored as (w - 1), soft-capping, sliding-window attention.

Gemma's RMSNorm multiplies by (1 + w); llama.cpp multiplies by w, so every norm weight gets +1.
The LM head is always tied to the embeddings, so a stray `lm_head.weight` is dropped.
"""
from __future__ import annotations

import gguf
from converter.decoder import Transform, head_dim
from converter.families.family import TEXT_MODEL_PREFIXES, VISION_PREFIXES, Family

ARCH_BY_HF = {"Gemma2ForCausalLM": gguf.MODEL_ARCH.GEMMA2}


def arch_for(config: dict) -> gguf.MODEL_ARCH:
    for name in config.get("architectures") or []:
        if name in ARCH_BY_HF:
            return ARCH_BY_HF[name]
    return gguf.MODEL_ARCH.GEMMA3


def write_hparams(config: dict, writer: gguf.GGUFWriter) -> None:
    if not config.get("head_dim"):  # otherwise the common keys already say it
        writer.add_key_length(head_dim(config))
        writer.add_value_length(head_dim(config))
    if config.get("attn_logit_softcapping"):
        writer.add_attn_logit_softcapping(float(config["attn_logit_softcapping"]))
    if config.get("final_logit_softcapping"):
        writer.add_final_logit_softcapping(float(config["final_logit_softcapping"]))
    if config.get("sliding_window") and config.get("sliding_window_pattern") != 1:
        writer.add_sliding_window(int(config["sliding_window"]))
    local_rope = (config.get("rope_parameters") or {}).get("sliding_attention")
    if isinstance(local_rope, dict) and local_rope.get("rope_theta") is not None:
        writer.add_rope_freq_base_swa(float(local_rope["rope_theta"]))


def tensor_transform(gguf_name: str, config: dict, n_rows: int) -> Transform:
    if gguf_name.endswith("norm.weight"):
        return Transform(shift=1.0)
    return Transform()


FAMILY = Family(
    "gemma", gguf.MODEL_ARCH.GEMMA3, ("Gemma2ForCausalLM", "Gemma3ForCausalLM", "Gemma3ForConditionalGeneration"),
    write_hparams=write_hparams, tensor_transform=tensor_transform, arch_for=arch_for,
    skipped_tensors=("lm_head.weight", "language_model.lm_head.weight"),
    renamed_prefixes=TEXT_MODEL_PREFIXES, skipped_prefixes=VISION_PREFIXES,
)
