"""The official `openai` Python client against Hearth, as an existing application would use it."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import openai
import pytest

from desktop.api.server import ApiServer

CITY_SCHEMA = {
    "type": "object",
    "properties": {
        "cities": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "country": {"type": "string"}},
                "required": ["city", "country"],
                "additionalProperties": False,
            },
            "minItems": 1,
            "maxItems": 3,
        },
    },
    "required": ["cities"],
    "additionalProperties": False,
}
CITIES = [{"role": "user", "content": "List three cities and their countries."}]


@pytest.fixture
def client(api: ApiServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{api.url}/v1", api_key="not-needed", max_retries=0, timeout=60)


def test_models_lists_the_loaded_model_under_its_names(client: openai.OpenAI, smollm_path: Path) -> None:
    ids = [m.id for m in client.models.list()]
    assert ids == ["smollm2-135m", smollm_path.name, smollm_path.stem]
    assert client.models.retrieve(smollm_path.name).id == smollm_path.name


def test_a_base_url_without_v1_works_too(api: ApiServer) -> None:
    bare = openai.OpenAI(base_url=api.url, api_key="x", max_retries=0, timeout=60)
    answer = bare.chat.completions.create(model="m", messages=[{"role": "user", "content": "Hi"}],
                                          max_tokens=2)
    assert answer.usage.completion_tokens <= 2
    assert [m.id for m in bare.models.list()][0] == "smollm2-135m"


def test_chat_answers_whatever_model_name_is_asked_for(client: openai.OpenAI) -> None:
    answer = client.chat.completions.create(model="gpt-4o-mini", messages=[
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "Say hello."}], max_tokens=12, seed=1)
    assert answer.object == "chat.completion" and answer.model == "gpt-4o-mini"
    assert answer.id.startswith("chatcmpl-")
    choice = answer.choices[0]
    assert choice.message.role == "assistant" and choice.message.content
    assert choice.finish_reason in ("stop", "length")
    usage = answer.usage
    assert usage.prompt_tokens > 5 and 0 < usage.completion_tokens <= 12
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_usage_says_how_much_of_the_prompt_came_from_the_cache(client: openai.OpenAI) -> None:
    system = {"role": "system", "content": "You are a careful assistant who answers in one short sentence. " * 4}
    first = client.chat.completions.create(model="m", messages=[system, {"role": "user", "content": "Hi."}],
                                           max_tokens=2, seed=1)
    second = client.chat.completions.create(model="m", messages=[system, {"role": "user", "content": "Bye."}],
                                            max_tokens=2, seed=1)
    # The long system prompt is a whole chunk of its own: the second request reuses it.
    assert second.usage.prompt_tokens_details.cached_tokens > 40
    assert second.usage.prompt_tokens_details.cached_tokens < second.usage.prompt_tokens
    assert first.usage.prompt_tokens_details.cached_tokens < second.usage.prompt_tokens_details.cached_tokens


def test_max_tokens_ends_with_length(client: openai.OpenAI) -> None:
    answer = client.chat.completions.create(
        model="any", messages=[{"role": "user", "content": "Write a long story about a dragon."}],
        max_completion_tokens=5, seed=3)
    assert answer.choices[0].finish_reason == "length"
    assert answer.usage.completion_tokens == 5


def test_streaming_delivers_the_answer_in_chunks_with_usage_last(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "Name three colours."}], max_tokens=20,
        stream=True, stream_options={"include_usage": True})
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert len({c.id for c in chunks}) == 1
    pieces = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert len(pieces) > 1 and len(finishes) == 1 and finishes[0] in ("stop", "length")
    assert chunks[-1].choices == [] and 0 < chunks[-1].usage.completion_tokens <= 20
    assert all(c.usage is None for c in chunks[:-1])


def test_streamed_and_whole_answers_agree(client: openai.OpenAI) -> None:
    """A grammar fixes the answer, so the two can be compared exactly (free text from llama.cpp
    shifts slightly with what its cache holds from the previous request)."""
    request = dict(model="m", messages=[{"role": "user", "content": "Greet me."}], max_tokens=20,
                   extra_body={"grammar": 'root ::= "Hello, dear user! Nice to meet you."'})
    whole = client.chat.completions.create(**request)
    streamed = client.chat.completions.create(**request, stream=True)
    text = "".join(c.choices[0].delta.content or "" for c in streamed if c.choices)
    assert text == whole.choices[0].message.content == "Hello, dear user! Nice to meet you."


def test_stop_sequences_end_the_answer_before_them(client: openai.OpenAI) -> None:
    answer = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "Count from 1 to 10, separated by commas."}],
        max_tokens=40, temperature=0, stop=["5"])
    assert "5" not in answer.choices[0].message.content
    assert answer.choices[0].finish_reason == "stop"


def test_json_object_mode_answers_a_json_object(client: openai.OpenAI) -> None:
    answer = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "Describe a cat as JSON."}],
        response_format={"type": "json_object"}, max_tokens=120, seed=5)
    assert answer.choices[0].finish_reason == "stop"
    assert isinstance(json.loads(answer.choices[0].message.content), dict)


def test_strict_json_schema_answers_validate(client: openai.OpenAI) -> None:
    answer = client.chat.completions.create(
        model="m", messages=CITIES, max_tokens=200, seed=11,
        response_format={"type": "json_schema",
                         "json_schema": {"name": "cities", "schema": CITY_SCHEMA, "strict": True}})
    assert answer.choices[0].finish_reason == "stop"
    jsonschema.validate(json.loads(answer.choices[0].message.content), CITY_SCHEMA)


def test_strict_json_schema_while_streaming(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="m", messages=CITIES, max_tokens=200, seed=12, stream=True,
        response_format={"type": "json_schema",
                         "json_schema": {"name": "cities", "schema": CITY_SCHEMA, "strict": True}})
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    jsonschema.validate(json.loads(text), CITY_SCHEMA)


def test_a_gbnf_grammar_shapes_the_answer(client: openai.OpenAI) -> None:
    answer = client.completions.create(model="m", prompt="Is the sky blue? Answer:", max_tokens=8,
                                       extra_body={"grammar": 'root ::= " " ("yes" | "no")'})
    assert answer.choices[0].text in (" yes", " no")


def test_text_completion_whole_and_streamed(client: openai.OpenAI) -> None:
    request = dict(model="m", prompt="The capital of France is", max_tokens=6,
                   extra_body={"grammar": 'root ::= " Paris, of course."'})
    whole = client.completions.create(**request)
    assert whole.object == "text_completion" and whole.choices[0].text == " Paris, of course."
    assert 0 < whole.usage.completion_tokens <= 6 and whole.choices[0].finish_reason == "stop"
    pieces = list(client.completions.create(**request, stream=True))
    assert "".join(p.choices[0].text for p in pieces) == whole.choices[0].text
    free = client.completions.create(model="m", prompt="Once upon a time", max_tokens=4)
    assert free.choices[0].text and free.choices[0].finish_reason == "length"


def test_client_mistakes_raise_the_clients_own_exceptions(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as bad:
        client.chat.completions.create(model="m", messages=CITIES, temperature=9)
    assert bad.value.body["param"] == "temperature"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gpt-5")
