"""The llama.cpp sampler chain Hearth decodes with: llama-cpp-python's, plus DRY and XTC.

llama-cpp-python 0.3 builds its chain inside `Llama.generate` and offers no way to add llama.cpp's
DRY ("don't repeat yourself") or XTC ("exclude top choices") samplers, which users of llama-server
and koboldcpp use against repetition. `SamplingLlama` builds the chain itself, in llama.cpp's
usual order:

    constraint mask -> penalties -> DRY -> [logprobs row] -> top-k -> top-p -> min-p -> XTC -> temperature -> pick

With DRY and XTC off this is exactly llama-cpp-python's chain for the settings Hearth uses (its
`typical_p` stage is a no-op at 1.0 and left out), so answers for a given seed are unchanged.
DRY only lowers logits and XTC only drops tokens that still have probability, so neither can
bring back a token the constraint mask removed: an answer under a grammar stays valid.
"""
from __future__ import annotations

import ctypes
from typing import Any

import llama_cpp
import numpy as np
from llama_cpp import _internals

from desktop.engine.types import SamplingParams


class SamplingLlama(llama_cpp.Llama):
    """A `Llama` whose next `generate()` uses `self.sampling`'s DRY and XTC settings too."""

    sampling: SamplingParams | None = None
    # The logits row the token is picked from, kept per token only while `sampling.logprobs` asks
    # (desktop/engine/logprobs.py says which row and why).
    logprobs_row: np.ndarray | None = None

    def _init_sampler(self, *, top_k: int = 40, top_p: float = 0.95, min_p: float = 0.05,
                      temp: float = 0.8, repeat_penalty: float = 1.0, frequency_penalty: float = 0.0,
                      presence_penalty: float = 0.0, logits_processor: Any = None,
                      **unused: Any) -> _internals.LlamaSampler:
        params = self.sampling or SamplingParams()
        chain = _internals.LlamaSampler()
        if logits_processor is not None:
            chain.add_custom(_processors_stage(self, logits_processor))
        chain.add_penalties(n_vocab=self._n_vocab, penalty_last_n=self.last_n_tokens_size,
                            penalty_repeat=repeat_penalty, penalty_freq=frequency_penalty,
                            penalty_present=presence_penalty)
        if params.dry_multiplier > 0:
            chain.add_dry(self._model, params.dry_multiplier, params.dry_base, params.dry_allowed_length,
                          _dry_range(params.dry_penalty_last_n, self.n_ctx()), list(params.dry_sequence_breakers))
        self.logprobs_row = None
        if params.logprobs is not None:
            self.logprobs_row = np.full(self._n_vocab, -np.inf, dtype=np.single)
            chain.add_custom(_recording_stage(self.logprobs_row))
        if temp == 0.0:
            chain.add_greedy()
            return chain
        if temp > 0.0:
            chain.add_top_k(top_k)
            chain.add_top_p(top_p, 1)
            chain.add_min_p(min_p, 1)
            if params.xtc_probability > 0:
                chain.add_xtc(params.xtc_probability, params.xtc_threshold, 1, self._seed)
            chain.add_temp(temp)
        chain.add_dist(self._seed)
        return chain


def _dry_range(penalty_last_n: int, n_ctx: int) -> int:
    """llama-server's convention: -1 means the whole context, 0 turns DRY off."""
    return n_ctx if penalty_last_n < 0 else penalty_last_n


_RECORD = np.dtype([("id", np.intc), ("logit", np.single), ("p", np.single)], align=True)


def _candidates(candidates: Any) -> np.ndarray:
    """The chain's candidate array (id, logit, p records) as a numpy view, not a copy."""
    size = candidates.contents.size
    buffer = (llama_cpp.llama_token_data * size).from_address(ctypes.addressof(candidates.contents.data.contents))
    return np.frombuffer(buffer, dtype=_RECORD)


def _recording_stage(row: np.ndarray):
    """A stage that changes nothing and copies the candidates' logits into `row`, by token id
    (earlier stages may have reordered or shortened the array)."""

    def apply(candidates: Any) -> None:
        records = _candidates(candidates)
        row.fill(-np.inf)
        row[records["id"]] = records["logit"]

    return apply


def _processors_stage(llm: llama_cpp.Llama, processors: Any):
    """The logits processors (the constraint mask) as the chain's first stage, where the candidates
    are still the whole vocabulary in token order."""
    def apply(candidates: Any) -> None:
        logits = _candidates(candidates)["logit"]
        scores = logits.copy()
        for processor in processors:
            scores = processor(llm._input_ids, scores)
        logits[:] = scores

    return apply
