"""Output types: which are encoded here in numpy and which go through llama.cpp's quantizer.

Float types and the legacy block quants (q8_0, q4_0, q4_1, q5_0, q5_1) are row-local, so they are
encoded chunk by chunk with `gguf.quants` (numpy ports of ggml's reference quantizers, bit-exact).
K-quants and iq4_xs choose a type per tensor (llama-quantize's mix) and may use an importance
matrix, so they are produced by `llama_model_quantize` from an intermediate 16-bit gguf.
"""
from __future__ import annotations

import gguf
import numpy as np

Q = gguf.GGMLQuantizationType
F = gguf.LlamaFileType

NUMPY_TYPES: dict[str, tuple[Q, F]] = {
    "f32": (Q.F32, F.ALL_F32),
    "f16": (Q.F16, F.MOSTLY_F16),
    "bf16": (Q.BF16, F.MOSTLY_BF16),
    "q8_0": (Q.Q8_0, F.MOSTLY_Q8_0),
    "q4_0": (Q.Q4_0, F.MOSTLY_Q4_0),
    "q4_1": (Q.Q4_1, F.MOSTLY_Q4_1),
    "q5_0": (Q.Q5_0, F.MOSTLY_Q5_0),
    "q5_1": (Q.Q5_1, F.MOSTLY_Q5_1),
}
LLAMA_CPP_TYPES: dict[str, F] = {
    "q2_k": F.MOSTLY_Q2_K,
    "q3_k_m": F.MOSTLY_Q3_K_M,
    "q4_k_s": F.MOSTLY_Q4_K_S,
    "q4_k_m": F.MOSTLY_Q4_K_M,
    "q5_k_s": F.MOSTLY_Q5_K_S,
    "q5_k_m": F.MOSTLY_Q5_K_M,
    "q6_k": F.MOSTLY_Q6_K,
    "iq4_xs": F.MOSTLY_IQ4_XS,
}
OUTTYPES: tuple[str, ...] = (*NUMPY_TYPES, *LLAMA_CPP_TYPES, "auto")

F16_MAX_BF16_BITS = 0x4780  # bf16 bit pattern (sign masked) of 65536: the first value f16 cannot hold


# Tensors llama.cpp keeps in f32 whatever the output type: the mixture-of-experts routers.
ALWAYS_F32 = (".ffn_gate_inp.weight", ".ffn_gate_inp_shexp.weight")


def tensor_type(gguf_name: str, shape: tuple[int, ...], outtype: Q) -> Q:
    """The type one tensor is stored as: norms, biases, routers and 1-D tensors stay f32 (as llama.cpp does)."""
    if (len(shape) <= 1 or not gguf_name.endswith(".weight") or gguf_name.endswith("_norm.weight")
            or gguf_name.endswith(ALWAYS_F32)):
        return Q.F32
    block, _ = gguf.GGML_QUANT_SIZES[outtype]
    if shape[-1] % block:
        return Q.F16  # a row that is not a whole number of blocks cannot be block-quantized
    return outtype


def stored_shape(shape: tuple[int, ...], qtype: Q) -> tuple[tuple[int, ...], np.dtype]:
    """(shape, dtype) to declare to GGUFWriter: float arrays as they are, block types as bytes."""
    if qtype == Q.F32:
        return shape, np.dtype(np.float32)
    if qtype == Q.F16:
        return shape, np.dtype(np.float16)
    return gguf.quant_shape_to_byte_shape(shape, qtype), np.dtype(np.uint8)


def encode(rows: np.ndarray, qtype: Q) -> np.ndarray:
    """float32 rows -> the bytes (or floats) stored in the gguf for them."""
    if qtype == Q.F32:
        return rows
    if qtype == Q.F16:
        return rows.astype(np.float16)
    return gguf.quants.quantize(rows, qtype)


class F16Overflow(ValueError):
    """bf16 values beyond f16's range met while writing f16 (the plan then keeps that tensor bf16)."""


def bf16_bits_to_f16(raw: np.ndarray) -> np.ndarray:
    """bf16 bit patterns -> float16, integer arithmetic only (3x faster than through float32).

    Every bf16 value in f16's normal range is exactly representable in f16 (7 mantissa bits fit in
    10), so rebasing the exponent from 127 to 15 is the whole conversion. Values below f16's normal
    range need rounding and take the float path; values above it raise `F16Overflow`. Works in
    place on one fresh array: every temporary would cost a pass over memory and its page faults.
    """
    out = raw & 0x7FFF  # the magnitude, then the result
    if out.max(initial=0) >= F16_MAX_BF16_BITS:
        raise F16Overflow
    small = out < (113 << 7)  # f16 subnormals and zeros
    out -= 112 << 7
    out <<= 3
    out |= raw & 0x8000
    if small.any():
        out[small] = np.left_shift(raw[small], 16, dtype=np.uint32).view(np.float32).astype(np.float16).view(np.uint16)
    return out.view(np.float16)


# (stored dtype, output type) pairs needing no float32 detour: copied as stored, or re-based bits.
DIRECT = {
    ("F32", Q.F32): lambda raw: raw,
    ("F16", Q.F16): lambda raw: raw,
    ("BF16", Q.BF16): lambda raw: raw,
    ("BF16", Q.F16): bf16_bits_to_f16,
}


def overflows_f16(raw_bf16: np.ndarray) -> bool:
    """Whether bf16 values (as uint16 bits) include any f16 cannot represent (|x| >= 65520, inf, nan)."""
    return bool(((raw_bf16 & 0x7FFF) >= F16_MAX_BF16_BITS).any())
