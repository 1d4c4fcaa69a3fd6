"""Several answers decoded together (desktop.engine.slots): each keeps its own answer, seed and
constraint; one alone is the answer a one-slot engine gives; a cancel frees its slot; a crash
fails the whole batch and the next request starts a fresh worker; the app's request goes first.

Answers fixed by a grammar make "its own answer" checkable: free text shifts with the numbers.
Nothing here waits for time to pass: the order of events is what is checked.
"""
from __future__ import annotations

import json
import os
import queue
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from desktop.chat_messages import ChatMessage
from desktop.engine import LoadOptions
from desktop.engine.client import EngineClient
from desktop.engine.runtime_check import Choice
from desktop.engine.types import APP_PRIORITY, Done, EngineFailure, SamplingParams, Token
from desktop.engine.worker import Worker
from desktop.jsonmode.constraint import Constraint

STUCK_S = int(__import__("os").environ.get("STUCK_S", 300))  # only a stuck engine takes this long

ENDLESS = Constraint(kind="lark", grammar="start: /(na ){3000}/")  # longer than any budget here


def ask(text: str) -> list[ChatMessage]:
    return [ChatMessage(role="user", content=text)]


def marked(i: int) -> Constraint:
    return Constraint(kind="grammar", grammar=f'root ::= "client {i} ok"')


@pytest.fixture(scope="module")
def four_slots(smollm_path: Path) -> Iterator[EngineClient]:
    client = EngineClient()
    client.load(LoadOptions(str(smollm_path), n_ctx=1024, n_threads=1, parallel=4))
    yield client
    client.close()


def started(generation) -> Iterator:
    """Iterate `generation`, returning once its first token arrived; the rest of it after that."""
    events = iter(generation)
    first = next(events)
    assert isinstance(first, Token), first
    return events


def test_one_request_alone_gives_the_answer_of_a_one_slot_engine(smollm_path, four_slots) -> None:
    params = SamplingParams(temperature=0.8, seed=1234, max_tokens=40)
    messages = ask("Name three animals that live in the sea.")
    batched_engine = [four_slots.chat(messages, params).collect() for _ in range(2)]  # fresh, then warm
    with EngineClient() as one_slot:
        one_slot.load(LoadOptions(str(smollm_path), n_ctx=1024, n_threads=1, parallel=1))
        alone = one_slot.chat(messages, params).collect()
    assert isinstance(alone, Done) and alone.completion_tokens > 5
    assert [d.text for d in batched_engine] == [alone.text, alone.text]
    assert not any(d.batched for d in [*batched_engine, alone])
    assert alone.stats()["batched"] is False


def test_answers_decoded_together_each_keep_their_own_answer_and_constraint(four_slots) -> None:
    def answer(i: int) -> Done:
        params = SamplingParams(temperature=0.9, seed=i, max_tokens=16)
        return four_slots.chat(ask("Say hello."), params, constraint=marked(i)).collect()

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(answer, range(12)))
    assert [r.text for r in results] == [f"client {i} ok" for i in range(12)]
    assert all(r.finish_reason == "stop" for r in results)
    assert any(r.batched for r in results)  # twelve requests on four slots: some ran together


def test_json_schemas_hold_for_answers_decoded_together(four_slots) -> None:
    schemas = [{"type": "object", "properties": {f"field{i}": {"type": "integer"}}, "required": [f"field{i}"],
                "additionalProperties": False} for i in range(4)]

    def answer(i: int) -> Done:
        params = SamplingParams(temperature=0.7, seed=7, max_tokens=40)
        return four_slots.chat(ask("Give me a number."), params,
                               constraint=Constraint(kind="json_schema", schema=schemas[i])).collect()

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(answer, range(4)))
    assert all(r.json_valid for r in results), [r.json_error for r in results]
    assert [sorted(json.loads(r.text)) for r in results] == [[f"field{i}"] for i in range(4)]


def test_each_answer_decoded_together_reports_the_logprobs_of_its_own_tokens(four_slots) -> None:
    def answer(i: int) -> Done:
        params = SamplingParams(temperature=0.9, seed=i, max_tokens=16, logprobs=3)
        return four_slots.chat(ask("Say hello."), params, constraint=marked(i)).collect()

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(answer, range(4)))
    assert [r.text for r in results] == [f"client {i} ok" for i in range(4)]
    for result in results:
        assert len(result.logprobs) == result.completion_tokens
        assert "".join(e["token"] for e in result.logprobs) == result.text
        for entry in result.logprobs:  # its own grammar's mask: only pieces of its own text are possible
            assert entry["logprob"] <= 0 and 1 <= len(entry["top_logprobs"]) <= 3
            assert all(a["token"] in result.text for a in entry["top_logprobs"])


def test_embeddings_are_answered_while_answers_run(four_slots) -> None:
    running = four_slots.chat(ask("Sing."), SamplingParams(temperature=0.0, max_tokens=None), constraint=ENDLESS)
    events = started(running)
    vectors = four_slots.embed(["a cat", "a dog"]).vectors
    assert running.result is None  # the endless answer is still going: the embeddings did not wait
    assert len(vectors) == 2 and vectors[0].shape == vectors[1].shape
    running.cancel()
    assert list(events)[-1].finish_reason == "cancelled"


def test_a_cancel_frees_its_slot_for_a_waiting_request(smollm_path) -> None:
    with EngineClient() as client:
        client.load(LoadOptions(str(smollm_path), n_ctx=4096, n_threads=1, parallel=2))
        endless = SamplingParams(temperature=0.0, max_tokens=None)
        first = client.chat(ask("Sing."), endless, constraint=ENDLESS)
        second = client.chat(ask("Sing."), endless, constraint=ENDLESS)
        first_events, second_events = started(first), started(second)  # both slots are busy
        waiting = client.chat(ask("Say hello."), SamplingParams(temperature=0.0, max_tokens=8),
                              constraint=marked(1))
        answers: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: answers.put(waiting.collect()), daemon=True).start()
        first.cancel()
        assert list(first_events)[-1].finish_reason == "cancelled"
        done = answers.get(timeout=STUCK_S)
        assert done.text == "client 1 ok"
        # It ran in the cancelled answer's slot beside the second, which has thousands of tokens to go.
        assert second.result is None and done.batched
        second.cancel()
        assert list(second_events)[-1].finish_reason == "cancelled"


def test_a_crash_mid_batch_fails_every_answer_and_the_next_request_starts_a_fresh_worker(smollm_path) -> None:
    with EngineClient() as client:
        client.load(LoadOptions(str(smollm_path), n_ctx=4096, n_threads=1, parallel=3))
        running = [client.chat(ask("Sing."), SamplingParams(temperature=0.0, max_tokens=None), constraint=ENDLESS)
                   for _ in range(3)]
        events = [started(generation) for generation in running]
        crashed_pid = client.worker_pid
        os.kill(crashed_pid, signal.SIGKILL)
        ends = [list(rest)[-1] for rest in events]
        assert all(isinstance(end, EngineFailure) and end.kind == "crash" for end in ends), ends
        assert {end.message for end in ends} == {"the engine was killed (SIGKILL), often because the system ran "
                                                 "out of memory"}
        again = client.chat(ask("Say hello."), SamplingParams(temperature=0.0, max_tokens=8),
                            constraint=marked(2)).collect()
        assert again.text == "client 2 ok"
        assert client.worker_pid not in (None, crashed_pid) and client.model.parallel == 3


class Pipe:
    """The worker's end of the connection, in this process: what it is sent and what it sends."""

    def __init__(self) -> None:
        self.incoming: queue.Queue = queue.Queue()
        self.sent: queue.Queue = queue.Queue()

    def recv(self):
        message = self.incoming.get()
        if message is None:
            raise EOFError
        return message

    def send(self, message) -> None:
        self.sent.put(message)

    def until(self, request_id: int, kind: str) -> list[tuple]:
        """Everything sent up to `request_id`'s first `kind` message, in order."""
        seen = []
        while True:
            message = self.sent.get(timeout=STUCK_S)
            seen.append(message)
            if message[:2] == (request_id, kind):
                return seen


def test_the_apps_request_goes_ahead_of_api_requests_waiting_for_a_slot(smollm_path) -> None:
    pipe = Pipe()
    worker = Worker(pipe, Choice(config="", variant=None, tier="", extra_bufts=False))
    thread = threading.Thread(target=worker.serve, daemon=True)
    thread.start()
    pipe.incoming.put(("load", 1, LoadOptions(str(smollm_path), n_ctx=4096, n_threads=1, parallel=1).__dict__))
    pipe.until(1, "loaded")

    def generate(request_id: int, constraint: Constraint, priority: int, max_tokens: int | None) -> tuple:
        params = SamplingParams(temperature=0.0, max_tokens=max_tokens).to_dict()
        return ("generate", request_id, {"messages": [{"role": "user", "content": "Hi."}], "params": params,
                                         "constraint": constraint.to_dict(), "priority": priority})

    pipe.incoming.put(generate(2, ENDLESS, 0, None))  # holds the only slot
    pipe.until(2, "token")
    pipe.incoming.put(generate(3, marked(3), 0, 8))  # an API request, waiting
    pipe.incoming.put(generate(4, marked(4), APP_PRIORITY, 8))  # the app's, after it
    pipe.incoming.put(("cancel", 2, None))  # the slot frees once both wait
    order = [(request_id, kind) for request_id, kind, _ in pipe.until(3, "done")]
    assert order.index((4, "done")) < order.index((3, "token"))
    pipe.incoming.put(None)
    thread.join(timeout=STUCK_S)
