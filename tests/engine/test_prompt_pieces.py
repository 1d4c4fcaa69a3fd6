"""A long prompt arriving while an answer runs (desktop.engine.slots): it is decoded in pieces
between the answer's steps, each piece in a batch of its own - never beside the answer's token,
which llama.cpp would split into one pass per prompt token (one KV stream per sequence)."""
from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from pathlib import Path

import llama_cpp
import pytest

from desktop.engine.answer_stream import AnswerStream
from desktop.engine.load_plan import context_sequences
from desktop.engine.slots import MIN_PIECE, Scheduler
from desktop.engine.types import SamplingParams
from desktop.engine.worker import context_settings

SLOTS, CONTEXT, BATCH = 2, 512, 128


@pytest.fixture()
def engine(smollm_path: Path) -> Iterator[tuple[llama_cpp.Llama, Scheduler, list]]:
    with context_settings(llama_cpp, "off", context_sequences(SLOTS)):
        llm = llama_cpp.Llama(str(smollm_path), n_ctx=CONTEXT * context_sequences(SLOTS), n_threads=1,
                              n_batch=BATCH, verbose=False)
    scheduler = Scheduler(llm, SLOTS, CONTEXT, finished=lambda stream: None, cancelled=lambda request: False)
    batches: list[list[tuple[int, int, int, bool]]] = []
    decode = scheduler.decoder.decode
    scheduler.decoder.decode = lambda entries: (batches.append(list(entries)), decode(entries))[1]
    yield llm, scheduler, batches
    scheduler.fail_all()  # the answers' sampler chains go before the model they were built on
    gc.collect()
    scheduler.close()
    llm.close()


def answer(llm: llama_cpp.Llama, slot, request: int) -> AnswerStream:
    return AnswerStream(request, llm, slot.memory, SamplingParams(temperature=0.0, max_tokens=400), 0, None, 400,
                        lambda *event: None, time.perf_counter())


def test_a_long_prompt_goes_in_pieces_between_the_running_answers_steps(engine) -> None:
    llm, scheduler, batches = engine
    running, arriving = scheduler.slots
    running.memory.eval(llm.tokenize(b"Once upon a time, in a village by the sea,"))
    stream = answer(llm, running, 1)
    scheduler.begin(running, stream)
    batches.clear()
    prompt = llm.tokenize(b" ".join(b"Note %d: the harbour was calm." % i for i in range(30)))
    arriving.memory.eval(prompt)

    assert arriving.memory.n_tokens == len(prompt) and arriving.memory.exact_until < len(prompt)
    assert all(len({seq for _, _, seq, _ in batch}) == 1 for batch in batches)  # one sequence a batch
    steps = [b for b in batches if b[0][2] == running.seq]
    pieces = [b for b in batches if b[0][2] == arriving.seq]
    assert all(len(step) == 1 for step in steps) and sum(map(len, pieces)) == len(prompt)
    assert len(steps) >= len(pieces) - 1 and min(map(len, pieces)) >= 1  # a step before every piece
    assert len(pieces[0]) == MIN_PIECE and stream.count >= len(pieces)  # the answer went on meanwhile


def test_requests_arriving_together_have_their_prompts_decoded_whole_and_start_together(engine) -> None:
    llm, scheduler, batches = engine
    first, second = scheduler.slots
    first.memory.eval(llm.tokenize(b"Once upon a time, in a village by the sea,"))
    held = answer(llm, first, 1)
    scheduler.begin(first, held, hold=True)  # another request is waiting behind it
    batches.clear()
    prompt = llm.tokenize(b"In the harbour at night, the fishing boats")
    second.memory.eval(prompt)

    assert batches == [[(t, i, second.seq, i == len(prompt) - 1) for i, t in enumerate(prompt)]]  # whole
    assert second.memory.exact_until == len(prompt) and held.count == 1  # exact; the first waited
    scheduler.begin(second, answer(llm, second, 2))
    batches.clear()
    scheduler.step()
    assert [len(batch) for batch in batches] == [2] and held.count == 2  # both went on together


def test_a_long_prompt_does_not_keep_a_held_answer_waiting(engine) -> None:
    llm, scheduler, batches = engine
    first, second = scheduler.slots
    first.memory.eval(llm.tokenize(b"Once upon a time, in a village by the sea,"))
    held = answer(llm, first, 1)
    scheduler.begin(first, held, hold=True)
    prompt = llm.tokenize(b" ".join(b"Note %d: the harbour was calm." % i for i in range(20)))
    assert len(prompt) > BATCH
    second.memory.eval(prompt)
    assert second.memory.exact_until < len(prompt) and held.count > 1  # pieces, and the answer went on
