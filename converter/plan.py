"""The conversion plan: every gguf tensor, where its rows come from, and the type it is stored as.

Building the plan reads only safetensors headers, so every mapping or shape problem is reported
before a byte of output is written.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import gguf
import numpy as np

from converter.decoder import Transform, expected_shapes, n_layers, tensor_kind
from converter.experts import stack_experts
from converter.families.family import Family
from converter.outtypes import DIRECT, encode, overflows_f16, stored_shape, tensor_type
from converter.weights import StoredTensor, read_checkpoint, widen
from desktop.errors import HearthError

CHUNK_BYTES = 32 * 1024 * 1024  # float32 bytes converted at once; the converter's peak working set


@dataclass
class TensorPlan:
    name: str
    shape: tuple[int, ...]
    qtype: gguf.GGMLQuantizationType
    sources: tuple[StoredTensor, ...] = ()  # one, or each expert of a stacked tensor in order
    transform: Transform = field(default_factory=Transform)
    values: np.ndarray | None = None  # computed tensors (rope factors) instead of a source

    @property
    def nbytes(self) -> int:
        shape, dtype = stored_shape(self.shape, self.qtype)
        return int(np.prod(shape)) * dtype.itemsize

    def encoded_chunks(self):
        """The tensor's stored bytes in output order, a block of rows (at most CHUNK_BYTES) at a time."""
        if self.values is not None:
            yield encode(self.values.reshape(self.shape[0] if len(self.shape) > 1 else 1, -1), self.qtype)
            return
        for source in self.sources:
            rows = source.n_rows
            width = int(np.prod(source.shape)) // rows
            step = max(1, CHUNK_BYTES // (4 * width))
            direct = DIRECT.get((source.dtype, self.qtype)) if not self.transform.shift else None
            for start in range(0, rows, step):
                index = slice(start, min(rows, start + step))
                if self.transform.row_order is not None:
                    index = self.transform.row_order[index]
                raw = source.raw()[index]  # a fresh mapping per chunk: touched pages do not pile up in RSS
                if direct is not None:
                    yield direct(raw)
                    continue
                block = widen(raw, source.dtype)
                if self.transform.shift:
                    block += np.float32(self.transform.shift)
                yield encode(block, self.qtype)


@dataclass
class Plan:
    arch: gguf.MODEL_ARCH
    family: Family
    config: dict
    tensors: list[TensorPlan]
    kept_wide: list[str]  # tensors kept in bf16 because their bf16 values overflow f16

    @property
    def n_params(self) -> int:
        return sum(int(np.prod(t.shape)) for t in self.tensors)


def _check_shape(arch: gguf.MODEL_ARCH, family: Family, config: dict, name: str, hf_name: str,
                 shape: tuple[int, ...], expected: dict) -> None:
    kind = tensor_kind(arch, name)
    want = expected.get(kind)
    if want is None:
        return
    if kind in (gguf.MODEL_TENSOR.FFN_UP, gguf.MODEL_TENSOR.FFN_UP_EXP):
        want = (*want[:-2], want[-2] * family.ffn_up_rows_factor, want[-1])
    if name.endswith(".bias"):
        want = want[:1]
    if tuple(shape) != want:
        raise HearthError(f"tensor {hf_name} has shape {list(shape)} but config.json implies {list(want)}; "
                          "the weights do not belong to this config")


def _bf16_overflowing(source: StoredTensor) -> bool:
    raw = source.raw()
    step = max(1, CHUNK_BYTES // (2 * raw.shape[1]))
    return any(overflows_f16(raw[i:i + step]) for i in range(0, raw.shape[0], step))


def _add_tied_output(arch: gguf.MODEL_ARCH, family: Family, outtype: gguf.GGMLQuantizationType,
                     plans: list[TensorPlan]) -> None:
    """For an architecture that needs output.weight, a tied checkpoint's embedding written once more as it."""
    by_name = {p.name: p for p in plans}
    output, embedding = (gguf.TENSOR_NAMES[kind] + ".weight" for kind in (gguf.MODEL_TENSOR.OUTPUT, gguf.MODEL_TENSOR.TOKEN_EMBD))
    if arch not in family.output_required or output in by_name or embedding not in by_name:
        return
    source = by_name[embedding]
    plans.append(TensorPlan(output, source.shape, tensor_type(output, source.shape, outtype), source.sources, source.transform))


def build_plan(folder: Path, family: Family, config: dict, outtype: gguf.GGMLQuantizationType,
               scan_overflow: bool = False) -> Plan:
    """Map every checkpoint tensor to its gguf tensor and type; check names and shapes.

    `scan_overflow` reads every bf16 tensor bound for f16 and keeps those holding values beyond f16's
    range in bf16; without it, writing such a tensor raises `F16Overflow` (the common case pays nothing)."""
    arch = family.arch_of(config)
    stored = stack_experts(read_checkpoint(folder))
    vocab_rows = int(config["vocab_size"])
    expected = expected_shapes(config, vocab_rows)
    plans: list[TensorPlan] = []
    kept_wide: list[str] = []
    table = family.tensor_name_table(config)
    for hf_name, sources in stored.items():
        name = family.gguf_tensor_name(config, table, hf_name)
        if name is None:
            continue
        shape = sources[0].shape if len(sources) == 1 else (len(sources), *sources[0].shape)
        _check_shape(arch, family, config, name, hf_name, shape, expected)
        qtype = tensor_type(name, shape, outtype)
        transform = family.tensor_transform(name, config, sources[0].n_rows)
        if (scan_overflow and qtype == gguf.GGMLQuantizationType.F16 and sources[0].dtype == "BF16"
                and any(_bf16_overflowing(source) for source in sources)):
            qtype = gguf.GGMLQuantizationType.BF16
            kept_wide.append(name)
        plans.append(TensorPlan(name, shape, qtype, sources, transform))
    _add_tied_output(arch, family, outtype, plans)
    for name, values in family.extra_tensors(config).items():
        plans.append(TensorPlan(name, values.shape, gguf.GGMLQuantizationType.F32, values=values))
    names = {p.name for p in plans}
    if gguf.TENSOR_NAMES[gguf.MODEL_TENSOR.TOKEN_EMBD] + ".weight" not in names:
        raise HearthError(f"{folder}: the weights have no token embedding; the checkpoint is incomplete")
    missing_layers = [i for i in range(n_layers(config)) if f"blk.{i}.attn_norm.weight" not in names
                      and f"blk.{i}.ffn_down.weight" not in names]
    if missing_layers:
        raise HearthError(f"{folder}: layer {missing_layers[0]} of {n_layers(config)} is missing from the "
                          "weights; a shard may not have been downloaded")
    return Plan(arch, family, config, plans, kept_wide)
