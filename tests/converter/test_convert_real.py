"""Published models round-trip: catalog gguf -> Hugging Face checkpoint (transformers) -> our gguf.

The checkpoint is what a user downloads from the hub (bf16 safetensors, tokenizer.json, chat
template); the converted gguf must tokenize a multilingual corpus exactly as transformers does and
produce the same next-token distributions.
"""
from __future__ import annotations

import gguf
import pytest

import checkpoints
import parity
from converter import convert


def _round_trip(model_path, name, pre, tmp_path):
    src = checkpoints.from_gguf(model_path, name, pre)
    result = convert(src, tmp_path / f"{name}.gguf", "f16")
    fields = gguf.GGUFReader(result.path).fields
    assert fields["tokenizer.ggml.pre"].contents() == pre
    assert parity.token_mismatches(src, result.path) == []
    kld, top1 = parity.logit_agreement(src, result.path)
    assert kld <= 1e-4
    assert top1 >= 0.99
    return result


def test_smollm2_round_trip_matches_transformers(smollm_path, tmp_path):
    result = _round_trip(smollm_path, "smollm2-135m", "smollm", tmp_path)
    fields = gguf.GGUFReader(result.path).fields
    assert fields["general.size_label"].contents() == "135M"
    assert "<|im_start|>" in fields["tokenizer.chat_template"].contents()


@pytest.mark.slow
def test_qwen25_coder_round_trip_matches_transformers(qwen_path, tmp_path):
    result = _round_trip(qwen_path, "qwen2.5-coder-0.5b", "qwen2", tmp_path)
    assert result.arch == "qwen2"
