"""Phi-3 / Phi-3.5 mini: fused qkv and gate_up projections, partial rotary, long-rope factors.

llama.cpp's phi3 graph reads the fused tensors as they are (ATTN_QKV, and FFN_UP holding gate and
up), so no splitting is needed; what differs is the rope: dimension count from the rotary fraction,
and for the 128k variants the long/short factor tensors plus their attention factor.
"""
from __future__ import annotations

import math

import gguf
import numpy as np

from converter.decoder import rope_parameters
from converter.families.family import Family


def _rope_dims(config: dict) -> int:
    fraction = float(rope_parameters(config).get("partial_rotary_factor", config.get("partial_rotary_factor", 1.0)))
    return int(fraction * int(config["hidden_size"])) // int(config["num_attention_heads"])


def write_hparams(config: dict, writer: gguf.GGUFWriter) -> None:
    writer.add_rope_dimension_count(_rope_dims(config))
    writer.add_rope_scaling_orig_ctx_len(int(config.get("original_max_position_embeddings")
                                             or config.get("max_position_embeddings", 4096)))
    writer.add_sliding_window(int(config.get("sliding_window") or 0))
    rope = rope_parameters(config)
    if rope.get("long_factor") and rope.get("short_factor"):
        orig = float(config.get("original_max_position_embeddings") or rope["original_max_position_embeddings"])
        scale = float(config["max_position_embeddings"]) / orig
        writer.add_rope_scaling_attn_factors(math.sqrt(1 + math.log(scale) / math.log(orig)) if scale > 1.0 else 1.0)


def extra_tensors(config: dict) -> dict[str, np.ndarray]:
    rope = rope_parameters(config)
    long, short = rope.get("long_factor"), rope.get("short_factor")
    if not long or not short:
        return {}
    return {
        gguf.TENSOR_NAMES[gguf.MODEL_TENSOR.ROPE_FACTORS_LONG] + ".weight": np.array(long, dtype=np.float32),
        gguf.TENSOR_NAMES[gguf.MODEL_TENSOR.ROPE_FACTORS_SHORT] + ".weight": np.array(short, dtype=np.float32),
    }


# gate_up_proj is [gate; up] stacked, twice the intermediate size.
FAMILY = Family("phi3", gguf.MODEL_ARCH.PHI3, ("Phi3ForCausalLM",), write_hparams=write_hparams,
                extra_tensors=extra_tensors, ffn_up_rows_factor=2)
