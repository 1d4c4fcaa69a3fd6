"""Whatever happened to the cache before - answers, prepared follow-ups, interruptions - every
position of a prompt ends up computed by the same chunk a fresh engine would use.

llama.cpp itself is exercised with real models in test_client.py; here a recorder stands in for it
and notes, for each cached position, the chunk (start, end, tokens) that computed it - which is all
a position's numbers depend on - so thousands of histories can be checked in a second.
"""
from __future__ import annotations

import random

import numpy as np

from desktop.engine.prompt_cache import PromptCache
from desktop.engine.prompt_chunks import PromptChunks

OPENING = (1, 2, 3)
USER, ASSISTANT = (1, 4, 3), (1, 5, 3)
CHATML = PromptChunks(OPENING, USER)


class ChunkRecorder:
    """The part of llama_cpp.Llama the cache uses, recording who computed each position."""

    def __init__(self, n_ctx: int = 4096) -> None:
        self.n_tokens = 0
        self.input_ids = np.zeros(n_ctx, dtype=np.intc)
        self.made_by: dict[int, tuple] = {}

    def eval(self, tokens: list[int]) -> None:
        start, end = self.n_tokens, self.n_tokens + len(tokens)
        self.input_ids[start:end] = tokens
        chunk = (start, end, tuple(self.input_ids[:end]))
        for position in range(start, end):
            self.made_by[position] = chunk
        self.n_tokens = end


def fresh_engine() -> PromptCache:
    cache = PromptCache(ChunkRecorder())
    cache.prefill(OPENING, [], lambda: False)  # what the worker does when it loads a model
    return cache


def computed_by(cache: PromptCache, prompt: list[int]) -> list[tuple]:
    return [cache.llm.made_by[p] for p in range(len(prompt))]


def conversation(draw: random.Random, turns: int) -> list[list[int]]:
    """Message token lists: a system prompt, then user / assistant turns."""
    words = lambda: [draw.randrange(10, 99) for _ in range(draw.choice([1, 5, 30, 40, 200, 600]))]  # noqa: E731
    out = [[*OPENING, *words()]]
    for turn in range(turns):
        out.append([*(USER if turn % 2 == 0 else ASSISTANT), *words()])
    return out


def test_warm_caches_compute_every_prompt_as_a_fresh_one_would() -> None:
    draw = random.Random(11)
    for _ in range(300):
        warm = fresh_engine()
        for _ in range(draw.randint(1, 4)):
            messages = conversation(draw, draw.choice([1, 3, 5]))
            prompt = [t for m in messages for t in m] + list(ASSISTANT)
            stop_after = draw.choice([None, 0, 1, 2])
            calls = iter(range(100))
            warm.prefill(prompt, CHATML.cuts(prompt), lambda: stop_after is not None and next(calls) > stop_after + 3)
            for _ in range(draw.randint(0, 40)):  # the answer, one token at a time as generate() does
                warm.llm.eval([draw.randrange(10, 99)])
            if draw.random() < 0.7:  # the follow-up prepared, sometimes cut short by a request
                upcoming = prompt + [draw.randrange(10, 99) for _ in range(draw.randint(1, 50))] + list(USER)
                budget = iter(range(draw.randint(0, 4)))
                warm.prepare(upcoming, CHATML.cuts(upcoming), lambda: next(budget, None) is None)
        messages = conversation(draw, draw.choice([1, 3, 5]))
        final = [t for m in messages for t in m] + list(ASSISTANT)
        if draw.random() < 0.5:  # often the request continues what was cached
            final = list(warm.llm.input_ids[:warm.llm.n_tokens]) + list(USER) + [42] * 3 + list(ASSISTANT)
        fresh = fresh_engine()
        fresh.prefill(final, CHATML.cuts(final), lambda: False)
        reused = warm.prefill(final, CHATML.cuts(final), lambda: False)
        assert computed_by(warm, final) == computed_by(fresh, final)
        assert reused is not None and 3 <= reused < len(final)


def test_a_prepared_follow_up_leaves_only_the_new_message_to_evaluate() -> None:
    cache = fresh_engine()
    question = [*OPENING, *range(10, 60), *USER, *range(60, 80), *ASSISTANT]
    cache.prefill(question, CHATML.cuts(question), lambda: False)
    for token in range(100, 140):  # the answer
        cache.llm.eval([token])
    upcoming = [*question, *range(100, 140), 2, *USER]  # answer, end of turn, the next user's turn
    cache.prepare(upcoming, CHATML.cuts(upcoming), lambda: False)
    follow_up = [*upcoming, *range(200, 210), *ASSISTANT]
    reused = cache.prefill(follow_up, CHATML.cuts(follow_up), lambda: False)
    assert reused == len(upcoming) - len(USER)  # everything up to the new user's turn
