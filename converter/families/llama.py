"""Llama 2/3.x, SmolLM, Mistral: the reference decoder.

Differs from the generic transformer in two ways. Hugging Face stores q/k projection rows grouped
as two rotary halves per head (for `rotate_half`), llama.cpp wants the halves interleaved, so those
rows are reordered. Llama 3.1+ "llama3" rope scaling becomes a `rope_freqs` tensor of per-frequency
factors.
"""
from __future__ import annotations

import math

import gguf
import numpy as np

from converter.decoder import Transform, head_dim, n_kv_heads, rope_parameters
from converter.families.family import Family


def write_hparams(config: dict, writer: gguf.GGUFWriter) -> None:
    writer.add_vocab_size(int(config["vocab_size"]))
    writer.add_rope_dimension_count(head_dim(config))


def interleave_rotary_rows(n_rows: int, n_heads: int) -> np.ndarray:
    """Row order turning HF's [first halves | second halves] per head into llama.cpp's pairs."""
    per_head = n_rows // n_heads
    return np.arange(n_rows).reshape(n_heads, 2, per_head // 2).swapaxes(1, 2).reshape(-1)


def tensor_transform(gguf_name: str, config: dict, n_rows: int) -> Transform:
    if ".attn_q." in gguf_name:
        return Transform(row_order=interleave_rotary_rows(n_rows, int(config["num_attention_heads"])))
    if ".attn_k." in gguf_name:
        return Transform(row_order=interleave_rotary_rows(n_rows, n_kv_heads(config)))
    return Transform()


def extra_tensors(config: dict) -> dict[str, np.ndarray]:
    """Llama 3.1's frequency-dependent rope scaling, precomputed as llama.cpp's rope_freqs."""
    rope = rope_parameters(config)
    if str(rope.get("rope_type", "")).lower() != "llama3":
        return {}
    dim, base, factor = head_dim(config), float(rope.get("rope_theta", 10000.0)), float(rope.get("factor", 8.0))
    low, high = float(rope.get("low_freq_factor", 1.0)), float(rope.get("high_freq_factor", 4.0))
    old_ctx = float(rope.get("original_max_position_embeddings", 8192))
    low_wavelen, high_wavelen = old_ctx / low, old_ctx / high
    factors = []
    for freq in 1.0 / (base ** (np.arange(0, dim, 2, dtype=np.float64) / dim)):
        wavelen = 2 * math.pi / freq
        if wavelen < high_wavelen:
            factors.append(1.0)
        elif wavelen > low_wavelen:
            factors.append(factor)
        else:
            smooth = (old_ctx / wavelen - low) / (high - low)
            factors.append(1.0 / ((1 - smooth) / factor + smooth))
    return {gguf.TENSOR_NAMES[gguf.MODEL_TENSOR.ROPE_FREQS] + ".weight": np.array(factors, dtype=np.float32)}


FAMILY = Family("llama", gguf.MODEL_ARCH.LLAMA, ("LlamaForCausalLM", "MistralForCausalLM"),
                write_hparams=write_hparams, tensor_transform=tensor_transform, extra_tensors=extra_tensors)
