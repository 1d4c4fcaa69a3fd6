"""Qwen2-MoE and Qwen3-MoE: the Qwen2 / Qwen3 decoders with a mixture-of-experts feed-forward.

Each layer routes a token to `num_experts_per_tok` of `num_experts` small SwiGLU experts (Qwen2-MoE
adds one always-on shared expert with its own sigmoid gate). The per-expert tensors are stacked by
`converter.experts`; what this family adds is the experts' feed-forward sizes, and for a Qwen2-MoE
with tied embeddings an output tensor copied from the embedding, which llama.cpp's qwen2moe needs.
"""
from __future__ import annotations

import gguf

from converter.families.family import Family

ARCH_BY_HF = {"Qwen2MoeForCausalLM": gguf.MODEL_ARCH.QWEN2MOE, "Qwen3MoeForCausalLM": gguf.MODEL_ARCH.QWEN3MOE}


def arch_for(config: dict) -> gguf.MODEL_ARCH:
    for name in config.get("architectures") or []:
        if name in ARCH_BY_HF:
            return ARCH_BY_HF[name]
    return gguf.MODEL_ARCH.QWEN3MOE


def write_hparams(config: dict, writer: gguf.GGUFWriter) -> None:
    writer.add_expert_feed_forward_length(int(config["moe_intermediate_size"]))
    if config.get("shared_expert_intermediate_size"):
        writer.add_expert_shared_feed_forward_length(int(config["shared_expert_intermediate_size"]))


# llama.cpp's qwen2moe graph requires output.weight (qwen3moe falls back to the embedding)
FAMILY = Family("qwen_moe", gguf.MODEL_ARCH.QWEN3MOE, tuple(ARCH_BY_HF), write_hparams=write_hparams, arch_for=arch_for,
                output_required=(gguf.MODEL_ARCH.QWEN2MOE,))
