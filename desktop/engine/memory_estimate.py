"""How much memory a model needs at a given context, KV cache type and attention kernel, read from
the GGUF header alone, so the app and the CLI can say it before loading and refuse what cannot fit.

Three parts, as llama.cpp allocates them:
- weights: the tensor data (memory-mapped; it has to be resident to run at speed);
- KV cache: n_ctx x layers x kv_heads x (key + value head size), at the cache type's bytes per
  element (q8_0 and q4_0 are blocks of 32 values: 34 and 18 bytes);
- compute buffer: the largest intermediate of one 512-token batch: the logits (vocabulary x batch
  f32) or, without flash attention, the attention scores (n_ctx x batch x heads f32). The factors
  are fitted to llama.cpp's own reports for SmolLM2-135M and Qwen2.5-0.5B at 2K-32K (within 10%;
  tests/engine/test_load_options.py compares them with what llama.cpp allocates).
"""
from __future__ import annotations

from dataclasses import dataclass

from gguf import GGML_QUANT_SIZES, GGMLQuantizationType

from desktop.models.gguf_info import GgufInfo

N_UBATCH = 512  # llama-cpp-python's default micro-batch: the compute buffer is sized for it
LOGITS_FACTOR = 1.03
SCORES_FACTOR = 1.12
GIB = 2**30

# The KV cache types Hearth offers (desktop.engine.types.KV_CACHE_TYPES), as ggml types.
GGML_KV_TYPES = {"f16": GGMLQuantizationType.F16, "q8_0": GGMLQuantizationType.Q8_0,
                  "q4_0": GGMLQuantizationType.Q4_0}


def bytes_per_element(kv_type: str) -> float:
    block, size = GGML_QUANT_SIZES[GGML_KV_TYPES[kv_type]]
    return size / block


@dataclass(frozen=True)
class MemoryEstimate:
    weights: int
    kv_cache: int
    compute: int

    @property
    def total(self) -> int:
        return self.weights + self.kv_cache + self.compute

    def describe(self) -> str:
        """"~1.2 GiB (weights 0.46 + KV cache 0.38 + compute 0.29 GiB)": one line for CLI and logs."""
        return (f"~{self.total / GIB:.2f} GiB (weights {self.weights / GIB:.2f} + KV cache "
                f"{self.kv_cache / GIB:.2f} + compute {self.compute / GIB:.2f} GiB)")


def _head_sizes(info: GgufInfo) -> tuple[int, int, int, int]:
    """(layers, heads, kv_heads, key+value head size) from the architecture's metadata."""
    layers = info.arch_int("block_count")
    heads = info.arch_int("attention.head_count", 1) or 1
    kv_heads = info.arch_int("attention.head_count_kv", heads) or heads
    embd = info.arch_int("embedding_length")
    key = info.arch_int("attention.key_length", embd // heads)
    value = info.arch_int("attention.value_length", key)
    return layers, heads, kv_heads, key + value


def kv_cache_bytes(info: GgufInfo, n_ctx: int, kv_type: str = "f16") -> int:
    layers, _, kv_heads, head_kv = _head_sizes(info)
    return int(n_ctx * layers * kv_heads * head_kv * bytes_per_element(kv_type))


def compute_bytes(info: GgufInfo, n_ctx: int, flash_attn: bool) -> int:
    vocab = info.array_lengths.get("tokenizer.ggml.tokens") or info.arch_int("vocab_size")
    _, heads, _, _ = _head_sizes(info)
    logits = vocab * N_UBATCH * 4 * LOGITS_FACTOR
    scores = 0 if flash_attn else n_ctx * N_UBATCH * heads * 4 * SCORES_FACTOR
    return int(max(logits, scores))


def estimate(info: GgufInfo, n_ctx: int, kv_type: str = "f16", flash_attn: bool = True) -> MemoryEstimate:
    return MemoryEstimate(info.size_bytes, kv_cache_bytes(info, n_ctx, kv_type),
                          compute_bytes(info, n_ctx, flash_attn))
