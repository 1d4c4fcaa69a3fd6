"""Importance matrices, read the way llama-quantize reads them, for llama.cpp's quantizer.

Two formats exist: the gguf one written by current llama-imatrix (per tensor `<name>.in_sum2`
and `<name>.counts`, averaged here per expert) and the legacy binary `.dat` (per tensor a name,
the number of calls and the values, divided by the calls). Either gives per-tensor float arrays.
"""
from __future__ import annotations

import struct
from pathlib import Path

import gguf
import numpy as np

from desktop.errors import HearthError


def read_imatrix(path: Path) -> dict[str, np.ndarray]:
    """tensor name -> importance of each input column (float32), from either format."""
    with open(path, "rb") as fh:
        is_gguf = fh.read(4) == b"GGUF"
    values = _read_gguf(path) if is_gguf else _read_legacy(path)
    if not values:
        raise HearthError(f"{path} holds no importance data")
    return values


def _read_gguf(path: Path) -> dict[str, np.ndarray]:
    try:
        reader = gguf.GGUFReader(path)
    except Exception as exc:  # noqa: BLE001 - GGUFReader raises ValueError/struct errors without the file name
        raise HearthError(f"{path} is not a readable importance matrix ({exc})") from None
    tensors = {t.name: np.asarray(t.data, dtype=np.float32) for t in reader.tensors}
    values = {}
    for name, sums in tensors.items():
        if not name.endswith(".in_sum2"):
            continue
        base = name[: -len(".in_sum2")]
        counts = tensors.get(base + ".counts")
        if counts is None:
            raise HearthError(f"{path}: {base} has sums but no counts; the importance matrix is damaged")
        counts = counts.reshape(-1, 1)
        per_expert = sums.reshape(counts.size, -1)
        values[base] = np.where(counts > 0, per_expert / np.maximum(counts, 1), 1.0).astype(np.float32).reshape(-1)
    return values


def _read_legacy(path: Path) -> dict[str, np.ndarray]:
    data = path.read_bytes()
    damaged = HearthError(f"{path} is neither an imatrix gguf nor a legacy imatrix .dat file")
    try:
        (n_entries,), pos = struct.unpack_from("<i", data), 4
        if n_entries < 1:
            raise damaged
        values = {}
        for _ in range(n_entries):
            (length,) = struct.unpack_from("<i", data, pos)
            name = data[pos + 4:pos + 4 + length].decode("utf-8")
            pos += 4 + length
            ncall, nval = struct.unpack_from("<ii", data, pos)
            pos += 8
            sums = np.frombuffer(data, dtype="<f4", count=nval, offset=pos).astype(np.float32)
            pos += 4 * nval
            values[name] = sums / ncall if ncall > 0 else sums
    except (struct.error, ValueError, UnicodeDecodeError):
        raise damaged from None
    return values
