"""The logits processor that enforces a constraint inside the engine's worker process.

Per token: llguidance writes the allowed-token bitmask into a preallocated buffer (tens of
microseconds, off the GIL), and numpy sets every disallowed logit to -inf. Nothing of vocabulary
size is allocated per token except one unpacked bit array, so the cost stays small even for the
151,936-token Qwen vocabulary. EOS (every end-of-generation token) is in the mask only once the
grammar is complete.

The expensive per-model part (llguidance's view of the model's vocabulary, ~1 s for a large
vocabulary) is built once per loaded model and reused; compiled matchers are cached per grammar and
copied for each request, so a repeated schema costs almost nothing.
"""
from __future__ import annotations

import logging
import warnings
from collections import OrderedDict

import llguidance
import llguidance.llamacpp
import llguidance.numpy
import llama_cpp
import numpy as np

from desktop.jsonmode.constraint import Constraint
from desktop.errors import HearthError
from desktop.jsonmode.compile import grammar_for

log = logging.getLogger(__name__)

_TOKENIZERS: dict[tuple[str, int], llguidance.LLTokenizer] = {}
_MATCHERS: OrderedDict[tuple[str, int, str], llguidance.LLMatcher] = OrderedDict()
_MATCHER_CACHE_SIZE = 32


def tokenizer_for(llama: llama_cpp.Llama) -> llguidance.LLTokenizer:
    """llguidance's tokenizer for this model, built once per model; every end-of-generation token
    (the Qwen coder GGUF marks six) counts as EOS, so the grammar's end is enforced whichever the
    model prefers."""
    key = (llama.model_path, llama.n_vocab())
    if key not in _TOKENIZERS:
        vocab = llama_cpp.llama_model_get_vocab(llama.model)
        n_vocab = llama.n_vocab()
        eog = [t for t in range(n_vocab) if llama_cpp.llama_vocab_is_eog(vocab, t)] or [llama.token_eos()]
        with warnings.catch_warnings():  # llguidance calls a llama_cpp function deprecated per token
            warnings.simplefilter("ignore", DeprecationWarning)
            _TOKENIZERS[key] = llguidance.llamacpp.lltokenizer_from_vocab(vocab, n_vocab=n_vocab, eos_token=eog)
    return _TOKENIZERS[key]


def matcher_for(llama: llama_cpp.Llama, constraint: Constraint) -> llguidance.LLMatcher:
    """A fresh matcher for `constraint` on this model (a copy of a cached, never-advanced one)."""
    grammar = grammar_for(constraint)
    key = (llama.model_path, llama.n_vocab(), grammar)
    pristine = _MATCHERS.get(key)
    if pristine is None:
        pristine = llguidance.LLMatcher(tokenizer_for(llama), grammar, log_level=0)
        if pristine.is_error():
            raise HearthError(f"cannot enforce this constraint on this model: {pristine.get_error()}")
        _MATCHERS[key] = pristine
        while len(_MATCHERS) > _MATCHER_CACHE_SIZE:
            _MATCHERS.popitem(last=False)
    else:
        _MATCHERS.move_to_end(key)
    return pristine.deep_copy()


class ConstraintProcessor:
    """A llama-cpp-python LogitsProcessor: `(input_ids, scores) -> scores` with disallowed tokens
    at -inf. It sees the whole sequence each call (prompt included), so it remembers how many
    tokens it has already fed to the matcher: the first call's length is the prompt's."""

    def __init__(self, matcher: llguidance.LLMatcher, n_vocab: int, eos: list[int]) -> None:
        self.matcher = matcher
        self.n_vocab = n_vocab
        self.eos = np.array(eos, dtype=np.intp)
        self.consumed: int | None = None
        self.error: str | None = None  # set if the matcher failed; generation is then ended
        self._bitmask = llguidance.numpy.allocate_token_bitmask(1, n_vocab)
        self._bytes = self._bitmask.view(np.uint8)[0]

    def __call__(self, input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        n = len(input_ids)
        if self.consumed is None:
            self.consumed = n
        elif n > self.consumed:
            if self.error is None and not self.matcher.consume_tokens([int(t) for t in input_ids[self.consumed:n]]):
                self.error = self.matcher.get_error() or "the constraint rejected a token"
                log.warning("constraint matcher failed: %s", self.error)
            self.consumed = n
        if self.error is not None:
            return self._only_eos(scores)
        llguidance.numpy.fill_next_token_bitmask(self.matcher, self._bitmask)
        allowed = np.unpackbits(self._bytes, count=self.n_vocab, bitorder="little")
        np.copyto(scores, -np.inf, where=allowed[: len(scores)] == 0)
        return scores

    def _only_eos(self, scores: np.ndarray) -> np.ndarray:
        kept = scores[self.eos].copy()
        scores.fill(-np.inf)
        scores[self.eos] = kept
        return scores


def make_logits_processor(llama: llama_cpp.Llama, constraint: Constraint) -> ConstraintProcessor:
    """The processor for one request; raises HearthError if the constraint cannot be enforced."""
    tokenizer = tokenizer_for(llama)
    return ConstraintProcessor(matcher_for(llama, constraint), llama.n_vocab(), tokenizer.eos_tokens)
