"""The generic decoder-only transformer every family builds on: config.json -> gguf keys and shapes.

Names come from the `gguf` package's own tables (`gguf.get_tensor_name_map`, `gguf.Keys` through
`GGUFWriter.add_*`), so the converter follows llama.cpp's conventions without restating them. What a
family changes is declared by its `Family` value (converter/families/family.py).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import gguf
import numpy as np

from converter.experts import n_experts
from desktop.errors import HearthError

# Hugging Face tensors that hold nothing llama.cpp needs (buffers recomputed at load time).
SKIPPED_SUFFIXES = (".rotary_emb.inv_freq", ".attention.masked_bias", ".attention.bias")


@dataclass(frozen=True)
class Transform:
    """How one tensor's stored rows become the gguf tensor's rows."""

    row_order: np.ndarray | None = None  # output row i comes from source row row_order[i]
    shift: float = 0.0  # added to every value (Gemma stores norm weights as w - 1)


def load_config(folder: Path) -> dict:
    """config.json, with a multimodal checkpoint's `text_config` lifted to the top level."""
    path = folder / "config.json"
    if not path.is_file():
        raise HearthError(f"{folder} has no config.json; is it a Hugging Face checkpoint folder?")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HearthError(f"{path} is not valid JSON ({exc})") from None
    if isinstance(config.get("text_config"), dict):
        config = {**config, **config["text_config"]}
    return config


def n_layers(config: dict) -> int:
    return int(config["num_hidden_layers"])


def head_dim(config: dict) -> int:
    return int(config.get("head_dim") or config["hidden_size"] // config["num_attention_heads"])


def n_kv_heads(config: dict) -> int:
    return int(config.get("num_key_value_heads") or config["num_attention_heads"])


def rope_parameters(config: dict) -> dict:
    """Rope settings in one dict whether the config uses `rope_scaling` or the newer `rope_parameters`."""
    params = dict(config.get("rope_parameters") or config.get("rope_scaling") or {})
    if isinstance(params.get("full_attention"), dict):  # per layer type (Gemma 3): the global layers' rope
        params = dict(params["full_attention"])
    if "rope_type" not in params and "type" in params:
        params["rope_type"] = params["type"]
    if "rope_theta" not in params and "rope_theta" in config:
        params["rope_theta"] = config["rope_theta"]
    return params


def write_common_hparams(config: dict, writer: gguf.GGUFWriter) -> None:
    """The keys every decoder-only transformer here has, from config.json."""
    writer.add_block_count(n_layers(config))
    writer.add_context_length(int(config.get("max_position_embeddings", 4096)))
    writer.add_embedding_length(int(config["hidden_size"]))
    writer.add_feed_forward_length(int(config["intermediate_size"]))
    writer.add_head_count(int(config["num_attention_heads"]))
    writer.add_head_count_kv(n_kv_heads(config))
    writer.add_layer_norm_rms_eps(float(config.get("rms_norm_eps", 1e-6)))
    experts = n_experts(config)
    if experts is not None:
        writer.add_expert_count(experts)
        writer.add_expert_used_count(int(config["num_experts_per_tok"]))
    if config.get("head_dim"):
        writer.add_key_length(int(config["head_dim"]))
        writer.add_value_length(int(config["head_dim"]))
    rope = rope_parameters(config)
    if rope.get("rope_theta") is not None:
        writer.add_rope_freq_base(float(rope["rope_theta"]))
    kind, factor = rope.get("rope_type"), rope.get("factor")
    if kind == "linear" and factor:
        writer.add_rope_scaling_type(gguf.RopeScalingType.LINEAR)
        writer.add_rope_scaling_factor(float(factor))
    elif kind == "yarn" and factor:
        writer.add_rope_scaling_type(gguf.RopeScalingType.YARN)
        writer.add_rope_scaling_factor(float(factor))
        writer.add_rope_scaling_orig_ctx_len(int(rope["original_max_position_embeddings"]))
        for key, add in (("extrapolation_factor", writer.add_rope_scaling_yarn_ext_factor),
                         ("attention_factor", writer.add_rope_scaling_yarn_attn_factor),
                         ("beta_fast", writer.add_rope_scaling_yarn_beta_fast),
                         ("beta_slow", writer.add_rope_scaling_yarn_beta_slow)):
            if rope.get(key) is not None:
                add(float(rope[key]))


def expected_shapes(config: dict, vocab_rows: int) -> dict[gguf.MODEL_TENSOR, tuple[int, ...]]:
    """The shape (numpy order, rows first) each common weight must have, for a clear mismatch error."""
    T = gguf.MODEL_TENSOR
    embd, ff, hd = int(config["hidden_size"]), int(config["intermediate_size"]), head_dim(config)
    q_rows, kv_rows = int(config["num_attention_heads"]) * hd, n_kv_heads(config) * hd
    return {
        T.TOKEN_EMBD: (vocab_rows, embd), T.OUTPUT: (vocab_rows, embd), T.OUTPUT_NORM: (embd,),
        T.ATTN_NORM: (embd,), T.FFN_NORM: (embd,), T.ATTN_Q: (q_rows, embd), T.ATTN_K: (kv_rows, embd),
        T.ATTN_V: (kv_rows, embd), T.ATTN_OUT: (embd, q_rows), T.ATTN_QKV: (q_rows + 2 * kv_rows, embd),
        T.FFN_GATE: (ff, embd), T.FFN_UP: (ff, embd), T.FFN_DOWN: (embd, ff),
        **_expert_shapes(config),
    }


def _expert_shapes(config: dict) -> dict[gguf.MODEL_TENSOR, tuple[int, ...]]:
    """Stacked expert weights, the router and the shared expert of a mixture-of-experts config."""
    count = n_experts(config)
    if count is None:
        return {}
    T = gguf.MODEL_TENSOR
    embd, ff = int(config["hidden_size"]), int(config.get("moe_intermediate_size") or config["intermediate_size"])
    shapes = {T.FFN_GATE_EXP: (count, ff, embd), T.FFN_UP_EXP: (count, ff, embd), T.FFN_DOWN_EXP: (count, embd, ff),
              T.FFN_GATE_INP: (count, embd)}
    if config.get("shared_expert_intermediate_size"):
        shared = int(config["shared_expert_intermediate_size"])
        shapes |= {T.FFN_GATE_SHEXP: (shared, embd), T.FFN_UP_SHEXP: (shared, embd), T.FFN_DOWN_SHEXP: (embd, shared),
                   T.FFN_GATE_INP_SHEXP: (1, embd)}
    return shapes


def tensor_kind(arch: gguf.MODEL_ARCH, gguf_name: str) -> gguf.MODEL_TENSOR | None:
    """Which MODEL_TENSOR a gguf tensor name is (blk.N.attn_q.weight -> ATTN_Q)."""
    base = gguf_name.rsplit(".", 1)[0]
    for kind in gguf.MODEL_TENSORS[arch]:
        pattern = gguf.TENSOR_NAMES[kind]
        if "{bid}" in pattern:
            prefix, suffix = pattern.split("{bid}")
            if base.startswith(prefix) and base.endswith(suffix) and base[len(prefix):len(base) - len(suffix)].isdigit():
                return kind
        elif base == pattern:
            return kind
    return None
