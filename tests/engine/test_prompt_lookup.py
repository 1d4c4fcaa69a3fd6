"""Prompt-lookup drafting (desktop.engine.prompt_lookup): what followed the earlier copy of the
sequence's end with the longest match, and an acceptance, per band of match lengths, that follows
how much of the last drafts was kept."""
from __future__ import annotations

import numpy as np

from desktop.engine.prompt_lookup import LONGEST, PRIORS, PromptLookup


def tokens(*ids: int) -> np.ndarray:
    return np.array(ids, dtype=np.intc)


def test_the_draft_is_what_followed_the_latest_copy_of_the_last_ngram() -> None:
    # ... 1 2 3 [4 5] ... 1 2 3 [7 8] ... 1 2 3  -> the latest copy is followed by 7 8
    sequence = tokens(1, 2, 3, 4, 5, 9, 1, 2, 3, 7, 8, 9, 9, 1, 2, 3)
    assert PromptLookup().draft(sequence, room=2) == [7, 8]


def test_the_longest_match_wins_over_a_later_shorter_one() -> None:
    # "2 3" occurs last at 7..8 (followed by 6), but "1 2 3" only at 0..2 (followed by 4 5)
    sequence = tokens(1, 2, 3, 4, 5, 0, 0, 2, 3, 6, 0, 1, 2, 3)
    assert PromptLookup().draft(sequence, room=2) == [4, 5]
    # a copy of the whole last sentence beats a later copy of its last three words
    sentence = (10, 11, 12, 13, 14, 15, 16)
    sequence = tokens(*sentence, 20, 21, 9, 14, 15, 16, 30, 31, 9, *sentence)
    assert PromptLookup().draft(sequence, room=2) == [20, 21]


def test_a_match_is_measured_only_so_far_back() -> None:
    # the first copy matches two tokens further back than the second, but both match further
    # than LONGEST: they count as equals, and the latest is taken
    run = tuple(range(100, 100 + LONGEST + 4))
    sequence = tokens(5, 9, *run, 1, 8, *run, 2, 5, 9, *run)
    assert PromptLookup().draft(sequence, room=1) == [2]


def test_no_draft_without_an_earlier_copy_of_at_least_two_tokens() -> None:
    assert PromptLookup().draft(tokens(1, 2, 3, 4, 5, 6), room=8) == []
    assert PromptLookup().draft(tokens(5, 1, 2, 5), room=8) == []  # one matching token is too little
    assert PromptLookup().draft(tokens(1), room=8) == []


def test_the_draft_never_exceeds_its_room_nor_what_followed() -> None:
    sequence = tokens(*range(20), 18, 19)
    assert PromptLookup().draft(sequence, room=0) == []
    assert PromptLookup().draft(sequence, room=3) == [18, 19]  # all that followed the copy
    assert len(PromptLookup().draft(tokens(*range(40), 0, 1), room=10)) == 10


def test_a_longer_match_is_trusted_more_before_any_check() -> None:
    lookup = PromptLookup()
    assert lookup.draft(tokens(1, 2, 3, 4, 5, 6), room=8) == [] and lookup.acceptance == 0.0
    lookup.draft(tokens(7, 8, 9, 0, 8, 9), room=2)  # a match of two tokens
    short = lookup.acceptance
    lookup.draft(tokens(*range(12), 50, *range(12)), room=2)  # a match of twelve
    assert lookup.acceptance > short and (short, lookup.acceptance) == (PRIORS[0], PRIORS[-1])


def test_acceptance_falls_with_drafts_thrown_away_and_fades_back_with_plain_steps() -> None:
    lookup = PromptLookup()
    copying = tokens(*range(12), 50, *range(12))
    lookup.draft(copying, room=8)
    prior = lookup.acceptance
    lookup.kept(7, 7)  # a draft kept whole
    assert lookup.acceptance > 0.9
    for _ in range(8):
        lookup.kept(3, 0)  # the answer stopped copying
    assert lookup.acceptance < 0.4
    lookup.draft(tokens(7, 8, 9, 0, 8, 9), room=2)
    assert lookup.acceptance == PRIORS[0]  # a short match's band has seen none of it
    for _ in range(200):
        lookup.plain_step()
    lookup.draft(copying, room=8)
    assert abs(lookup.acceptance - prior) < 0.01  # what the old checks showed has faded
