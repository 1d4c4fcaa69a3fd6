"""Reading checkpoints without torch: shards, bf16, and bf16 values that f16 cannot hold."""
from __future__ import annotations

import json
import shutil

import gguf
import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

import checkpoints
from converter import convert
from converter.weights import read_checkpoint


def _resave(src, dst, shards: int, dtype: torch.dtype, edit=None):
    """Copy a checkpoint, its weights re-saved as `shards` safetensors files of `dtype`."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("*.safetensors", ".complete"))
    state = {k: v.to(dtype) for k, v in load_file(src / "model.safetensors").items()}
    if edit:
        edit(state)
    names = sorted(state)
    weight_map = {}
    for i in range(shards):
        part = f"model-{i + 1:05d}-of-{shards:05d}.safetensors"
        chunk = {n: state[n].contiguous() for n in names[i::shards]}
        save_file(chunk, dst / part, metadata={"format": "pt"})
        weight_map.update({n: part for n in chunk})
    (dst / "model.safetensors.index.json").write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))
    return state


def test_sharded_bf16_checkpoint_reads_exactly(tmp_path):
    state = _resave(checkpoints.tiny("qwen2"), tmp_path / "ckpt", 3, torch.bfloat16)
    stored = read_checkpoint(tmp_path / "ckpt")
    assert set(stored) == set(state)
    for name, tensor in state.items():
        rows = stored[name].rows(slice(None))
        assert np.array_equal(rows.reshape(tensor.shape), tensor.float().numpy()), name


def test_f32_output_holds_the_bf16_values_bit_for_bit(tmp_path):
    state = _resave(checkpoints.tiny("qwen2"), tmp_path / "ckpt", 2, torch.bfloat16)
    result = convert(tmp_path / "ckpt", tmp_path / "m.gguf", "f32")
    down = {t.name: t for t in gguf.GGUFReader(result.path).tensors}["blk.1.ffn_down.weight"]
    expected = state["model.layers.1.mlp.down_proj.weight"].float().numpy()
    assert np.array_equal(np.asarray(down.data), expected)


def _huge_value(state):
    state["model.layers.0.mlp.up_proj.weight"][3, 5] = 3.0e5  # fine in bf16, infinite in f16


def test_bf16_overflow_keeps_the_tensor_bf16_and_says_so(tmp_path):
    _resave(checkpoints.tiny("qwen2"), tmp_path / "ckpt", 1, torch.bfloat16, edit=_huge_value)
    result = convert(tmp_path / "ckpt", tmp_path / "m.gguf", "f16")
    assert result.kept_wide == ["blk.0.ffn_up.weight"]
    assert "beyond f16's range" in result.notes[0]
    types = {t.name: t.tensor_type for t in gguf.GGUFReader(result.path).tensors}
    assert types["blk.0.ffn_up.weight"] == gguf.GGMLQuantizationType.BF16
    assert types["blk.1.ffn_up.weight"] == gguf.GGMLQuantizationType.F16


@pytest.mark.parametrize("edit, expected", [(None, "f16"), (_huge_value, "bf16")])
def test_auto_is_f16_unless_that_would_overflow(edit, expected, tmp_path):
    _resave(checkpoints.tiny("qwen2"), tmp_path / "ckpt", 1, torch.bfloat16, edit=edit)
    result = convert(tmp_path / "ckpt", tmp_path / "m.gguf", "auto")
    assert result.outtype == expected


def test_bf16_to_f16_rebasing_equals_numpy_rounding_for_every_bit_pattern():
    from converter.outtypes import F16_MAX_BF16_BITS, F16Overflow, bf16_bits_to_f16

    bits = np.arange(1 << 16, dtype=np.uint16)
    fits = bits[(bits & 0x7FFF) < F16_MAX_BF16_BITS]
    expected = np.left_shift(fits, 16, dtype=np.uint32).view(np.float32).astype(np.float16)
    assert np.array_equal(bf16_bits_to_f16(fits.copy()).view(np.uint16), expected.view(np.uint16))
    with pytest.raises(F16Overflow):
        bf16_bits_to_f16(np.array([0x3F80, F16_MAX_BF16_BITS | 0x8000], dtype=np.uint16))
