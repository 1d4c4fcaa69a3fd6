"""Reading safetensors checkpoints without torch.

A safetensors file is an 8-byte little-endian header length, a JSON header naming each tensor's dtype,
shape and byte range, then the raw data. Parsing that ourselves and mapping the data with
`numpy.memmap` means nothing is read until a converter asks for a slice of rows, so peak memory is
the chunk being converted, not the model. Sharded checkpoints list their files in
`model.safetensors.index.json`.
"""
from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from desktop.errors import HearthError

# safetensors dtype -> (numpy storage dtype, bytes per element). bf16 is stored as uint16 and widened
# to float32 by a 16-bit shift, which is exact.
_DTYPES: dict[str, np.dtype] = {
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "BF16": np.dtype("<u2"),
}
_MAX_HEADER = 100 * 1024 * 1024


@dataclass(frozen=True)
class StoredTensor:
    """One tensor in a checkpoint: where it is and how it is stored; reads nothing by itself."""

    name: str
    dtype: str  # "F32" | "F16" | "BF16"
    shape: tuple[int, ...]
    path: Path
    offset: int  # absolute byte offset of the data in `path`

    @property
    def n_rows(self) -> int:
        return self.shape[0] if len(self.shape) > 1 else 1

    def raw(self) -> np.ndarray:
        """The stored values as a read-only memmap (bf16 appears as uint16), shaped 2-D by rows."""
        count = int(np.prod(self.shape)) if self.shape else 1
        data = np.memmap(self.path, dtype=_DTYPES[self.dtype], mode="r", offset=self.offset, shape=(count,))
        return data.reshape(self.n_rows, -1)

    def sub_rows(self, first: int, count: int) -> StoredTensor:
        """Rows first..first+count of the tensor seen as rows of its last dimension; reads nothing.

        A 3-D tensor of fused experts (experts, rows, columns) becomes one expert's part this way."""
        width = self.shape[-1]
        if first < 0 or count < 1 or (first + count) * width > int(np.prod(self.shape)):
            raise HearthError(f"tensor {self.name} has no rows {first}..{first + count}")
        return StoredTensor(f"{self.name}[{first}:{first + count}]", self.dtype, (count, width), self.path,
                            self.offset + first * width * _DTYPES[self.dtype].itemsize)

    def rows(self, index: slice | np.ndarray) -> np.ndarray:
        """Rows `index` as float32 (a fresh array of just those rows)."""
        return widen(self.raw()[index], self.dtype)


def widen(block: np.ndarray, dtype: str) -> np.ndarray:
    """Stored values -> float32; bf16 is the top half of a float32, so a shift is exact."""
    if dtype == "BF16":
        return np.left_shift(block, 16, dtype=np.uint32).view(np.float32)
    return block.astype(np.float32)


def _read_header(path: Path) -> dict[str, StoredTensor]:
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(8)
        if len(head) < 8:
            raise HearthError(f"{path.name} is not a safetensors file (too short); download it again")
        (length,) = struct.unpack("<Q", head)
        if length > min(size - 8, _MAX_HEADER):
            raise HearthError(f"{path.name} has a corrupt safetensors header; download it again")
        try:
            header = json.loads(fh.read(length))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise HearthError(f"{path.name} has a corrupt safetensors header; download it again") from None
    base = 8 + length
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = info.get("dtype")
        if dtype not in _DTYPES:
            raise HearthError(f"{path.name}: tensor {name} is stored as {dtype}; only F32, F16 and BF16 "
                              "checkpoints can be converted (dequantize it first)")
        begin, end = info["data_offsets"]
        shape = tuple(int(n) for n in info["shape"])
        expected = int(np.prod(shape)) * _DTYPES[dtype].itemsize if shape else _DTYPES[dtype].itemsize
        if end - begin != expected:
            raise HearthError(f"{path.name}: tensor {name} has {end - begin} bytes but its shape needs {expected}")
        if base + end > size:
            raise HearthError(f"{path.name} is truncated ({size} of {base + end} bytes); download it again")
        tensors[name] = StoredTensor(name, dtype, shape, path, base + begin)
    return tensors


def weight_files(folder: Path) -> list[Path]:
    """The checkpoint's safetensors files: the index's shards, else `*.safetensors`."""
    index = folder / "model.safetensors.index.json"
    if index.is_file():
        weight_map = json.loads(index.read_text(encoding="utf-8")).get("weight_map", {})
        names = sorted(set(weight_map.values()))
        missing = [n for n in names if not (folder / n).is_file()]
        if missing:
            raise HearthError(f"{folder}: shard {missing[0]} listed in model.safetensors.index.json is missing")
        return [folder / n for n in names]
    files = sorted(folder.glob("*.safetensors"))
    if not files:
        if any(folder.glob("*.bin")) or any(folder.glob("*.pth")):
            raise HearthError(f"{folder} has only PyTorch .bin/.pth weights; save the model with "
                              "safetensors (model.save_pretrained(..., safe_serialization=True))")
        raise HearthError(f"{folder} has no model weights (*.safetensors)")
    return files


def read_checkpoint(folder: Path) -> dict[str, StoredTensor]:
    """Every tensor of the checkpoint in `folder`, by its Hugging Face name."""
    tensors: dict[str, StoredTensor] = {}
    for path in weight_files(folder):
        tensors.update(_read_header(path))
    return tensors
