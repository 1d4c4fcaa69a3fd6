"""A prompt that starts like what another slot holds starts from a copy of that slot's cache
(desktop.engine.slots.Scheduler._borrow): the shared chunks are evaluated once, and the numbers are
bit for bit the ones a fresh engine computes, so a seed still gives the fresh engine's answer."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import llama_cpp
import numpy as np
import pytest

from desktop.engine.load_plan import context_sequences
from desktop.engine.slots import Scheduler, Slot
from desktop.engine.worker import context_settings
from tests.engine.sequence_logits import logits_at, next_logits

SLOTS, CONTEXT = 3, 256
SYSTEM = b"You are a careful assistant who answers in one short sentence about the sea and ships."
QUESTIONS = [b" Which ship is the fastest?", b" Why do sailors tie knots?", b" What is a lighthouse for?"]


def open_llm(path: Path, sequences: int) -> llama_cpp.Llama:
    with context_settings(llama_cpp, "off", sequences):
        return llama_cpp.Llama(str(path), n_ctx=CONTEXT * sequences, n_threads=1, verbose=False)


@pytest.fixture()
def llm(smollm_path: Path) -> Iterator[llama_cpp.Llama]:
    llm = open_llm(smollm_path, context_sequences(SLOTS))
    yield llm
    llm.close()


@pytest.fixture()
def scheduler(llm: llama_cpp.Llama) -> Iterator[Scheduler]:
    scheduler = Scheduler(llm, SLOTS, CONTEXT, finished=lambda stream: None, cancelled=lambda request: False)
    yield scheduler
    scheduler.close()


def prompt(llm: llama_cpp.Llama, question: bytes) -> tuple[list[int], list[int]]:
    """The system prompt and a question, cut where the question starts."""
    system = llm.tokenize(SYSTEM, add_bos=False)
    return system + llm.tokenize(question, add_bos=False), [len(system)]


def logits(scheduler: Scheduler, slot: Slot) -> np.ndarray:
    """The logits the slot's last evaluation left (what its first token is chosen from)."""
    return logits_at(scheduler, slot.memory.logits_index)


def fresh_logits(path: Path, tokens: list[int], cuts: list[int]) -> np.ndarray:
    """The same prompt in a new one-slot engine, chunk by chunk."""
    llm = open_llm(path, 1)
    fresh = Scheduler(llm, 1, CONTEXT, finished=lambda stream: None, cancelled=lambda request: False)
    try:
        assert fresh.prefill(fresh.slots[0], tokens, cuts, lambda: False) == 0
        return logits(fresh, fresh.slots[0])
    finally:
        fresh.close()
        llm.close()


def test_a_system_prompt_another_slot_holds_is_copied_not_evaluated_again(llm, scheduler, smollm_path) -> None:
    first, second, _ = scheduler.slots
    tokens, cuts = prompt(llm, QUESTIONS[0])
    assert scheduler.prefill(first, tokens, cuts, lambda: False) == 0
    tokens, cuts = prompt(llm, QUESTIONS[1])
    evaluated: list[int] = []
    decode = scheduler.decoder.decode
    scheduler.decoder.decode = lambda entries: (evaluated.append(len(entries)), decode(entries))[1]
    assert scheduler.prefill(second, tokens, cuts, lambda: False) == cuts[0]
    assert evaluated == [len(tokens) - cuts[0]]  # only the question
    assert second.cache.ends == [cuts[0], len(tokens)]
    assert np.array_equal(logits(scheduler, second), fresh_logits(smollm_path, tokens, cuts))


def test_a_running_answer_lends_its_prompt_and_goes_on_as_before(llm, scheduler) -> None:
    first, second, third = scheduler.slots
    tokens, cuts = prompt(llm, QUESTIONS[0])
    scheduler.prefill(first, tokens, cuts, lambda: False)
    answer = llm.tokenize(b" The clipper", add_bos=False)  # tokens its answer decoded so far
    scheduler.decoder.decode([(t, first.memory.n_tokens + i, first.seq, False) for i, t in enumerate(answer)])
    first.memory.record(answer, exact=False)
    before = next_logits(scheduler, first)

    tokens, cuts = prompt(llm, QUESTIONS[2])
    assert scheduler.prefill(third, tokens, cuts, lambda: False) == cuts[0]
    assert third.memory.n_tokens == len(tokens)
    assert list(third.memory.input_ids[:len(tokens)]) == tokens  # none of the answer came with it
    assert np.array_equal(next_logits(scheduler, first), before)


def test_no_copy_is_made_where_evaluating_costs_less_than_copying(llm, scheduler) -> None:
    first, second, _ = scheduler.slots
    tokens, cuts = prompt(llm, QUESTIONS[0])
    scheduler.prefill(first, tokens, cuts, lambda: False)
    scheduler.token_s, scheduler.stream_bytes = 1e-6, 10**12  # a token costs a microsecond, a copy minutes
    tokens, cuts = prompt(llm, QUESTIONS[1])
    assert scheduler.prefill(second, tokens, cuts, lambda: False) == 0


def test_a_slot_that_holds_as_much_as_any_other_keeps_its_own_cache(llm, scheduler) -> None:
    first, second, _ = scheduler.slots
    tokens, cuts = prompt(llm, QUESTIONS[0])
    scheduler.prefill(first, tokens, cuts, lambda: False)
    scheduler.prefill(second, tokens, cuts, lambda: False)
    copies: list[tuple[int, int]] = []
    scheduler.decoder.copy = lambda source, target: copies.append((source, target))
    tokens, cuts = prompt(llm, QUESTIONS[1])
    assert scheduler.prefill(second, tokens, cuts, lambda: False) == cuts[0]
    assert copies == []
