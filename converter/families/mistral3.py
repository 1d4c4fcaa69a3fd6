"""Ministral 3 and Mistral Small 3.x: the llama decoder under llama.cpp's mistral3 architecture.

Ministral 3 stretches its context with YaRN rope (the common keys carry factor and betas) and
scales attention temperature with position (Llama 4's scheme); both become metadata. Rows are
reordered for rope as for llama. Mistral Small 3.x checkpoints hold the text model under
`language_model.*` next to a Pixtral vision tower, which belongs in a separate mmproj file.
"""
from __future__ import annotations

import gguf

from converter.decoder import rope_parameters
from converter.families import llama
from converter.families.family import TEXT_MODEL_PREFIXES, VISION_PREFIXES, Family


def write_hparams(config: dict, writer: gguf.GGUFWriter) -> None:
    llama.write_hparams(config, writer)
    rope = rope_parameters(config)
    if rope.get("rope_type") == "yarn" and rope.get("mscale_all_dim") is not None:
        writer.add_rope_scaling_yarn_log_mul(float(rope["mscale_all_dim"]))
    if rope.get("llama_4_scaling_beta") is not None:
        writer.add_attn_temperature_scale(float(rope["llama_4_scaling_beta"]))


FAMILY = Family(
    "mistral3", gguf.MODEL_ARCH.MISTRAL3, ("Ministral3ForCausalLM", "Mistral3ForConditionalGeneration"),
    write_hparams=write_hparams, tensor_transform=llama.tensor_transform,
    renamed_prefixes={**TEXT_MODEL_PREFIXES, "language_model.lm_head.": "lm_head."}, skipped_prefixes=VISION_PREFIXES,
)
