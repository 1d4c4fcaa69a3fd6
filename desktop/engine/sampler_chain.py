"""The llama.cpp sampler chain Hearth decodes with: llama-cpp-python's, plus DRY and XTC.

llama-cpp-python 0.3 builds its chain inside `Llama.generate` and offers no way to add llama.cpp's
DRY ("don't repeat yourself") or XTC ("exclude top choices") samplers, which users of llama-server
and koboldcpp use against repetition. `SamplingLlama` builds the chain itself, in llama.cpp's
usual order:

    constraint mask -> penalties -> DRY -> [logprobs row] -> top-k -> top-p -> min-p -> XTC -> temperature -> pick

With DRY and XTC off this is exactly llama-cpp-python's chain for the settings Hearth uses (its
`typical_p` stage is a no-op at 1.0 and left out), so answers for a given seed are unchanged. The
penalties are Hearth's own stage (desktop.engine.repetition_penalty), which computes llama.cpp's
numbers on the few tokens they touch instead of looking up the whole vocabulary.
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

from desktop.engine.repetition_penalty import RepetitionPenalty
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
                      **unused: Any) -> "Chain":
        params = replace(self.sampling or SamplingParams(), top_k=top_k, top_p=top_p, min_p=min_p,
                         temperature=temp, repeat_penalty=repeat_penalty,
                         frequency_penalty=frequency_penalty, presence_penalty=presence_penalty)
        self.logprobs_row = logprobs_row(self._n_vocab) if params.logprobs is not None else None
        return build_chain(self, params, self._seed, logits_processor, lambda: self._input_ids, self.logprobs_row)


def logprobs_row(n_vocab: int) -> np.ndarray:
    """A row for `build_chain` to record the logits a token is picked from (desktop.engine.logprobs)."""
    return np.full(n_vocab, -np.inf, dtype=np.single)


def build_chain(llm: llama_cpp.Llama, params: SamplingParams, seed: int, processors: Any,
                input_ids: Callable[[], np.ndarray], row: np.ndarray | None = None) -> "Chain":
    """The chain for one answer. `input_ids` gives the tokens of that answer's sequence so far
    (prompt included), which the logits processors read: the engine decodes several sequences in
    one context, so they cannot read the Llama's own. `row`, when given, receives the logits each
    token is picked from (its logprobs are computed from them)."""
    chain = Chain()
    if processors is not None:
        chain.add_custom(_processors_stage(input_ids, processors))
    penalty = (llm.last_n_tokens_size, params.repeat_penalty, params.frequency_penalty, params.presence_penalty)
    if RepetitionPenalty.acts(*penalty):
        chain.penalty = RepetitionPenalty(*penalty)
        chain.add_custom(_penalty_stage(chain.penalty))
    if params.dry_multiplier > 0:
        n_ctx = llama_cpp.llama_n_ctx_seq(llm.ctx)  # one sequence's context, however many share it
        chain.add_dry(llm._model, params.dry_multiplier, params.dry_base, params.dry_allowed_length,
                      _dry_range(params.dry_penalty_last_n, n_ctx), list(params.dry_sequence_breakers))
    if row is not None:
        chain.add_custom(_recording_stage(row))
    temp = params.temperature
    if temp == 0.0:
        chain.add_greedy()
        if params.dry_multiplier <= 0:
            chain.greedy = GreedyPick(llm._n_vocab, processors, input_ids, chain.penalty, row)
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


class GreedyPick:
    """A greedy chain without DRY, run in numpy: the constraint mask, the repetition penalty, the
    logprobs row and the first token of highest logit, as the chain's stages compute them. llama.cpp
    first copies the whole vocabulary into an array of (id, logit, p) records and then scans it,
    0.16 ms a pick for Qwen2.5's 151,936 tokens (2 cores of a Sapphire Rapids VM); a copy of the
    logits and numpy's argmax (which also returns the first of equal maxima) take a fifth of that."""

    def __init__(self, n_vocab: int, processors: Any, input_ids: Callable[[], np.ndarray],
                 penalty: RepetitionPenalty | None, row: np.ndarray | None) -> None:
        self.n_vocab = n_vocab
        self.processors = processors
        self.input_ids = input_ids
        self.penalty = penalty
        self.row = row

    def pick(self, ctx: _internals.LlamaContext, idx: int) -> int:
        logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(ctx.ctx, idx), shape=(self.n_vocab,))
        scores = logits.copy()  # the context's row stays as llama.cpp left it
        if self.processors is not None:
            scores = _processed(self.processors, self.input_ids, scores)
        if self.penalty is not None:
            self.penalty.apply(scores)
        if self.row is not None:
            self.row[:] = scores
        return int(np.argmax(scores))


class Chain(_internals.LlamaSampler):
    """llama.cpp's sampler chain, which also tells its repetition penalty every token it picks
    (llama.cpp tells its own stages through their `accept`; a stage written in Python has none)."""

    penalty: RepetitionPenalty | None = None
    greedy: GreedyPick | None = None  # set for a greedy chain without DRY: picked in numpy instead

    def sample(self, ctx: _internals.LlamaContext, idx: int = -1) -> int:
        token = self.greedy.pick(ctx, idx) if self.greedy is not None else super().sample(ctx, idx)
        if self.penalty is not None:
            self.penalty.accept(token)
        return token

    def accept(self, token: int) -> None:
        super().accept(token)
        if self.penalty is not None:
            self.penalty.accept(token)


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


def _penalty_stage(penalty: RepetitionPenalty):
    """The repetition penalty where llama.cpp's penalties stage would be: the candidates are still
    the whole vocabulary in token order (the constraint mask before it changes only logits)."""

    def apply(candidates: Any) -> None:
        penalty.apply(_candidates(candidates)["logit"])

    return apply


def _processors_stage(input_ids: Callable[[], np.ndarray], processors: Any):
    """The logits processors (the constraint mask) as the chain's first stage, where the candidates
    are still the whole vocabulary in token order."""
    def apply(candidates: Any) -> None:
        logits = _candidates(candidates)["logit"]
        logits[:] = _processed(processors, input_ids, logits.copy())

    return apply


def _processed(processors: Any, input_ids: Callable[[], np.ndarray], scores: np.ndarray) -> np.ndarray:
    """`scores` after every logits processor, in single precision as the chain keeps logits."""
    for processor in processors:
        scores = processor(input_ids(), scores)
    return np.asarray(scores, dtype=np.single)
