"""Mixture-of-experts checkpoints: one Hugging Face tensor per expert, one stacked tensor in the gguf.

Hugging Face saves `model.layers.N.mlp.experts.E.gate_proj.weight` for every expert E; llama.cpp
wants all of a layer's experts for one projection as a single 3-D tensor (experts, rows, columns),
named by the gguf table from `model.layers.N.mlp.experts.gate_proj.weight`. Newer transformers
versions save the experts already fused: `experts.gate_up_proj` (experts, 2 x ff, hidden; gate rows
first) and `experts.down_proj` (experts, hidden, ff); those are cut into the same per-expert parts,
gate and up apart, as llama.cpp's converter splits them. The parts stay separate memory-mapped
tensors and are written one after another, so nothing is copied to stack or split them.
"""
from __future__ import annotations

import re

from converter.weights import StoredTensor
from desktop.errors import HearthError

PER_EXPERT = re.compile(r"^(?P<head>.*\.experts)\.(?P<expert>\d+)\.(?P<tail>[^.]+\.weight)$")
FUSED = re.compile(r"^(?P<head>.*\.experts)\.(?P<kind>gate_up_proj|down_proj)(?:\.weight)?$")


def _split_fused(name: str, kind: str, tensor: StoredTensor) -> dict[str, tuple[StoredTensor, ...]]:
    """A fused 3-D expert tensor as per-expert parts, by the per-expert layout's stacked name."""
    if len(tensor.shape) != 3:
        raise HearthError(f"tensor {tensor.name} has shape {list(tensor.shape)}; fused experts are 3-D "
                          "(experts, rows, columns)")
    count, rows, _ = tensor.shape
    if kind == "down_proj":
        return {f"{name}.down_proj.weight": tuple(tensor.sub_rows(e * rows, rows) for e in range(count))}
    if rows % 2:
        raise HearthError(f"tensor {tensor.name} has {rows} rows per expert; gate and up need an even number")
    half = rows // 2
    return {f"{name}.gate_proj.weight": tuple(tensor.sub_rows(e * rows, half) for e in range(count)),
            f"{name}.up_proj.weight": tuple(tensor.sub_rows(e * rows + half, half) for e in range(count))}


def stack_experts(tensors: dict[str, StoredTensor]) -> dict[str, tuple[StoredTensor, ...]]:
    """Checkpoint tensors by Hugging Face name, each as its parts: one, or every expert in order."""
    stacked: dict[str, tuple[StoredTensor, ...]] = {}
    experts: dict[str, dict[int, StoredTensor]] = {}
    for name, tensor in tensors.items():
        match = PER_EXPERT.match(name)
        fused = FUSED.match(name)
        if fused is not None:
            stacked.update(_split_fused(fused["head"], fused["kind"], tensor))
        elif match is None:
            stacked[name] = (tensor,)
        else:
            experts.setdefault(f"{match['head']}.{match['tail']}", {})[int(match["expert"])] = tensor
    for name, parts in experts.items():
        count = len(parts)
        if sorted(parts) != list(range(count)):
            missing = min(set(range(max(parts) + 1)) - set(parts))
            raise HearthError(f"expert {missing} of {name} is missing from the weights; a shard may not have been downloaded")
        shapes = {(p.shape, p.dtype) for p in parts.values()}
        if len(shapes) != 1:
            raise HearthError(f"the experts of {name} differ in shape or type; the checkpoint is damaged")
        stacked[name] = tuple(parts[i] for i in range(count))
    return stacked


def n_experts(config: dict) -> int | None:
    """Experts per layer from config.json (the key differs between families), None for dense models."""
    for key in ("num_experts", "num_local_experts", "n_routed_experts"):
        if config.get(key):
            return int(config[key])
    return None
