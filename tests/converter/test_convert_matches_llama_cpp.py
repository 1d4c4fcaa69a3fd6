"""Every tiny checkpoint, converted here and by llama.cpp's convert_hf_to_gguf.py: the same gguf layout.

Same tensor names, shapes (ggml order) and types at f16; every architecture key the reference writes
is written here with the same value (the converter may say more, e.g. a default rope base).
Tokenizer and `general.*` keys are compared by the parity tests instead (the reference names
pre-tokenizers from a hash table that does not know the trained test tokenizers).
"""
from __future__ import annotations

import math

import gguf
import pytest

import checkpoints
from converter import convert

pytest.importorskip("torch")


@pytest.fixture(scope="module")
def reference() -> dict:
    return checkpoints.llama_cpp_conversions()


def _tensors(path) -> dict[str, tuple[tuple[int, ...], str]]:
    return {t.name: (tuple(int(n) for n in t.shape), t.tensor_type.name) for t in gguf.GGUFReader(path).tensors}


def _architecture_keys(path) -> dict[str, object]:
    fields = gguf.GGUFReader(path).fields
    return {key: field.contents() for key, field in fields.items()
            if not key.startswith(("general.", "tokenizer.", "GGUF."))}


def _same(ours, theirs) -> bool:
    if isinstance(theirs, float) and isinstance(ours, float):
        return math.isclose(ours, theirs, rel_tol=1e-6)
    return ours == theirs


@pytest.mark.parametrize("name", sorted(checkpoints.TINY))
def test_same_tensors_and_keys_as_llama_cpp_converter(name, reference, tmp_path):
    ours = convert(checkpoints.tiny(name), tmp_path / f"{name}.gguf", "f16").path
    assert _tensors(ours) == _tensors(reference[name])
    mine, theirs = _architecture_keys(ours), _architecture_keys(reference[name])
    differing = {key: (mine.get(key), value) for key, value in theirs.items() if not _same(mine.get(key), value)}
    assert differing == {}
