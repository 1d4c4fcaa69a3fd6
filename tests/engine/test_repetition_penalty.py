"""The repetition penalty on its own; tests/engine/test_sampler_chain.py checks that a chain with
it picks exactly what llama.cpp's own penalties stage picks."""
from __future__ import annotations

import numpy as np

from desktop.engine.repetition_penalty import RepetitionPenalty


def test_a_repeated_token_is_lowered_whatever_its_sign_and_the_rest_are_untouched() -> None:
    penalty = RepetitionPenalty(last_n=64, repeat=2.0, frequency=0.5, presence=0.25)
    for token in (1, 2, 2):
        penalty.accept(token)
    logits = np.array([3.0, 4.0, -1.0, 5.0, -np.inf], dtype=np.float32)
    penalty.apply(logits)
    # token 1 once: 4 / 2 - (0.5 + 0.25); token 2 twice: -1 * 2 - (2 * 0.5 + 0.25)
    assert logits.tolist() == [3.0, 1.25, -3.25, 5.0, -np.inf]


def test_only_the_last_n_tokens_count() -> None:
    penalty = RepetitionPenalty(last_n=2, repeat=2.0, frequency=0.0, presence=0.0)
    for token in (0, 1, 2):
        penalty.accept(token)
    logits = np.ones(3, dtype=np.float32)
    penalty.apply(logits)
    assert logits.tolist() == [1.0, 0.5, 0.5]


def test_neutral_settings_do_not_act() -> None:
    assert not RepetitionPenalty.acts(64, 1.0, 0.0, 0.0)
    assert not RepetitionPenalty.acts(0, 1.3, 0.2, 0.1)
    assert RepetitionPenalty.acts(64, 1.0, 0.0, 0.1)
