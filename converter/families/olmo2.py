"""OLMo 2 (AI2): norms after attention and feed-forward instead of before, q/k norms over all heads.

Every tensor has a place in gguf's name table (post-attention and post-feed-forward norms, q/k
norms the width of all heads) and llama.cpp's olmo2 graph uses Hugging Face's rotary layout, so
nothing is transformed; the family is its architecture and class name.
"""
from __future__ import annotations

import gguf

from converter.families.family import Family

FAMILY = Family("olmo2", gguf.MODEL_ARCH.OLMO2, ("Olmo2ForCausalLM",))
