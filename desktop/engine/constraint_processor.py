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
import weakref
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
from desktop.jsonmode.runaway import (JsonScanner, Refusal, RunawayLimits, ends_string_then_separates, leading_digits,
                                      nests_without_bound, opens_container, separates_items, wrap_up_reserve)

log = logging.getLogger(__name__)

# llguidance's tokenizer (and every matcher made with it) points into the loaded model's
# vocabulary, so both are held per Llama object and die with it: keyed by the file, a model loaded
# again from the same path would reuse a pointer into the freed one (a segfault in the worker).
_TOKENIZERS: weakref.WeakKeyDictionary[llama_cpp.Llama, llguidance.LLTokenizer] = weakref.WeakKeyDictionary()
_MATCHERS: weakref.WeakKeyDictionary[llama_cpp.Llama, OrderedDict[str, llguidance.LLMatcher]] = (
    weakref.WeakKeyDictionary())
_MATCHER_CACHE_SIZE = 32
_TOKEN_FACTS: dict[tuple[str, int], "TokenFacts"] = {}


class TokenFacts:
    """What the runaway guard needs to know of every token of a model's vocabulary, built once
    per model (a fraction of a second for a 150k-token vocabulary)."""

    def __init__(self, tokenizer: llguidance.LLTokenizer) -> None:
        self.bytes = [tokenizer.decode_bytes([t]) for t in range(tokenizer.vocab_size)]
        self.leading_digits = np.array([leading_digits(b) for b in self.bytes], dtype=np.int32)
        self.closes_string = np.array([b.startswith(b'"') for b in self.bytes], dtype=bool)
        self.single_byte = np.array([len(b) == 1 for b in self.bytes], dtype=bool)
        self.comma = np.array([b"," in b for b in self.bytes], dtype=bool)
        # Whitespace only delays: refused beside a separator, so a grammar that needs the separator
        # (minItems) gets it at once instead of after a detour through blanks.
        self.blank = np.array([bool(b) and not b.strip() for b in self.bytes], dtype=bool)
        # Only tokens holding a bracket can open a container: the rest need no closer look.
        bracketed = [b if b"{" in b or b"[" in b else b"" for b in self.bytes]
        self.opens = np.array([opens_container(b) for b in bracketed], dtype=bool)
        self.key_then_opens = np.array([opens_container(b, after_key=True) for b in bracketed], dtype=bool)
        self._separators: dict[tuple[str, bytes], np.ndarray] = {}  # per refusal kind and closer
        self._with_comma = np.flatnonzero([b"," in b for b in self.bytes])  # only these can separate

    def refused(self, refusal: Refusal) -> np.ndarray:
        """Tokens that would make the refused continuation."""
        if refusal[0] == "digits":
            return self.leading_digits > refusal[1]
        if refusal[0] == "close_string":
            return ~self.closes_string
        if refusal[0] == "blank":
            return self.blank
        if refusal[0] == "comma":
            return self.comma | self.blank
        if refusal[0] == "open_container":  # blanks too: they would only put the container off
            return self.opens | self.blank
        if refusal[0] == "key_then_container":
            return self.key_then_opens
        key = (refusal[0], refusal[1])
        if key not in self._separators:
            if len(self._separators) >= 512:  # the rest of a string varies token by token: keep a few
                self._separators.clear()
            test = ends_string_then_separates if refusal[0] == "string_end_separator" else separates_items
            separators = np.zeros(len(self.bytes), dtype=bool)
            separators[self._with_comma] = [test(self.bytes[t], refusal[1]) for t in self._with_comma]
            self._separators[key] = separators | self.blank if key == ("item_separator", b"") else separators
        return self._separators[key]


def token_facts_for(llama: llama_cpp.Llama) -> TokenFacts:
    key = (llama.model_path, llama.n_vocab())
    if key not in _TOKEN_FACTS:
        _TOKEN_FACTS[key] = TokenFacts(tokenizer_for(llama))
    return _TOKEN_FACTS[key]


def tokenizer_for(llama: llama_cpp.Llama) -> llguidance.LLTokenizer:
    """llguidance's tokenizer for this model, built once per model; every end-of-generation token
    (the Qwen coder GGUF marks six) counts as EOS, so the grammar's end is enforced whichever the
    model prefers."""
    if llama not in _TOKENIZERS:
        vocab = llama_cpp.llama_model_get_vocab(llama.model)
        n_vocab = llama.n_vocab()
        eog = [t for t in range(n_vocab) if llama_cpp.llama_vocab_is_eog(vocab, t)] or [llama.token_eos()]
        with warnings.catch_warnings():  # llguidance calls a llama_cpp function deprecated per token
            warnings.simplefilter("ignore", DeprecationWarning)
            _TOKENIZERS[llama] = llguidance.llamacpp.lltokenizer_from_vocab(vocab, n_vocab=n_vocab, eos_token=eog)
    return _TOKENIZERS[llama]


def matcher_for(llama: llama_cpp.Llama, constraint: Constraint) -> llguidance.LLMatcher:
    """A fresh matcher for `constraint` on this model (a copy of a cached, never-advanced one)."""
    grammar = grammar_for(constraint)
    cache = _MATCHERS.setdefault(llama, OrderedDict())
    pristine = cache.get(grammar)
    if pristine is None:
        pristine = llguidance.LLMatcher(tokenizer_for(llama), grammar, log_level=0)
        if pristine.is_error():
            raise HearthError(f"cannot enforce this constraint on this model: {pristine.get_error()}")
        cache[grammar] = pristine
        while len(cache) > _MATCHER_CACHE_SIZE:
            cache.popitem(last=False)
    else:
        cache.move_to_end(grammar)
    return pristine.deep_copy()


class ConstraintProcessor:
    """A llama-cpp-python LogitsProcessor: `(input_ids, scores) -> scores` with disallowed tokens
    at -inf. It sees the whole sequence each call (prompt included), so it remembers how many
    tokens it has already fed to the matcher: the first call's length is the prompt's."""

    def __init__(self, matcher: llguidance.LLMatcher, n_vocab: int, eos: list[int],
                 guard: TokenFacts | None = None, limits: RunawayLimits = RunawayLimits(),
                 budget: int | None = None) -> None:
        self.matcher = matcher
        self.guard = guard  # the runaway guard (JSON constraints), see desktop.jsonmode.runaway
        self.scanner = JsonScanner(limits) if guard is not None else None
        # With the guard: from this many answer tokens on, the answer is wrapped up.
        self.wrap_up_at = budget - wrap_up_reserve(budget) if budget and guard is not None else None
        self.wrapped_up = False  # the wrap-up began (reported with the answer)
        self._search_from = 0  # no nearest-end search before this many tokens (one found none)
        self.n_vocab = n_vocab
        self.eos = np.array(eos, dtype=np.intp)
        self.consumed: int | None = None
        self.prompt_length = 0
        self.error: str | None = None  # set if the matcher failed; generation is then ended
        self._bitmask = llguidance.numpy.allocate_token_bitmask(1, n_vocab)
        self._bytes = self._bitmask.view(np.uint8)[0]

    def __call__(self, input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        n = len(input_ids)
        if self.consumed is None:
            self.consumed = self.prompt_length = n
        elif n > self.consumed:
            new = [int(t) for t in input_ids[self.consumed:n]]
            if self.error is None and not self.matcher.consume_tokens(new):
                self.error = self.matcher.get_error() or "the constraint rejected a token"
                log.warning("constraint matcher failed: %s", self.error)
            if self.scanner is not None:
                for token in new:
                    self.scanner.feed(self.guard.bytes[token])
            self.consumed = n
        if self.error is not None:
            return self._only_eos(scores)
        if self.wrap_up_at is not None and not self.wrapped_up and n - self.prompt_length >= self.wrap_up_at:
            self.scanner.wrapping_up = self.wrapped_up = True
        allowed = self._allowed(self.matcher).copy()
        refusals = self.scanner.refusals() if self.scanner is not None else []
        for refusal in refusals:
            steered = allowed & ~self.guard.refused(refusal)
            if steered.any():  # never refuse everything the grammar allows
                allowed = steered
        if (("close_string",) in refusals and self.scanner.in_open_string
                and not (allowed & self.guard.closes_string).any()):
            if n >= self._search_from:
                steered = self._toward_string_end(allowed)
                if steered is allowed:  # no end within reach: not worth searching again at once
                    self._search_from = n + _END_SEARCH_BYTES
                allowed = steered
        np.copyto(scores, -np.inf, where=~allowed[: len(scores)])
        return scores

    def _allowed(self, matcher: llguidance.LLMatcher) -> np.ndarray:
        """The tokens the grammar allows next (a view of a buffer the next call overwrites)."""
        llguidance.numpy.fill_next_token_bitmask(matcher, self._bitmask)
        return np.unpackbits(self._bytes, count=self.n_vocab, bitorder="little").view(bool)

    def _toward_string_end(self, allowed: np.ndarray) -> np.ndarray:
        """Where the string rule would close a string its pattern cannot end yet (base64 that
        needs one more character and `==`): the single-byte tokens that begin a shortest way to a
        place where it can close, found breadth first, one byte per step, on the grammar alone.
        Places with the same allowed set are taken for one (base64's whole alphabet leads to the
        same place), which keeps the search to a few hundred masks; `allowed` itself if no end
        is found within `_END_SEARCH_BYTES` bytes."""
        # (path, first tokens leading there, what the grammar allows at its end)
        frontier: list[tuple[list[int], set[int], np.ndarray]] = [([], set(), allowed)]
        seen: set[bytes] = set()
        masks = 0
        for _ in range(_END_SEARCH_BYTES):
            found: set[int] = set()
            following: dict[bytes, tuple[list[int], set[int], np.ndarray]] = {}
            for path, firsts, options in frontier:
                for token in np.flatnonzero(options & self.guard.single_byte):
                    masks += 1
                    after = self._allowed_after(path + [int(token)])
                    leads = firsts or {int(token)}
                    if (after & self.guard.closes_string).any():
                        found |= leads
                        continue
                    key = np.packbits(after).tobytes()
                    if key in seen:
                        continue
                    if key in following:
                        following[key][1].update(leads)
                    else:
                        following[key] = (path + [int(token)], set(leads), after)
                    if masks >= _END_SEARCH_MASKS:
                        break
            if found:
                steered = np.zeros_like(allowed)
                steered[list(found)] = True
                return steered
            seen.update(following)
            frontier = list(following.values())
            if not frontier or masks >= _END_SEARCH_MASKS:
                break
        return allowed

    def _allowed_after(self, path: list[int]) -> np.ndarray:
        """What the grammar would allow after `path`; the matcher is left where it was."""
        taken = self.matcher.try_consume_tokens(path)
        try:
            return self._allowed(self.matcher).copy() if taken == len(path) else np.zeros(self.n_vocab, dtype=bool)
        finally:
            self.matcher.rollback(taken)

    def _only_eos(self, scores: np.ndarray) -> np.ndarray:
        kept = scores[self.eos].copy()
        scores.fill(-np.inf)
        scores[self.eos] = kept
        return scores


def make_logits_processor(llama: llama_cpp.Llama, constraint: Constraint,
                          budget: int | None = None) -> ConstraintProcessor:
    """The processor for one request; raises HearthError if the constraint cannot be enforced.
    JSON constraints get the runaway guard unless `constraint.runaway_guard` is off; with a
    `budget` (the answer's most tokens) the guard wraps a JSON answer up before it runs out (not a
    Lark grammar's, such as tool calls: prose may come before the call there)."""
    tokenizer = tokenizer_for(llama)
    guard = token_facts_for(llama) if constraint.kind != "grammar" and constraint.runaway_guard else None
    limits = RunawayLimits()
    if constraint.kind == "json_schema" and not nests_without_bound(constraint.schema):
        limits = RunawayLimits(nested_same_key=_NEVER)  # bounded depth: the answer ends on its own
    return ConstraintProcessor(matcher_for(llama, constraint), llama.n_vocab(), tokenizer.eos_tokens, guard, limits,
                               budget if constraint.kind in _JSON_KINDS else None)


_NEVER = 2**31
_JSON_KINDS = ("json", "json_object", "json_schema")
_END_SEARCH_BYTES = 8  # a pattern's nearest end further away than this is not looked for
_END_SEARCH_MASKS = 600  # nor with more than this many masks computed (~0.1 ms each)
