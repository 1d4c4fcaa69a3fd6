"""Hearth's sampler chain: llama-cpp-python's when DRY and XTC are off, and each of them really acts.

Runs llama.cpp in the test process on purpose: the claim is about the chain alone, so both sides
get the same prompt evaluated the same way (the engine's chunked prompt cache is tested elsewhere).
"""
from __future__ import annotations

import llama_cpp
import numpy as np
import pytest

from desktop.engine.sampler_chain import SamplingLlama, build_chain, logprobs_row
from desktop.engine.types import SamplingParams

PROMPT = "<|im_start|>user\nSay the word 'cat' twenty times.<|im_end|>\n<|im_start|>assistant\n"
STORY = "<|im_start|>user\nWrite a long story about a cat who sails around the world.<|im_end|>\n<|im_start|>assistant\n"


@pytest.fixture(scope="module")
def models(smollm_path):
    plain = llama_cpp.Llama(str(smollm_path), n_ctx=512, n_threads=1, verbose=False)
    ours = SamplingLlama(str(smollm_path), n_ctx=512, n_threads=1, verbose=False)
    yield plain, ours
    plain.close()
    ours.close()


def tokens(llm: llama_cpp.Llama, params: SamplingParams, n: int = 40, text: str = PROMPT) -> list[int]:
    llm.reset()
    llm.set_seed(params.seed)
    if isinstance(llm, SamplingLlama):
        llm.sampling = params
    prompt = llm.tokenize(text.encode(), add_bos=False, special=True)
    out = []
    for token in llm.generate(prompt, top_k=params.top_k, top_p=params.top_p, min_p=params.min_p,
                              temp=params.temperature, repeat_penalty=params.repeat_penalty,
                              frequency_penalty=params.frequency_penalty, presence_penalty=params.presence_penalty):
        out.append(token)
        if len(out) == n or token == llm.token_eos():
            break
    return out


@pytest.mark.parametrize("temperature", [0.0, 0.8])
def test_with_dry_and_xtc_off_the_chain_is_llama_cpp_pythons(models, temperature) -> None:
    plain, ours = models
    params = SamplingParams(temperature=temperature, seed=5, repeat_penalty=1.1)
    assert tokens(ours, params) == tokens(plain, params)


@pytest.mark.parametrize("penalties", [
    {"repeat_penalty": 1.15, "frequency_penalty": 0.3, "presence_penalty": 0.2},
    {"repeat_penalty": 0.9, "frequency_penalty": -0.1, "presence_penalty": 0.0},  # below 1 and negative: raise
])
@pytest.mark.parametrize("temperature", [0.0, 0.8])
def test_hearths_penalty_stage_picks_what_llama_cpps_picks(models, temperature, penalties) -> None:
    """Over 150 tokens, past the 64-token window, so tokens leave it as well as enter it."""
    plain, ours = models
    params = SamplingParams(temperature=temperature, seed=11, **penalties)
    unpenalised = SamplingParams(temperature=temperature, seed=11, repeat_penalty=1.0)
    picked = tokens(ours, params, n=150, text=STORY)
    assert len(picked) == 150 and picked != tokens(ours, unpenalised, n=150, text=STORY)  # the penalty acts
    assert picked == tokens(plain, params, n=150, text=STORY)


def test_a_greedy_pick_in_numpy_is_the_one_llama_cpps_stages_make(models) -> None:
    """With a constraint mask (here: never the two likeliest tokens), a repetition penalty and a
    logprobs row: the same token and the same row, token after token."""
    _, ours = models
    ours.reset()
    ours.eval(ours.tokenize(STORY.encode(), add_bos=False, special=True))

    def mask(input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        scores[np.argsort(scores)[-2:]] = -np.inf
        return scores

    params = SamplingParams(temperature=0.0, repeat_penalty=1.2, frequency_penalty=0.3, logprobs=3)
    ids = lambda: ours.input_ids[:ours.n_tokens]  # noqa: E731
    rows = [logprobs_row(ours.n_vocab()), logprobs_row(ours.n_vocab())]
    numpy_pick, stages = (build_chain(ours, params, 0, [mask], ids, row) for row in rows)
    stages.greedy = None  # through llama.cpp's copy of the vocabulary and its greedy stage
    assert numpy_pick.greedy is not None
    for _ in range(80):
        token = numpy_pick.sample(ours._ctx, -1)
        assert stages.sample(ours._ctx, -1) == token
        assert np.array_equal(rows[0], rows[1])
        ours.eval([token])


def test_dry_breaks_a_greedy_repetition(models) -> None:
    _, ours = models
    greedy = SamplingParams(temperature=0.0, seed=5, repeat_penalty=1.0)
    repeated = ours.detokenize(tokens(ours, greedy)).decode()
    dry = ours.detokenize(tokens(ours, SamplingParams(temperature=0.0, seed=5, repeat_penalty=1.0,
                                                      dry_multiplier=2.0, dry_allowed_length=1,
                                                      dry_sequence_breakers=[]))).decode()
    assert repeated.startswith("1. Cat\n2. Cat\n3. Cat\n4. Cat")  # greedy repeats the line...
    assert dry != repeated and "3. Cat\n" not in dry  # ...DRY penalises the third repeat of it


def test_xtc_changes_what_is_sampled(models) -> None:
    _, ours = models
    base = SamplingParams(temperature=0.8, seed=9, repeat_penalty=1.0, top_k=0, top_p=1.0, min_p=0.0)
    xtc = SamplingParams(**{**base.to_dict(), "xtc_probability": 1.0, "xtc_threshold": 0.05})
    assert tokens(ours, xtc) != tokens(ours, base)
