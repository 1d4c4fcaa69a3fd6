"""bench/same_shape_model.py: a stand-in for a model too large to carry, with the real model's
metadata, tokenizer and tensor shapes and random weights, that llama.cpp loads and runs."""
from __future__ import annotations

from pathlib import Path

import gguf
import pytest
from llama_cpp import Llama

from bench.same_shape_model import build, skeleton


def _shapes(path: Path) -> dict[str, list[int]]:
    return {t.name: [int(n) for n in t.shape] for t in gguf.GGUFReader(path).tensors}


def test_a_stand_in_has_the_real_models_shapes_and_tokenizer_and_runs(smollm_path: Path, tmp_path: Path):
    bones = tmp_path / "smollm.skeleton.gguf"
    skeleton(smollm_path, bones)
    assert bones.stat().st_size < smollm_path.stat().st_size / 20  # metadata only: it travels

    stand_in = tmp_path / "stand-in.gguf"
    build(bones, stand_in, "Q8_0")
    assert _shapes(stand_in) == _shapes(smollm_path)

    text = "Hearth keeps every conversation on disk."
    real = Llama(str(smollm_path), vocab_only=True, verbose=False)
    fake = Llama(str(stand_in), n_ctx=256, n_threads=2, n_gpu_layers=0, verbose=False)
    assert fake.tokenize(text.encode()) == real.tokenize(text.encode())
    answer = fake.create_completion("Once upon a time", max_tokens=8, temperature=0.0)
    assert answer["usage"]["completion_tokens"] >= 1


def test_a_real_model_given_as_the_skeleton_is_refused_with_one_line(smollm_path: Path, tmp_path: Path):
    with pytest.raises(ValueError, match="is not a skeleton"):
        build(smollm_path, tmp_path / "stand-in.gguf", "Q8_0")
    assert list(tmp_path.iterdir()) == []  # nothing half-written
