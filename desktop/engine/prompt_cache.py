"""The engine's KV cache: prompts evaluated chunk by chunk, only whole matching chunks reused.

A chunk's numbers depend on nothing but its start, its end and the tokens up to its end. So a
cached chunk may stand in for one of a new prompt's chunks exactly when the new prompt, cut by its
own rule (prompt_chunks), has a chunk with the same start and end over the same tokens - and then
a warm engine computes what a fresh one would. Kept apart from the worker's request handling
because that one promise is what makes seeds reproduce.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


class PromptCache:
    """What llama.cpp's KV cache holds, chunk by chunk, for one loaded model."""

    def __init__(self, llm: Any) -> None:
        self.llm = llm
        self.ends: list[int] = []  # where each chunk in the cache ends, ascending (starts: 0 and these)

    def prefill(self, tokens: Sequence[int], cuts: Sequence[int], interrupted: Callable[[], bool]) -> int | None:
        """Evaluate the whole prompt (its last chunk always, so the logits to sample from are
        fresh). Returns how many tokens were reused, None when `interrupted` said stop."""
        reused = self._reusable(tokens, cuts, len(tokens) - 1)
        done = self._evaluate(tokens, reused, [*(c for c in cuts if c > reused), len(tokens)], interrupted)
        return reused if done else None

    def prepare(self, tokens: Sequence[int], cuts: Sequence[int], interrupted: Callable[[], bool]) -> None:
        """Evaluate the whole chunks of `tokens` - the start of a request expected next - ahead of
        time; stops between chunks when `interrupted`."""
        reused = self._reusable(tokens, cuts, len(tokens))
        self._evaluate(tokens, reused, [c for c in cuts if c > reused], interrupted)

    def copy_from(self, other: "PromptCache") -> None:
        """Hold what `other` holds, chunk for chunk, once llama.cpp copied its sequence into this
        one (desktop.engine.batch_decode.BatchDecoder.copy)."""
        self.llm.copy_from(other.llm)
        self.ends = list(other.ends)

    def reusable(self, tokens: Sequence[int], cuts: Sequence[int]) -> int:
        """How many of a prompt's tokens `prefill` would reuse (a scheduler picks the slot by it)."""
        return self._reusable(tokens, cuts, len(tokens) - 1)

    def _reusable(self, tokens: Sequence[int], cuts: Sequence[int], limit: int) -> int:
        """The longest run of `tokens`' own chunks that the cache holds as they are, ending at
        most at `limit`."""
        llm = self.llm
        common, bound = 0, min(limit, llm.n_tokens)
        cached = llm.input_ids
        while common < bound and cached[common] == tokens[common]:
            common += 1
        reused = 0
        for mine, theirs in zip(cuts, self.ends):
            if mine != theirs or mine > common:
                break
            reused = mine
        return reused

    def _evaluate(self, tokens: Sequence[int], start: int, stops: Sequence[int],
                  interrupted: Callable[[], bool]) -> bool:
        llm = self.llm
        llm.n_tokens = start  # eval() drops everything cached after this
        self.ends = [end for end in self.ends if end <= start]
        for stop in stops:
            if interrupted():
                return False
            llm.eval(list(tokens[start:stop]))
            self.ends.append(stop)
            start = stop
        return True
