"""Prompt-lookup drafting: guess an answer's next tokens from what its own sequence already holds.

Answers that repeat their input (fields extracted from a document, a paragraph rewritten, a
function edited) copy long runs of the prompt. The last few tokens of the sequence usually occur
earlier in it, and what followed them there is a good guess of what follows now; no second model
is needed. The guess is only a draft: desktop.engine.speculative decodes it in one batch and keeps
the part the answer's own sampler agrees with.

The draft length adapts to how much of the last drafts was kept, so an answer that stops copying
(free-form chat) soon drafts little and pays little for the tries.
"""
from __future__ import annotations

import numpy as np

MAX_NGRAM, MIN_NGRAM = 3, 2  # a lone matching token guesses too badly to pay for its verification
MAX_DRAFT = 10
REST_STEPS = 8  # after a one-token draft is thrown away, plain steps before the next try


class PromptLookup:
    """The drafter of one answer; `draft` proposes, `kept` says how that proposal fared."""

    def __init__(self, max_draft: int = MAX_DRAFT) -> None:
        self.max_draft = max_draft
        self.length = max_draft  # the next draft's length, adapted by `kept`
        self.rest = 0  # plain steps left before drafting again

    def draft(self, tokens: np.ndarray, room: int) -> list[int]:
        """Up to `room` tokens that followed the latest earlier occurrence of `tokens`' last
        n-gram (the longest n that occurs, MAX_NGRAM down to MIN_NGRAM); [] when none occurs."""
        limit = min(self.length, room)
        if self.rest > 0:
            self.rest -= 1
            return []
        if limit <= 0:
            return []
        end = len(tokens)
        for n in range(MAX_NGRAM, MIN_NGRAM - 1, -1):
            if end <= n:
                continue
            tail = tokens[end - n:]
            # where an earlier copy of the n-gram starts, early enough that something follows it
            match = tokens[: end - n] == tail[0]
            for j in range(1, n):
                match &= tokens[j: end - n + j] == tail[j]
            found = np.flatnonzero(match)
            if len(found):  # the latest copy: the most recent context
                start = int(found[-1]) + n
                return [int(t) for t in tokens[start: start + limit]]
        return []

    def kept(self, drafted: int, accepted: int) -> None:
        """Grow the next draft after a draft kept whole, shrink it after one mostly thrown away."""
        if accepted >= drafted:
            self.length = min(self.max_draft, self.length + 2)
        elif accepted == 0 and self.length == 1:
            self.rest = REST_STEPS
        elif accepted * 2 < drafted:
            self.length = max(1, self.length // 2)
