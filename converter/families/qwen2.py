"""Qwen2 / Qwen2.5: a llama-like decoder with q/k/v biases and no q/k row reordering.

The biases need nothing special (the gguf name table maps them); what differs from llama is only
what is absent: llama.cpp's qwen2 graph uses Hugging Face's rotary layout (NEOX), so rows stay put.
"""
from __future__ import annotations

import gguf

from converter.families.family import Family

FAMILY = Family("qwen2", gguf.MODEL_ARCH.QWEN2, ("Qwen2ForCausalLM",))
