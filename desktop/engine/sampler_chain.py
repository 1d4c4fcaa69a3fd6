"""The llama.cpp sampler chain Hearth decodes with: llama-cpp-python's, plus DRY and XTC.

llama-cpp-python 0.3 builds its chain inside `Llama.generate` and offers no way to add llama.cpp's
DRY ("don't repeat yourself") or XTC ("exclude top choices") samplers, which users of llama-server
and koboldcpp use against repetition. `SamplingLlama` builds the chain itself, in llama.cpp's
usual order:

    constraint mask -> penalties -> DRY -> top-k -> top-p -> min-p -> XTC -> temperature -> pick

With DRY and XTC off this is exactly llama-cpp-python's chain for the settings Hearth uses (its
`typical_p` stage is a no-op at 1.0 and left out), so answers for a given seed are unchanged.
DRY only lowers logits and XTC only drops tokens that still have probability, so neither can
bring back a token the constraint mask removed: an answer under a grammar stays valid.
"""
from __future__ import annotations

import ctypes
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import llama_cpp
import numpy as np
from llama_cpp import _internals

from desktop.engine.types import SamplingParams


class SamplingLlama(llama_cpp.Llama):
    """A `Llama` whose next `generate()` uses `self.sampling`'s DRY and XTC settings too."""

    sampling: SamplingParams | None = None

    def _init_sampler(self, *, top_k: int = 40, top_p: float = 0.95, min_p: float = 0.05,
                      temp: float = 0.8, repeat_penalty: float = 1.0, frequency_penalty: float = 0.0,
                      presence_penalty: float = 0.0, logits_processor: Any = None,
                      **unused: Any) -> _internals.LlamaSampler:
        params = replace(self.sampling or SamplingParams(), top_k=top_k, top_p=top_p, min_p=min_p,
                         temperature=temp, repeat_penalty=repeat_penalty,
                         frequency_penalty=frequency_penalty, presence_penalty=presence_penalty)
        return build_chain(self, params, self._seed, logits_processor, lambda: self._input_ids)


def build_chain(llm: llama_cpp.Llama, params: SamplingParams, seed: int, processors: Any,
                input_ids: Callable[[], np.ndarray]) -> _internals.LlamaSampler:
    """The chain for one answer. `input_ids` gives the tokens of that answer's sequence so far
    (prompt included), which the logits processors read: the engine decodes several sequences in
    one context, so they cannot read the Llama's own."""
    chain = _internals.LlamaSampler()
    if processors is not None:
        chain.add_custom(_processors_stage(input_ids, processors))
    chain.add_penalties(n_vocab=llm._n_vocab, penalty_last_n=llm.last_n_tokens_size,
                        penalty_repeat=params.repeat_penalty, penalty_freq=params.frequency_penalty,
                        penalty_present=params.presence_penalty)
    if params.dry_multiplier > 0:
        n_ctx = llama_cpp.llama_n_ctx_seq(llm.ctx)  # one sequence's context, however many share it
        chain.add_dry(llm._model, params.dry_multiplier, params.dry_base, params.dry_allowed_length,
                      _dry_range(params.dry_penalty_last_n, n_ctx), list(params.dry_sequence_breakers))
    temp = params.temperature
    if temp == 0.0:
        chain.add_greedy()
        return chain
    if temp > 0.0:
        chain.add_top_k(params.top_k)
        chain.add_top_p(params.top_p, 1)
        chain.add_min_p(params.min_p, 1)
        if params.xtc_probability > 0:
            chain.add_xtc(params.xtc_probability, params.xtc_threshold, 1, seed)
        chain.add_temp(temp)
    chain.add_dist(seed)
    return chain


def _dry_range(penalty_last_n: int, n_ctx: int) -> int:
    """llama-server's convention: -1 means the whole context, 0 turns DRY off."""
    return n_ctx if penalty_last_n < 0 else penalty_last_n


def _processors_stage(input_ids: Callable[[], np.ndarray], processors: Any):
    """The logits processors (the constraint mask) as the chain's first stage, where the candidates
    are still the whole vocabulary in token order."""
    record = np.dtype([("id", np.intc), ("logit", np.single), ("p", np.single)], align=True)

    def apply(candidates: Any) -> None:
        size = candidates.contents.size
        buffer = (llama_cpp.llama_token_data * size).from_address(ctypes.addressof(candidates.contents.data.contents))
        logits = np.frombuffer(buffer, dtype=record)["logit"]
        scores = logits.copy()
        for processor in processors:
            scores = processor(input_ids(), scores)
        logits[:] = scores

    return apply
