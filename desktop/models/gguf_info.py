"""Read and check a GGUF file before llama.cpp sees it.

llama.cpp answers most broken files with "Failed to load model from file", or crashes. This reader
walks the header itself (struct over mmap, no tensor data read) so every problem gets its own
one-line message: not a GGUF file, truncated, unsupported version, unknown architecture, missing
tokenizer, tensor data beyond the end of the file, bad tensor type or shape. It is also fast
enough (tens of milliseconds for a 151,936-token vocabulary) to run on every load and to fill the
model manager's table.

The type tables come from the `gguf` package so they track the format.
"""
from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gguf import GGML_QUANT_SIZES, GGMLQuantizationType, GGUFValueType, LlamaFileType, MODEL_ARCH_NAMES

from desktop.errors import HearthError

SUPPORTED_VERSIONS = (2, 3)
KNOWN_ARCHITECTURES = frozenset(MODEL_ARCH_NAMES.values())
# Named first in error messages: the families people most often run on a laptop.
COMMON_ARCHITECTURES = ("llama", "qwen2", "qwen3", "gemma", "gemma2", "gemma3", "phi3", "mistral3",
                        "deepseek2", "granite", "olmo2", "smollm3")

# Beyond these a length or count is corruption, not a file that was cut short.
PLAUSIBLE_STRING_BYTES = 64 * 1024 * 1024
PLAUSIBLE_COUNT = 1 << 24

# Scalar value types: struct format of each.
_SCALARS = {
    GGUFValueType.UINT8: "<B", GGUFValueType.INT8: "<b",
    GGUFValueType.UINT16: "<H", GGUFValueType.INT16: "<h",
    GGUFValueType.UINT32: "<I", GGUFValueType.INT32: "<i",
    GGUFValueType.FLOAT32: "<f", GGUFValueType.BOOL: "<?",
    GGUFValueType.UINT64: "<Q", GGUFValueType.INT64: "<q",
    GGUFValueType.FLOAT64: "<d",
}
# Arrays we only need the length of (token lists are huge): these keys are skipped, not decoded.
_SKIP_ARRAYS = {"tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type",
                "tokenizer.ggml.merges"}


@dataclass
class TensorEntry:
    name: str
    shape: tuple[int, ...]
    ggml_type: int
    offset: int  # relative to the start of the data section
    n_bytes: int


@dataclass
class GgufInfo:
    """What Hearth needs to know about a model file, read without loading it."""

    path: Path
    version: int
    size_bytes: int
    metadata: dict[str, Any]
    array_lengths: dict[str, int]
    tensors: list[TensorEntry] = field(default_factory=list)

    @property
    def architecture(self) -> str:
        return str(self.metadata.get("general.architecture", "unknown"))

    @property
    def name(self) -> str:
        return str(self.metadata.get("general.name") or self.path.stem)

    @property
    def parameters(self) -> int:
        total = 0
        for t in self.tensors:
            n = 1
            for d in t.shape:
                n *= d
            total += n
        return total

    @property
    def quantization(self) -> str:
        """The file type as llama.cpp names it (Q4_K_M, Q8_0, F16...), else the commonest tensor type."""
        ftype = self.metadata.get("general.file_type")
        if isinstance(ftype, int):
            try:
                return LlamaFileType(ftype).name.removeprefix("MOSTLY_")
            except ValueError:
                pass
        counts: dict[str, int] = {}
        for t in self.tensors:
            key = GGMLQuantizationType(t.ggml_type).name
            counts[key] = counts.get(key, 0) + t.n_bytes
        return max(counts, key=counts.get) if counts else "unknown"

    @property
    def context_length(self) -> int:
        return int(self.metadata.get(f"{self.architecture}.context_length", 0) or 0)

    @property
    def chat_template(self) -> str | None:
        value = self.metadata.get("tokenizer.chat_template")
        return value if isinstance(value, str) else None

    @property
    def license(self) -> str | None:
        value = self.metadata.get("general.license")
        return str(value) if value else None

    @property
    def source_url(self) -> str | None:
        for key in ("general.source.url", "general.source.repo_url", "general.repo_url", "general.url"):
            if self.metadata.get(key):
                return str(self.metadata[key])
        return None

    def arch_int(self, key: str, default: int = 0) -> int:
        value = self.metadata.get(f"{self.architecture}.{key}", default)
        return int(value) if isinstance(value, (int, float)) else default


class _Cursor:
    """Reads little-endian values from the mapped file, turning overruns into 'truncated'."""

    def __init__(self, buf: mmap.mmap, size: int, path: Path) -> None:
        self.buf, self.size, self.pos, self.path = buf, size, 0, path

    def need(self, n: int, what: str) -> None:
        if self.pos + n > self.size:
            raise HearthError(f"{self.path.name}: truncated while reading {what} "
                              f"(file ends at byte {self.size})")

    def unpack(self, fmt: str, what: str) -> Any:
        n = struct.calcsize(fmt)
        self.need(n, what)
        (value,) = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += n
        return value

    def string(self, what: str) -> bytes:
        length = self.unpack("<Q", what)
        if length > self.size - self.pos and length <= PLAUSIBLE_STRING_BYTES:
            self.need(length, what)
        if length > self.size - self.pos:
            raise HearthError(f"{self.path.name}: corrupted header: {what} claims {length} bytes, "
                              f"more than the file holds")
        data = self.buf[self.pos:self.pos + length]
        self.pos += length
        return data


def inspect_gguf(path: str | Path) -> GgufInfo:
    """Read and check a GGUF file; raise HearthError with the specific problem in one line."""
    path = Path(path)
    if not path.exists():
        raise HearthError(f"model file not found: {path}")
    if not path.is_file():
        raise HearthError(f"not a file: {path}")
    size = path.stat().st_size
    if size < 24:
        raise HearthError(f"{path.name}: not a GGUF file (only {size} bytes)")
    try:
        with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            return _parse(path, buf, size)
    except OSError as exc:
        raise HearthError(f"cannot read {path}: {exc.strerror or exc}") from None


def _parse(path: Path, buf: mmap.mmap, size: int) -> GgufInfo:
    if buf[:4] != b"GGUF":
        raise HearthError(f"{path.name}: not a GGUF file (starts with {bytes(buf[:4])!r}, expected b'GGUF')")
    cur = _Cursor(buf, size, path)
    cur.pos = 4
    version = cur.unpack("<I", "the version")
    if version not in SUPPORTED_VERSIONS:
        raise HearthError(f"{path.name}: unsupported GGUF version {version} "
                          f"(supported: {', '.join(map(str, SUPPORTED_VERSIONS))})")
    n_tensors = cur.unpack("<Q", "the tensor count")
    n_kv = cur.unpack("<Q", "the metadata count")
    # Each metadata entry needs at least 12 bytes and each tensor entry at least 28.
    if n_kv * 12 + n_tensors * 28 > size and n_kv < PLAUSIBLE_COUNT and n_tensors < PLAUSIBLE_COUNT:
        cur.need(n_kv * 12 + n_tensors * 28, "the metadata")
    if n_kv * 12 + n_tensors * 28 > size:
        raise HearthError(f"{path.name}: corrupted header: it claims {n_tensors} tensors and "
                          f"{n_kv} metadata entries, more than a {size}-byte file can hold")
    metadata: dict[str, Any] = {}
    array_lengths: dict[str, int] = {}
    for i in range(n_kv):
        key = _decode(cur.string(f"metadata key #{i}"), path, "metadata key")
        vtype = _value_type(cur.unpack("<I", f"the type of '{key}'"), path, key)
        if vtype == GGUFValueType.ARRAY:
            item_type = _value_type(cur.unpack("<I", f"the item type of '{key}'"), path, key)
            count = cur.unpack("<Q", f"the length of '{key}'")
            array_lengths[key] = count
            items = _read_array(cur, item_type, count, key, keep=key not in _SKIP_ARRAYS)
            if items is not None:
                metadata[key] = items
        else:
            metadata[key] = _read_value(cur, vtype, key)
    tensors = [_read_tensor_info(cur, path, i) for i in range(n_tensors)]
    alignment = int(metadata.get("general.alignment", 32))
    if alignment <= 0 or alignment & (alignment - 1):
        raise HearthError(f"{path.name}: bad general.alignment {alignment} (must be a power of two)")
    data_start = (cur.pos + alignment - 1) // alignment * alignment
    info = GgufInfo(path, version, size, metadata, array_lengths, tensors)
    _check_contents(info, data_start)
    return info


def _decode(raw: bytes, path: Path, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise HearthError(f"{path.name}: corrupted header: a {what} is not valid UTF-8") from None


def _value_type(raw: int, path: Path, key: str) -> GGUFValueType:
    try:
        return GGUFValueType(raw)
    except ValueError:
        raise HearthError(f"{path.name}: corrupted header: '{key}' has unknown value type {raw}") from None


def _read_value(cur: _Cursor, vtype: GGUFValueType, key: str) -> Any:
    if vtype == GGUFValueType.STRING:
        return cur.string(f"the value of '{key}'").decode("utf-8", errors="replace")
    return cur.unpack(_SCALARS[vtype], f"the value of '{key}'")


def _read_array(cur: _Cursor, item_type: GGUFValueType, count: int, key: str, keep: bool) -> list | None:
    if item_type == GGUFValueType.ARRAY:
        raise HearthError(f"{cur.path.name}: nested arrays in '{key}' are not supported")
    if item_type != GGUFValueType.STRING:
        width = struct.calcsize(_SCALARS[item_type])
        cur.need(width * count, f"the values of '{key}'")
        start = cur.pos
        cur.pos += width * count
        if not keep:
            return None
        fmt = "<" + _SCALARS[item_type][1] * count
        return list(struct.unpack_from(fmt, cur.buf, start))
    items = []
    for _ in range(count):
        raw = cur.string(f"an item of '{key}'")
        if keep:
            items.append(raw.decode("utf-8", errors="replace"))
    return items if keep else None


def _read_tensor_info(cur: _Cursor, path: Path, index: int) -> TensorEntry:
    name = _decode(cur.string(f"tensor #{index}'s name"), path, "tensor name")
    n_dims = cur.unpack("<I", f"tensor '{name}'")
    if not 1 <= n_dims <= 4:
        raise HearthError(f"{path.name}: tensor '{name}' has a bad shape ({n_dims} dimensions)")
    shape = tuple(cur.unpack("<Q", f"tensor '{name}'") for _ in range(n_dims))
    raw_type = cur.unpack("<I", f"tensor '{name}'")
    offset = cur.unpack("<Q", f"tensor '{name}'")
    try:
        ggml_type = GGMLQuantizationType(raw_type)
    except ValueError:
        raise HearthError(f"{path.name}: tensor '{name}' has unknown type {raw_type}") from None
    block, type_size = GGML_QUANT_SIZES[ggml_type]
    if any(d == 0 for d in shape) or shape[0] % block:
        raise HearthError(f"{path.name}: tensor '{name}' has a bad shape {list(shape)} "
                          f"for type {ggml_type.name} (rows must be a multiple of {block})")
    n_elements = 1
    for d in shape:
        n_elements *= d
    return TensorEntry(name, shape, int(ggml_type), offset, n_elements // block * type_size)


def _check_contents(info: GgufInfo, data_start: int) -> None:
    name = info.path.name
    arch = info.metadata.get("general.architecture")
    if not arch:
        raise HearthError(f"{name}: no general.architecture in the metadata")
    if arch not in KNOWN_ARCHITECTURES:
        common = [a for a in COMMON_ARCHITECTURES if a in KNOWN_ARCHITECTURES]
        others = len(KNOWN_ARCHITECTURES) - len(common)
        raise HearthError(f"{name}: unknown architecture '{arch}' (supported: {', '.join(common)} "
                          f"and {others} more that llama.cpp knows)")
    if "tokenizer.ggml.model" not in info.metadata or "tokenizer.ggml.tokens" not in info.array_lengths:
        raise HearthError(f"{name}: missing tokenizer (no tokenizer.ggml.model / tokenizer.ggml.tokens); "
                          "re-convert the model with its tokenizer files")
    if not info.tensors:
        raise HearthError(f"{name}: the file holds no tensors")
    end = max(data_start + t.offset + t.n_bytes for t in info.tensors)
    if end > info.size_bytes:
        raise HearthError(f"{name}: truncated: expected {end} bytes, found {info.size_bytes} "
                          "(tensor data beyond end of file; download it again)")
