"""The contract between the converter and a model family: one `Family` value per family module.

A family says only what differs from the generic decoder in `converter.decoder`; every hook has a
default meaning "nothing differs", so a llama-like family is its architecture and its Hugging Face
class names and nothing else. The converter calls the hooks in this order: `arch_for` (which gguf
architecture a checkpoint becomes), tensor renames and skips, `tensor_transform` per tensor,
`extra_tensors` once, then `write_hparams` after the common metadata keys.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import gguf
import numpy as np

from converter.decoder import SKIPPED_SUFFIXES, Transform, n_layers
from desktop.errors import HearthError


# Multimodal checkpoints (Gemma 3, Mistral 3) keep the text model under language_model.model.*
# (model.language_model.* in newer saves); the vision tower and projector belong in a separate
# mmproj file and are left out.
TEXT_MODEL_PREFIXES = {"language_model.model.": "model.", "model.language_model.": "model."}
VISION_PREFIXES = ("vision_tower.", "multi_modal_projector.", "model.vision_tower.", "model.multi_modal_projector.")


def _no_hparams(config: dict, writer: gguf.GGUFWriter) -> None:
    """Nothing beyond the common keys."""


def _no_transform(gguf_name: str, config: dict, n_rows: int) -> Transform:
    return Transform()


def _no_extra_tensors(config: dict) -> dict[str, np.ndarray]:
    return {}


@dataclass(frozen=True)
class Family:
    """What one model family changes in the generic decoder's conversion."""

    name: str  # the family module's name, for messages and the README's matrix
    arch: gguf.MODEL_ARCH
    hf_architectures: tuple[str, ...]  # config.json `architectures` entries this family converts
    # extra metadata keys, written after the common ones
    write_hparams: Callable[[dict, gguf.GGUFWriter], None] = _no_hparams
    # (gguf name, config, rows) -> how the stored rows become the gguf tensor's rows
    tensor_transform: Callable[[str, dict, int], Transform] = _no_transform
    # tensors computed from config.json (rope factors), by gguf name
    extra_tensors: Callable[[dict], dict[str, np.ndarray]] = _no_extra_tensors
    # the gguf architecture per checkpoint, for families covering several (Gemma 2 / 3)
    arch_for: Callable[[dict], gguf.MODEL_ARCH] | None = None
    skipped_tensors: tuple[str, ...] = ()  # Hugging Face tensors llama.cpp does not use
    skipped_prefixes: tuple[str, ...] = ()
    renamed_prefixes: dict[str, str] = field(default_factory=dict)  # old prefix -> the name table's
    ffn_up_rows_factor: int = 1  # ffn_up rows per intermediate_size row (2 when gate and up are fused)
    # architectures whose llama.cpp graph has no tied-embedding fallback: a tied checkpoint's
    # output.weight is written from the embedding
    output_required: tuple[gguf.MODEL_ARCH, ...] = ()

    def arch_of(self, config: dict) -> gguf.MODEL_ARCH:
        return self.arch_for(config) if self.arch_for is not None else self.arch

    def tensor_name_table(self, config: dict) -> gguf.TensorNameMap:
        """gguf's HF-name -> gguf-name table for this checkpoint (costly to build: make it once)."""
        return gguf.get_tensor_name_map(self.arch_of(config), n_layers(config))

    def gguf_tensor_name(self, config: dict, table: gguf.TensorNameMap, hf_name: str) -> str | None:
        """The gguf name of a Hugging Face tensor, None for tensors llama.cpp does not use."""
        if (hf_name.endswith(SKIPPED_SUFFIXES) or hf_name in self.skipped_tensors
                or hf_name.startswith(self.skipped_prefixes)):
            return None
        for prefix, replacement in self.renamed_prefixes.items():
            if hf_name.startswith(prefix):
                hf_name = replacement + hf_name[len(prefix):]
                break
        name = table.get_name(hf_name, try_suffixes=(".weight", ".bias"))
        if name is None:
            raise HearthError(f"tensor {hf_name} has no place in a {self.arch_of(config).name.lower()} gguf; "
                              "the checkpoint does not match its config.json architecture")
        return name
