"""Prompt-lookup drafting (desktop.engine.prompt_lookup): what followed the latest earlier copy of
the sequence's last n-gram, and a draft length that follows how much of the last drafts was kept."""
from __future__ import annotations

import numpy as np

from desktop.engine.prompt_lookup import MAX_DRAFT, REST_STEPS, PromptLookup


def tokens(*ids: int) -> np.ndarray:
    return np.array(ids, dtype=np.intc)


def test_the_draft_is_what_followed_the_latest_copy_of_the_last_ngram() -> None:
    # ... 1 2 3 [4 5] ... 1 2 3 [7 8] ... 1 2 3  -> the latest copy is followed by 7 8
    sequence = tokens(1, 2, 3, 4, 5, 9, 1, 2, 3, 7, 8, 9, 9, 1, 2, 3)
    assert PromptLookup().draft(sequence, room=2) == [7, 8]


def test_the_longest_matching_ngram_wins_over_a_later_shorter_one() -> None:
    # "2 3" occurs last at 7..8 (followed by 6), but "1 2 3" only at 0..2 (followed by 4 5)
    sequence = tokens(1, 2, 3, 4, 5, 0, 0, 2, 3, 6, 0, 1, 2, 3)
    assert PromptLookup().draft(sequence, room=2) == [4, 5]


def test_no_draft_without_an_earlier_copy_of_at_least_two_tokens() -> None:
    assert PromptLookup().draft(tokens(1, 2, 3, 4, 5, 6), room=8) == []
    assert PromptLookup().draft(tokens(5, 1, 2, 5), room=8) == []  # one matching token is too little
    assert PromptLookup().draft(tokens(1), room=8) == []


def test_the_draft_never_exceeds_its_room_nor_what_followed() -> None:
    sequence = tokens(*range(20), 18, 19)
    assert PromptLookup().draft(sequence, room=0) == []
    assert PromptLookup().draft(sequence, room=3) == [18, 19]  # all that followed the copy
    assert len(PromptLookup().draft(tokens(*range(40), 0, 1), room=100)) == MAX_DRAFT


def test_drafts_shrink_when_thrown_away_then_rest_and_grow_back_when_kept() -> None:
    lookup = PromptLookup()
    sequence = tokens(*range(30), 0, 1)
    while lookup.length > 1:
        lookup.kept(len(lookup.draft(sequence, room=100)), 0)
    lookup.kept(1, 0)  # a one-token draft thrown away: a few plain steps without drafts
    assert [lookup.draft(sequence, room=100) for _ in range(REST_STEPS)] == [[]] * REST_STEPS
    assert lookup.draft(sequence, room=100) == [2]
    lookup.kept(1, 1)
    assert len(lookup.draft(sequence, room=100)) == 3
