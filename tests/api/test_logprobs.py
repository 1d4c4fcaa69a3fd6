"""`logprobs` / `top_logprobs` through the official `openai` client: chat, completions, streamed."""
from __future__ import annotations

import json
import math

import openai
import pytest

from desktop.api.server import ApiServer

COLOUR = [{"role": "user", "content": "Name a colour."}]
GREEDY = {"temperature": 0, "max_tokens": 8, "seed": 3}


@pytest.fixture
def client(api: ApiServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{api.url}/v1", api_key="x", max_retries=0, timeout=120)


def _sane(entry) -> None:
    """Ranked most likely first, the chosen token among the alternatives when it ranks, every
    probability at most 1 and their sum at most 1."""
    assert entry.logprob <= 0 and bytes(entry.bytes).decode("utf-8", "backslashreplace") == entry.token
    values = [a.logprob for a in entry.top_logprobs]
    assert values == sorted(values, reverse=True)
    assert sum(math.exp(v) for v in values) <= 1 + 1e-6
    if values and entry.logprob >= values[-1]:
        assert entry.token in [a.token for a in entry.top_logprobs]


def test_greedy_chat_reports_the_chosen_token_as_the_most_likely(client: openai.OpenAI) -> None:
    answer = client.chat.completions.create(model="m", messages=COLOUR, logprobs=True, top_logprobs=5,
                                            **GREEDY)
    content = answer.choices[0].logprobs.content
    assert len(content) == answer.usage.completion_tokens
    assert "".join(e.token for e in content) == answer.choices[0].message.content
    for entry in content:
        _sane(entry)
        assert len(entry.top_logprobs) == 5
        assert entry.top_logprobs[0].token == entry.token
        assert entry.top_logprobs[0].logprob == pytest.approx(entry.logprob)


def test_sampled_chat_tokens_are_always_listed_with_a_finite_logprob(client: openai.OpenAI) -> None:
    answer = client.chat.completions.create(model="m", messages=COLOUR, logprobs=True, top_logprobs=20,
                                            temperature=1.2, max_tokens=12, seed=11)
    content = answer.choices[0].logprobs.content
    assert content and all(math.isfinite(e.logprob) and len(e.top_logprobs) == 20 for e in content)
    for entry in content:
        _sane(entry)


def test_logprobs_without_alternatives_and_none_when_not_asked(client: openai.OpenAI) -> None:
    bare = client.chat.completions.create(model="m", messages=COLOUR, logprobs=True, **GREEDY)
    assert all(e.top_logprobs == [] for e in bare.choices[0].logprobs.content)
    plain = client.chat.completions.create(model="m", messages=COLOUR, **GREEDY)
    assert plain.choices[0].logprobs is None
    assert plain.choices[0].message.content == bare.choices[0].message.content


def test_streamed_logprobs_match_the_whole_answer(client: openai.OpenAI) -> None:
    whole = client.chat.completions.create(model="m", messages=COLOUR, logprobs=True, top_logprobs=2,
                                           **GREEDY)
    streamed = []
    with client.chat.completions.stream(model="m", messages=COLOUR, logprobs=True, top_logprobs=2,
                                        **GREEDY) as stream:
        for event in stream:
            if event.type == "logprobs.content.delta":
                streamed.extend(event.content)
        final = stream.current_completion_snapshot  # get_final_completion() refuses a "length" end
    expected = [(e.token, round(e.logprob, 4)) for e in whole.choices[0].logprobs.content]
    assert [(e.token, round(e.logprob, 4)) for e in streamed] == expected
    assert [(e.token, round(e.logprob, 4)) for e in final.choices[0].logprobs.content] == expected


def test_under_a_json_schema_only_allowed_tokens_appear(client: openai.OpenAI) -> None:
    schema = {"type": "object", "properties": {"answer": {"type": "boolean"}}, "required": ["answer"],
              "additionalProperties": False}
    answer = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "Is the sky blue? Answer in JSON."}],
        response_format={"type": "json_schema", "json_schema": {"name": "a", "schema": schema}},
        logprobs=True, top_logprobs=20, temperature=0, max_tokens=40)
    logprobs = answer.choices[0].logprobs
    assert logprobs.model_extra["constrained"] is True
    text = answer.choices[0].message.content
    assert json.loads(text).keys() == {"answer"}
    prefix = ""
    for entry in logprobs.content:
        _sane(entry)
        for alternative in entry.top_logprobs:  # each listed token keeps the answer valid so far
            assert _could_start_valid(prefix + alternative.token), (prefix, alternative.token)
        # after the mask the allowed tokens' probabilities add up to 1: with 20 listed and the
        # grammar allowing few, the listed ones hold almost all of it
        if len(entry.top_logprobs) < 20:
            assert sum(math.exp(a.logprob) for a in entry.top_logprobs) == pytest.approx(1, abs=1e-3)
        prefix += entry.token
    assert prefix == text


def _could_start_valid(text: str) -> bool:
    """Whether `text` can begin {"answer": true|false} with any whitespace."""
    squeezed = "".join(text.split())
    return any(whole.startswith(squeezed) for whole in ('{"answer":true}', '{"answer":false}'))


def test_completions_logprobs_in_the_legacy_shape(client: openai.OpenAI) -> None:
    prompt = "The capital of France is"
    answer = client.completions.create(model="m", prompt=prompt, logprobs=3, max_tokens=6, temperature=0)
    logprobs = answer.choices[0].logprobs
    assert "".join(logprobs.tokens) == answer.choices[0].text
    assert len(logprobs.token_logprobs) == len(logprobs.tokens) == len(logprobs.top_logprobs)
    assert logprobs.text_offset[0] == len(prompt)
    for token, value, top in zip(logprobs.tokens, logprobs.token_logprobs, logprobs.top_logprobs):
        assert len(top) == 3 and max(top.values()) == pytest.approx(value) and token in top
    streamed = [c.choices[0].logprobs for c in client.completions.create(
        model="m", prompt=prompt, logprobs=3, max_tokens=6, temperature=0, stream=True)]
    assert [t for lp in streamed if lp for t in lp.tokens] == logprobs.tokens


@pytest.mark.parametrize("fields, param", [
    ({"logprobs": True, "top_logprobs": 21}, "top_logprobs"),
    ({"top_logprobs": 2}, "top_logprobs"),
    ({"logprobs": "yes"}, "logprobs"),
])
def test_bad_logprobs_fields_are_400s(client: openai.OpenAI, fields: dict, param: str) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="m", messages=COLOUR, max_tokens=2, extra_body=fields)
    assert caught.value.body["param"] == param
