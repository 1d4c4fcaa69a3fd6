"""The per-token logprob entries the worker reports (pure numpy: no model needed)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from desktop.engine.logprobs import log_softmax, token_logprob


def test_token_logprob_ranks_and_leaves_masked_tokens_out() -> None:
    logits = np.array([1.0, 3.0, -np.inf, 2.0, -np.inf], dtype=np.float32)
    entry = token_logprob(logits, 3, 20, lambda t: f"t{t}".encode())
    assert [a["token"] for a in entry["top_logprobs"]] == ["t1", "t3", "t0"]
    assert entry["logprob"] == pytest.approx(log_softmax(logits)[3])
    assert sum(math.exp(a["logprob"]) for a in entry["top_logprobs"]) == pytest.approx(1)
    partial = token_logprob(logits, 1, 1, lambda t: "中".encode()[:2])
    assert partial["token"] == "\\xe4\\xb8" and partial["bytes"] == [0xE4, 0xB8]


def test_a_fully_masked_row_is_refused_rather_than_reported_as_nan() -> None:
    with pytest.raises(ValueError):
        log_softmax(np.full(4, -np.inf))
