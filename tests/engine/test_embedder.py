"""The worker's embedder on SmolLM2, in this process: chunked pooling is exact."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from desktop.engine.embedder import CHUNK, Embedder, is_causal, load_embedding_model
from desktop.models.gguf_info import inspect_gguf


def test_a_causal_model_pooled_in_chunks_equals_llamas_own_pooling(smollm_path: Path) -> None:
    """A causal model is decoded CHUNK tokens at a time and mean-pooled here (its output rows
    would otherwise cost a vocabulary's worth of floats per token); llama.cpp pooling the same
    sequence in one micro-batch gives the same vector."""
    assert is_causal(inspect_gguf(smollm_path))
    model = load_embedding_model(str(smollm_path), gpu=False)
    chunked = Embedder(model, None, 1024, 1, causal=True)
    whole = Embedder(model, None, 1024, 1, causal=False)
    assert chunked.pooling == whole.pooling == "mean"
    tokens = chunked.tokenize("The quick brown fox jumps over the lazy dog. " * 30)
    assert CHUNK < len(tokens) <= 1024
    a, b = chunked.embed([tokens]).vectors[0], whole.embed([tokens]).vectors[0]
    assert np.dot(a, b) > 0.9999 and np.allclose(a, b, atol=2e-3)
    chunked.close()
    whole.close()
