"""`n` > 1: several answers to one request, each with its own seed, through the official client."""
from __future__ import annotations

import openai
import pytest
import requests

from desktop.api.server import ApiServer

ASK = [{"role": "user", "content": "Name a colour."}]


@pytest.fixture
def client(api: ApiServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{api.url}/v1", api_key="x", max_retries=0, timeout=120)


def test_n_answers_each_with_its_index_and_summed_usage(client: openai.OpenAI) -> None:
    answer = client.chat.completions.create(model="m", messages=ASK, n=3, max_tokens=6, seed=7, temperature=1.2)
    assert [c.index for c in answer.choices] == [0, 1, 2]
    single = [client.chat.completions.create(model="m", messages=ASK, max_tokens=6, seed=7 + i, temperature=1.2)
              for i in range(3)]
    assert [c.message.content for c in answer.choices] == [s.choices[0].message.content for s in single]
    assert answer.usage.completion_tokens == sum(s.usage.completion_tokens for s in single)
    assert answer.usage.prompt_tokens == single[0].usage.prompt_tokens


def test_streamed_choices_carry_their_index(client: openai.OpenAI) -> None:
    texts: dict[int, str] = {}
    finishes = {}
    usage = None
    for chunk in client.chat.completions.create(model="m", messages=ASK, n=2, max_tokens=6, seed=7,
                                                temperature=1.2, stream=True,
                                                stream_options={"include_usage": True}):
        if chunk.usage:
            usage = chunk.usage
        for choice in chunk.choices:
            texts[choice.index] = texts.get(choice.index, "") + (choice.delta.content or "")
            if choice.finish_reason:
                finishes[choice.index] = choice.finish_reason
    whole = client.chat.completions.create(model="m", messages=ASK, n=2, max_tokens=6, seed=7, temperature=1.2)
    assert texts == {c.index: c.message.content for c in whole.choices}
    assert set(finishes) == {0, 1} and usage.completion_tokens == whole.usage.completion_tokens


def test_completions_take_n_too(api: ApiServer) -> None:
    body = {"prompt": "Once upon a time", "n": 2, "max_tokens": 4, "seed": 1}
    answer = requests.post(f"{api.url}/v1/completions", json=body, timeout=60).json()
    assert [c["index"] for c in answer["choices"]] == [0, 1]


@pytest.mark.parametrize("n", [0, 17, "2"])
def test_n_out_of_range_is_a_400(api: ApiServer, n) -> None:
    r = requests.post(f"{api.url}/v1/chat/completions", json={"messages": ASK, "n": n}, timeout=30)
    assert r.status_code == 400 and r.json()["error"]["param"] == "n"
