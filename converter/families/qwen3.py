"""Qwen3 (dense): Qwen2 without the q/k/v biases, plus per-head RMS norms on q and k.

The q/k norms are ordinary tensors in the gguf name table; the one thing to say is the head size,
which Qwen3 sets independently of hidden_size / heads (the common code writes key/value length).
"""
from __future__ import annotations

import gguf

from converter.families.family import Family

FAMILY = Family("qwen3", gguf.MODEL_ARCH.QWEN3, ("Qwen3ForCausalLM",))
