"""Slots swapped to keep the answers decoded together in adjacent sequences (desktop.engine.slots):
each cache moves bit for bit, so a swap never changes an answer or loses a prompt cache."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import llama_cpp
import numpy as np
import pytest

from desktop.engine.load_plan import context_sequences
from desktop.engine.slots import Scheduler
from desktop.engine.worker import context_settings
from tests.engine.sequence_logits import next_logits

SLOTS, CONTEXT = 3, 256
PROMPTS = [b"The lighthouse keeper climbed the stairs", b"Bees carry pollen from flower to flower",
           b"A night train crossed the frozen plain"]


@pytest.fixture()
def scheduler(smollm_path: Path) -> Iterator[Scheduler]:
    with context_settings(llama_cpp, "off", context_sequences(SLOTS)):
        llm = llama_cpp.Llama(str(smollm_path), n_ctx=CONTEXT * context_sequences(SLOTS), n_threads=1,
                              verbose=False)
    scheduler = Scheduler(llm, SLOTS, CONTEXT, finished=lambda stream: None, cancelled=lambda request: False)
    for slot, prompt in zip(scheduler.slots, PROMPTS):
        slot.memory.eval(llm.tokenize(prompt))
    yield scheduler
    scheduler.close()
    llm.close()


def test_two_swapped_slots_each_keep_their_cache_bit_for_bit(scheduler) -> None:
    first, second, third = scheduler.slots
    before = [next_logits(scheduler, slot) for slot in (first, second, third)]
    scheduler._swap(first, third)
    assert (first.seq, third.seq) == (2, 0) and scheduler.slots == [third, second, first]
    after = [next_logits(scheduler, slot) for slot in (first, second, third)]
    assert all(np.array_equal(b, a) for b, a in zip(before, after))


def test_answers_in_slots_0_and_2_are_moved_next_to_each_other_and_slot_1_keeps_its_cache(scheduler) -> None:
    first, second, third = scheduler.slots
    before = [next_logits(scheduler, slot) for slot in (first, second, third)]
    scheduler._adjoin([first, third])
    assert (first.seq, third.seq, second.seq) == (0, 1, 2)
    after = [next_logits(scheduler, slot) for slot in (first, second, third)]
    assert all(np.array_equal(b, a) for b, a in zip(before, after))


def test_adjacent_answers_are_left_where_they_are(scheduler) -> None:
    first, second, third = scheduler.slots
    scheduler._adjoin([second, third])
    assert (first.seq, second.seq, third.seq) == (0, 1, 2)


def test_an_answer_moved_into_an_empty_slot_keeps_its_cache(scheduler) -> None:
    first, second, third = scheduler.slots
    scheduler.decoder.forget(second.seq, 0)
    second.memory.n_tokens = 0
    before = next_logits(scheduler, third)
    scheduler._adjoin([first, third])
    assert (first.seq, third.seq, second.seq) == (0, 1, 2)
    assert np.array_equal(next_logits(scheduler, third), before)
