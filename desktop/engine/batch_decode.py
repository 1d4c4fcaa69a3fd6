"""llama.cpp's batch API for several sequences in one context, through the low-level bindings.

llama-cpp-python's `Llama` decodes one sequence (its `eval` even clears every sequence's cache
past its own length), so the engine calls `llama_decode` itself: one `llama_batch` whose entries
each name a token, its position and its sequence (one per slot). The context is created with one
KV stream per sequence (`kv_unified` off): a sequence's numbers then depend on its own tokens and
on how its batches were made up, never on what another sequence holds (measured bit-identical to
a one-sequence context on SmolLM2-135M, on every slot).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import llama_cpp
import numpy as np

from desktop.errors import HearthError

Entry = tuple[int, int, int, bool]  # token, position, sequence id, whether its logits are needed


class DecodeError(HearthError):
    """llama.cpp failed a batch: every answer in it is lost, not only the request that added to it."""


class BatchDecoder:
    """Decodes entries of any sequences together; the logits asked for stay readable (by their
    index in the batch) until the next decode."""

    def __init__(self, llm: llama_cpp.Llama) -> None:
        self.ctx = llm.ctx
        self.memory = llama_cpp.llama_get_memory(self.ctx)
        self.capacity = llm.n_batch
        self.batch = llama_cpp.llama_batch_init(self.capacity, 0, 1)

    def decode(self, entries: Sequence[Entry]) -> None:
        if len(entries) > self.capacity:
            raise DecodeError(f"a batch of {len(entries)} tokens is more than llama.cpp's {self.capacity}")
        batch = self.batch
        for i, (token, position, seq, logits) in enumerate(entries):
            batch.token[i] = token
            batch.pos[i] = position
            batch.n_seq_id[i] = 1
            batch.seq_id[i][0] = seq
            batch.logits[i] = logits
        batch.n_tokens = len(entries)
        code = llama_cpp.llama_decode(self.ctx, batch)
        if code != 0:
            raise DecodeError(f"llama.cpp could not decode a batch of {len(entries)} tokens "
                              f"(llama_decode returned {code}{': no room left in the KV cache' if code == 1 else ''})")

    def move(self, source: int, target: int) -> None:
        """Give sequence `target` everything `source` holds, cell for cell (llama.cpp copies the
        KV stream's buffer before the next decode), and empty `source`. The numbers stay bit for bit
        what they were: each stream is computed on its own."""
        self.copy(source, target)
        llama_cpp.llama_memory_seq_rm(self.memory, source, -1, -1)

    def copy(self, source: int, target: int) -> None:
        """Give sequence `target` what `source` holds, which keeps it (a whole KV stream, copied
        before the next decode; what `target` held is dropped)."""
        llama_cpp.llama_memory_seq_cp(self.memory, source, target, -1, -1)

    def forget(self, seq: int, start: int) -> None:
        """Drop what sequence `seq` holds from position `start` on."""
        llama_cpp.llama_memory_seq_rm(self.memory, seq, start, -1)

    def close(self) -> None:
        if self.batch is not None:
            llama_cpp.llama_batch_free(self.batch)
            self.batch = None


class SequenceMemory:
    """What one sequence's KV cache holds, in the shape desktop.engine.prompt_cache reads from a
    `Llama` (`n_tokens`, `input_ids`, `eval`), so each slot keeps its own prompt cache.

    `exact_until`: every position below it was computed by prompt chunks decoded alone, as a fresh
    engine computes them; a chunk decoded beside other sequences is not, so the prompt cache must
    not offer it for reuse (see `trim`)."""

    def __init__(self, seq: int, n_ctx: int, evaluate: Callable[["SequenceMemory", list[int]], None]) -> None:
        self.seq = seq
        self.n_tokens = 0
        self.input_ids = np.zeros(n_ctx, dtype=np.intc)
        self.exact_until = 0
        self.logits_index = -1  # where this sequence's latest logits are in the last batch
        self._evaluate = evaluate

    def eval(self, tokens: Sequence[int]) -> None:
        self._evaluate(self, list(tokens))

    def copy_from(self, other: "SequenceMemory") -> None:
        """This sequence now holds what `other` holds (desktop.engine.batch_decode.BatchDecoder.copy)."""
        self.n_tokens, self.exact_until, self.logits_index = other.n_tokens, other.exact_until, -1
        self.input_ids[:other.n_tokens] = other.input_ids[:other.n_tokens]

    def record(self, tokens: Sequence[int], exact: bool) -> None:
        """`tokens` were just decoded at the end of this sequence."""
        start, end = self.n_tokens, self.n_tokens + len(tokens)
        self.input_ids[start:end] = tokens
        self.exact_until = end if exact and self.exact_until >= start else min(self.exact_until, start)
        self.n_tokens = end

    def trim(self, cache: Any) -> None:
        """Keep only the cache's chunks computed exactly (a desktop.engine.prompt_cache.PromptCache)."""
        cache.ends = [end for end in cache.ends if end <= self.exact_until]
