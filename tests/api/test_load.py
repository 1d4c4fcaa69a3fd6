"""Many clients at once on loopback: all served in turn, none lost or mixed up; leaving cancels."""
from __future__ import annotations

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from desktop.api.server import ApiServer
from desktop.engine import LoadOptions
from desktop.engine.client import EngineClient

CLIENTS = 50


def request_for(prompt: str, **extra) -> dict:
    return {"model": "m", "messages": [{"role": "user", "content": prompt}], "max_tokens": 8,
            "temperature": 0, "seed": 42, **extra}


def marked_request(i: int) -> dict:
    """A request whose whole answer is fixed by a grammar to a text naming its client: tokens of
    another request in this stream, or this request's answer in another, cannot go unnoticed
    (free text is not fit for this: llama.cpp's answers shift with what its cache holds)."""
    return request_for("Say hello.", max_tokens=16, stream=True, grammar=f'root ::= "client {i} ok"')


def read_stream(url: str, body: dict) -> dict:
    """One streaming client: every event parsed, in order; what it said and how it ended."""
    with requests.post(url, json=body, stream=True, timeout=240) as response:
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/event-stream")
        events = [line for line in response.iter_lines(decode_unicode=True) if line]
    assert all(e.startswith("data: ") for e in events)
    assert events[-1] == "data: [DONE]"
    chunks = [json.loads(e.removeprefix("data: ")) for e in events[:-1]]
    assert len({c["id"] for c in chunks}) == 1
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    finishes = [c["choices"][0]["finish_reason"] for c in chunks if c["choices"][0]["finish_reason"]]
    assert len(finishes) == 1 and chunks[-1]["choices"][0]["finish_reason"] == finishes[0]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    return {"text": text, "usage": chunks[-1]["usage"], "finish_reason": finishes[0]}


def test_fifty_concurrent_streams_all_finish_each_with_its_own_answer(api: ApiServer) -> None:
    url = f"{api.url}/v1/chat/completions"
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        results = list(pool.map(lambda i: read_stream(url, marked_request(i)), range(CLIENTS)))
    elapsed = time.monotonic() - started
    assert [r["text"] for r in results] == [f"client {i} ok" for i in range(CLIENTS)]
    assert all(r["finish_reason"] == "stop" and 0 < r["usage"]["completion_tokens"] <= 16 for r in results)
    assert elapsed < 200


@pytest.fixture(scope="module")
def four_slot_api(smollm_path):
    """`hearth serve`'s default: four requests decoded together."""
    client = EngineClient()
    client.load(LoadOptions(str(smollm_path), n_ctx=512, n_threads=1, parallel=4))
    with ApiServer(client, port=0) as server:
        yield server
    client.close()


def test_fifty_concurrent_streams_on_four_slots_each_get_their_own_answer(four_slot_api: ApiServer) -> None:
    url = f"{four_slot_api.url}/v1/chat/completions"
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        results = list(pool.map(lambda i: read_stream(url, {**marked_request(i), "seed": i, "temperature": 0.8}),
                                range(CLIENTS)))
    assert [r["text"] for r in results] == [f"client {i} ok" for i in range(CLIENTS)]
    assert all(r["finish_reason"] == "stop" and 0 < r["usage"]["completion_tokens"] <= 16 for r in results)


def test_a_client_that_disconnects_mid_stream_frees_the_queue(api: ApiServer, caplog) -> None:
    caplog.set_level(logging.INFO, logger="hearth.api")
    url = f"{api.url}/v1/chat/completions"
    quick = request_for("Say hi.", max_tokens=4)
    started = time.monotonic()
    requests.post(url, json=quick, timeout=60).raise_for_status()
    quick_alone = time.monotonic() - started

    long_story = request_for("Write a very long story about a lighthouse keeper.", max_tokens=900,
                             temperature=0.8, stream=True)
    with requests.post(url, json=long_story, stream=True, timeout=60) as response:
        lines = (line for line in response.iter_lines() if line)
        for _ in range(4):  # a few chunks arrive: it is decoding
            assert next(lines).startswith(b"data: ")
    # the connection is closed here, with hundreds of tokens still to go
    started = time.monotonic()
    answer = requests.post(url, json=quick, timeout=60)
    waited = time.monotonic() - started
    assert answer.status_code == 200
    assert waited < quick_alone + 10, f"waited {waited:.1f}s behind a client that had left"
    cancelled = [r.getMessage() for r in caplog.records if "cancelled" in r.getMessage()]
    assert cancelled, "the server did not cancel the abandoned generation"


def test_a_client_that_leaves_while_queued_is_never_answered(api: ApiServer, caplog) -> None:
    caplog.set_level(logging.INFO, logger="hearth.api")
    url = f"{api.url}/v1/chat/completions"
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(requests.post, url, json=request_for("Write a poem.", max_tokens=60), timeout=60)
        time.sleep(0.3)  # the first request holds the engine
        with pytest.raises(requests.Timeout):  # gives up while waiting its turn
            requests.post(url, json=request_for("Write a story.", max_tokens=300), timeout=0.5)
        assert first.result().status_code == 200
    # FIFO: this one is answered only after the abandoned one is out of the way
    assert requests.post(url, json=request_for("Hi.", max_tokens=2), timeout=60).status_code == 200
    answered = [r.getMessage() for r in caplog.records
                if "finish=" in r.getMessage() and "finish=cancelled" not in r.getMessage()]
    assert len(answered) == 2, answered
