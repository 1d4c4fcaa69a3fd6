"""IBM Granite 3.x (dense): the llama decoder with four scalar multipliers.

Granite scales the embeddings, each residual branch, the attention scores and the logits by
constants from config.json; llama.cpp's granite graph reads them as metadata. Rows are reordered
for rope exactly as for llama, and Granite has no separate head size (llama.cpp ignores it).
"""
from __future__ import annotations

import gguf

from converter.families import llama
from converter.families.family import Family


def write_hparams(config: dict, writer: gguf.GGUFWriter) -> None:
    llama.write_hparams(config, writer)
    if config.get("attention_multiplier"):
        writer.add_attention_scale(float(config["attention_multiplier"]))
    if config.get("embedding_multiplier"):
        writer.add_embedding_scale(float(config["embedding_multiplier"]))
    if config.get("residual_multiplier"):
        writer.add_residual_scale(float(config["residual_multiplier"]))
    if config.get("logits_scaling"):
        writer.add_logit_scale(float(config["logits_scaling"]))


FAMILY = Family("granite", gguf.MODEL_ARCH.GRANITE, ("GraniteForCausalLM",), write_hparams=write_hparams,
                tensor_transform=llama.tensor_transform)
