"""Prompt-lookup drafting: guess an answer's next tokens from what its own sequence already holds.

Answers that repeat their input (fields extracted from a document, a paragraph rewritten, a
function edited) copy long runs of the prompt. The last few tokens of the sequence usually occur
earlier in it, and what followed them there is a good guess of what follows now; no second model
is needed. The guess is only a draft: desktop.engine.speculative decodes it in one batch and keeps
the part the answer's own sampler agrees with.

How good a guess is depends on how long the match behind it is: two tokens that happen to recur
("\\n  ") say little, twelve tokens of a sentence being copied say a lot. So the drafter takes the
earlier copy with the longest match, and keeps the acceptance (the share of drafted tokens its
sampler kept lately) separately for each band of match lengths; desktop.engine.draft_cost turns
that acceptance and what a check costs here into the length worth checking. An answer that stops
copying soon drafts nothing; its evidence fades with every plain step, so it tries again now and
then.
"""
from __future__ import annotations

import numpy as np

MIN_MATCH = 2  # a lone matching token guesses too badly to pay for its verification
LONGEST = 16  # a match is measured back this far at most
BANDS = (2, 3, 4, 6, 10)  # the shortest match length of each band whose acceptance is kept apart
PRIORS = (0.45, 0.55, 0.65, 0.75, 0.85)  # ... and each band's acceptance before any check
PRIOR_WEIGHT = 2.0  # as if that many checks had shown it
CANDIDATES = 64  # earlier copies compared, the latest first
FORGET_PER_CHECK = 0.7  # the weight of earlier evidence after a check
FORGET_PER_STEP = 0.97  # ... and after a plain step (about 30 steps for it to fade to a third)


class PromptLookup:
    """The drafter of one answer; `draft` proposes, `kept` says how that proposal fared."""

    def __init__(self) -> None:
        self.kept_tokens = np.zeros(len(BANDS))  # recent drafted tokens the sampler kept, per band (fading)
        self.lost = np.zeros(len(BANDS))  # recent checks that ended on a token it did not pick, per band
        self.band = -1  # the band of the last draft's match; -1: none found

    @property
    def acceptance(self) -> float:
        """The chance that the sampler keeps the next token of the last draft, given the one before
        it was kept (0 when the last lookup found nothing)."""
        if self.band < 0:
            return 0.0
        prior = PRIORS[self.band] * PRIOR_WEIGHT, (1 - PRIORS[self.band]) * PRIOR_WEIGHT
        kept, lost = self.kept_tokens[self.band] + prior[0], self.lost[self.band] + prior[1]
        return float(kept / (kept + lost))

    def draft(self, tokens: np.ndarray, room: int) -> list[int]:
        """Up to `room` tokens that followed the earlier copy of `tokens`' end with the longest
        match (the latest among equals); [] when not even MIN_MATCH tokens occur earlier."""
        self.band = -1
        end = len(tokens)
        if room <= 0 or end <= MIN_MATCH:
            return []
        # earlier copies of the last MIN_MATCH tokens, early enough that something follows them
        match = tokens[: end - MIN_MATCH] == tokens[end - MIN_MATCH]
        for j in range(1, MIN_MATCH):
            match &= tokens[j: end - MIN_MATCH + j] == tokens[end - MIN_MATCH + j]
        starts = np.flatnonzero(match)[-CANDIDATES:][::-1]  # the latest first
        if not len(starts):
            return []
        length = np.full(len(starts), MIN_MATCH)
        still = np.ones(len(starts), dtype=bool)
        for back in range(MIN_MATCH + 1, LONGEST + 1):  # extend each match one token further back
            before = starts + MIN_MATCH - back
            still &= before >= 0
            still[still] = tokens[before[still]] == tokens[end - back]
            if not still.any():
                break
            length += still
        best = int(np.argmax(length))  # argmax takes the first, the latest, among equals
        self.band = int(np.searchsorted(BANDS, length[best], side="right")) - 1
        start = int(starts[best]) + MIN_MATCH
        return [int(t) for t in tokens[start: start + room]]

    def kept(self, drafted: int, accepted: int) -> None:
        """A check of `drafted` tokens of the last draft kept the first `accepted` of them."""
        if self.band >= 0:
            self.kept_tokens[self.band] = FORGET_PER_CHECK * self.kept_tokens[self.band] + accepted
            self.lost[self.band] = FORGET_PER_CHECK * self.lost[self.band] + (accepted < drafted)

    def plain_step(self) -> None:
        """A step without a draft: what the last checks showed matters a little less."""
        self.kept_tokens *= FORGET_PER_STEP
        self.lost *= FORGET_PER_STEP
