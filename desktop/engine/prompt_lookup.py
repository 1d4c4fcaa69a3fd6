"""Prompt-lookup drafting: guess an answer's next tokens from what its own sequence already holds.

Answers that repeat their input (fields extracted from a document, a paragraph rewritten, a
function edited) copy long runs of the prompt. The last few tokens of the sequence usually occur
earlier in it, and what followed them there is a good guess of what follows now; no second model
is needed. The guess is only a draft: desktop.engine.speculative decodes it in one batch and keeps
the part the answer's own sampler agrees with.

How long a draft is worth checking is decided by desktop.engine.draft_cost from what a check costs
here and from this answer's acceptance: the share of drafted tokens its sampler kept lately. An
answer that stops copying (free-form chat) soon drafts nothing; its evidence fades with every
plain step, so it tries again now and then.
"""
from __future__ import annotations

import numpy as np

MAX_NGRAM, MIN_NGRAM = 3, 2  # a lone matching token guesses too badly to pay for its verification
PRIOR_KEPT, PRIOR_LOST = 1.4, 0.6  # before any check: as if 7 of 10 drafted tokens were kept
FORGET_PER_CHECK = 0.7  # the weight of earlier evidence after a check
FORGET_PER_STEP = 0.97  # ... and after a plain step (about 30 steps for it to fade to a third)


class PromptLookup:
    """The drafter of one answer; `draft` proposes, `kept` says how that proposal fared."""

    def __init__(self) -> None:
        self.kept_tokens = 0.0  # recent drafted tokens the sampler kept (fading)
        self.lost = 0.0  # recent checks that ended on a token the sampler did not pick (fading)

    @property
    def acceptance(self) -> float:
        """The chance that the sampler keeps the next drafted token, given the one before it was kept."""
        return (self.kept_tokens + PRIOR_KEPT) / (self.kept_tokens + self.lost + PRIOR_KEPT + PRIOR_LOST)

    def draft(self, tokens: np.ndarray, room: int) -> list[int]:
        """Up to `room` tokens that followed the latest earlier occurrence of `tokens`' last
        n-gram (the longest n that occurs, MAX_NGRAM down to MIN_NGRAM); [] when none occurs."""
        if room <= 0:
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
                return [int(t) for t in tokens[start: start + room]]
        return []

    def kept(self, drafted: int, accepted: int) -> None:
        """A check of `drafted` tokens kept the first `accepted` of them."""
        self.kept_tokens = FORGET_PER_CHECK * self.kept_tokens + accepted
        self.lost = FORGET_PER_CHECK * self.lost + (accepted < drafted)

    def plain_step(self) -> None:
        """A step without a draft: what the last checks showed matters a little less."""
        self.kept_tokens *= FORGET_PER_STEP
        self.lost *= FORGET_PER_STEP
