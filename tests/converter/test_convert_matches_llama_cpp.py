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

# tensors written here that llama.cpp's converter leaves out, and why
EXTRA_HERE = {"qwen2-moe-tied": {"output.weight"}}  # llama.cpp's qwen2moe graph has no tied-embedding fallback
# checkpoints whose llama.cpp-converted file llama.cpp itself cannot load (ours load: test_convert_families.py)
UNLOADABLE_THERE = {
    "qwen2-moe-tied": "no output.weight",
    "llama-unigram": "a gpt2 tokenizer without merges: its converter has no Unigram tokenizer.json path for llama",
}


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
    written = _tensors(ours)
    assert set(written) - set(_tensors(reference[name])) == EXTRA_HERE.get(name, set())
    assert {k: v for k, v in written.items() if k not in EXTRA_HERE.get(name, set())} == _tensors(reference[name])
    mine, theirs = _architecture_keys(ours), _architecture_keys(reference[name])
    differing = {key: (mine.get(key), value) for key, value in theirs.items() if not _same(mine.get(key), value)}
    assert differing == {}


@pytest.mark.parametrize("name", sorted(UNLOADABLE_THERE))
def test_llama_cpp_cannot_load_its_own_conversion_of(name, reference):
    import llama_cpp

    with pytest.raises(ValueError, match="Failed to load model"):
        llama_cpp.Llama(str(reference[name]), vocab_only=name == "llama-unigram", verbose=False)
