"""Tool calling through the official `openai` client against real SmolLM2: calls always parse and
their arguments validate against the function they name, streamed or not."""
from __future__ import annotations

import json

import jsonschema
import openai
import pytest
import requests
from openai.lib.streaming.chat import ChatCompletionStreamState
from pydantic import BaseModel, Field

from desktop.api.server import ApiServer

WEATHER_PARAMETERS = {"type": "object", "properties": {"city": {"type": "string", "maxLength": 30},
                                                       "unit": {"enum": ["celsius", "fahrenheit"]}},
                      "required": ["city", "unit"], "additionalProperties": False}
WEATHER = {"type": "function", "function": {"name": "get_weather", "description": "Current weather in a city",
                                            "parameters": WEATHER_PARAMETERS}}
ADD_PARAMETERS = {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
                  "required": ["a", "b"], "additionalProperties": False}
ADD = {"type": "function", "function": {"name": "add", "description": "Add two integers",
                                        "parameters": ADD_PARAMETERS}}
PARAMETERS = {"get_weather": WEATHER_PARAMETERS, "add": ADD_PARAMETERS}
ASK = [{"role": "user", "content": "What is the weather in Paris?"}]


@pytest.fixture
def client(api: ApiServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{api.url}/v1", api_key="x", max_retries=0, timeout=120)


def assert_valid_calls(calls, names: set[str]) -> None:
    assert calls
    for call in calls:
        assert call.type == "function" and call.id.startswith("call_")
        assert call.function.name in names
        jsonschema.validate(json.loads(call.function.arguments), PARAMETERS[call.function.name])


def test_required_forces_a_call_whose_arguments_validate(client: openai.OpenAI) -> None:
    answer = client.chat.completions.create(model="m", messages=ASK, tools=[WEATHER, ADD],
                                            tool_choice="required", max_tokens=80, seed=3)
    choice = answer.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert_valid_calls(choice.message.tool_calls, {"get_weather", "add"})


def test_a_named_function_is_the_one_called(client: openai.OpenAI) -> None:
    answer = client.chat.completions.create(
        model="m", messages=ASK, tools=[WEATHER, ADD], max_tokens=80, seed=4,
        tool_choice={"type": "function", "function": {"name": "add"}})
    calls = answer.choices[0].message.tool_calls
    assert [c.function.name for c in calls] == ["add"]
    assert_valid_calls(calls, {"add"})


def test_streamed_calls_assemble_in_the_official_client(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(model="m", messages=ASK, tools=[WEATHER], tool_choice="required",
                                            max_tokens=80, seed=3, stream=True)
    state = ChatCompletionStreamState()
    finish = None
    for chunk in stream:
        state.handle_chunk(chunk)
        if chunk.choices and chunk.choices[0].finish_reason:
            finish = chunk.choices[0].finish_reason
    assert finish == "tool_calls"
    message = state.get_final_completion().choices[0].message
    assert_valid_calls(message.tool_calls, {"get_weather"})
    whole = client.chat.completions.create(model="m", messages=ASK, tools=[WEATHER], tool_choice="required",
                                           max_tokens=80, seed=3)
    assert whole.choices[0].message.tool_calls[0].function.arguments == message.tool_calls[0].function.arguments


def test_auto_answers_in_text_or_with_a_valid_call(client: openai.OpenAI) -> None:
    for seed in (1, 2):
        choice = client.chat.completions.create(model="m", messages=ASK, tools=[WEATHER], max_tokens=40,
                                                seed=seed).choices[0]
        if choice.message.tool_calls:
            assert choice.finish_reason == "tool_calls"
            assert_valid_calls(choice.message.tool_calls, {"get_weather"})
        else:
            assert choice.message.content and "<tool_call>" not in choice.message.content


def test_none_answers_in_text(client: openai.OpenAI) -> None:
    choice = client.chat.completions.create(model="m", messages=ASK, tools=[WEATHER], tool_choice="none",
                                            max_tokens=20, seed=1).choices[0]
    assert choice.message.tool_calls is None and choice.finish_reason in ("stop", "length")


def test_a_conversation_with_calls_and_results_continues(client: openai.OpenAI) -> None:
    messages = ASK + [
        {"role": "assistant", "content": None, "tool_calls": [{"id": "call_1", "type": "function", "function": {
            "name": "get_weather", "arguments": '{"city": "Paris", "unit": "celsius"}'}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "18 degrees, sunny"}]
    answer = client.chat.completions.create(model="m", messages=messages, tools=[WEATHER], tool_choice="none",
                                            max_tokens=20, seed=1)
    assert answer.choices[0].message.content
    assert answer.usage.prompt_tokens > 60  # the call, the result and the tool list were all sent


def test_parallel_calls_can_be_several(client: openai.OpenAI) -> None:
    ask = [{"role": "user", "content": "Weather in Paris and in Rome, please."}]
    answer = client.chat.completions.create(model="m", messages=ask, tools=[WEATHER], tool_choice="required",
                                            parallel_tool_calls=True, max_tokens=120, seed=5)
    assert_valid_calls(answer.choices[0].message.tool_calls, {"get_weather"})


CITY_FACT = {"type": "object", "properties": {"city": {"type": "string", "maxLength": 30},
                                             "fact": {"type": "string", "maxLength": 80}},
             "required": ["city", "fact"], "additionalProperties": False}
CITY_FORMAT = {"type": "json_schema", "json_schema": {"name": "city_fact", "strict": True, "schema": CITY_FACT}}
QUESTIONS = ["Tell me one fact about Rome.", "What is the weather in Paris?"]


def assert_call_or_format(message) -> None:
    """OpenAI's union: an answer either calls (arguments valid) or is text in the format."""
    if message.tool_calls:
        assert_valid_calls(message.tool_calls, {"get_weather", "add"})
    else:
        jsonschema.validate(json.loads(message.content), CITY_FACT)


def test_tools_with_a_json_schema_response_format_call_or_answer_in_it(client: openai.OpenAI) -> None:
    asked = dict(model="m", messages=[{"role": "user", "content": QUESTIONS[0]}], tools=[WEATHER, ADD],
                 response_format=CITY_FORMAT, parallel_tool_calls=False, max_tokens=120, temperature=0)
    whole = client.chat.completions.create(**asked).choices[0]
    assert whole.finish_reason == ("tool_calls" if whole.message.tool_calls else "stop")
    assert_call_or_format(whole.message)
    state = ChatCompletionStreamState()
    for chunk in client.chat.completions.create(**asked, stream=True):
        state.handle_chunk(chunk)
    streamed = state.get_final_completion().choices[0].message
    assert_call_or_format(streamed)
    assert (streamed.content or None) == whole.message.content  # a stream opens with content ""
    assert [c.function.arguments for c in streamed.tool_calls or []] == [
        c.function.arguments for c in whole.message.tool_calls or []]


def test_required_with_a_response_format_still_calls(client: openai.OpenAI) -> None:
    choice = client.chat.completions.create(model="m", messages=ASK, tools=[WEATHER], tool_choice="required",
                                            response_format=CITY_FORMAT, max_tokens=80, seed=3).choices[0]
    assert choice.finish_reason == "tool_calls"
    assert_valid_calls(choice.message.tool_calls, {"get_weather"})


class CityFact(BaseModel):
    city: str = Field(max_length=30)
    fact: str = Field(max_length=80)


class Weather(BaseModel):
    city: str = Field(max_length=30)


def test_the_official_clients_parse_helper_with_a_typed_format_and_a_typed_tool(client: openai.OpenAI) -> None:
    """client.chat.completions.parse(response_format=Model, tools=[pydantic_function_tool(...)]):
    either the answer parses into the model or the call's arguments parse into the tool's."""
    for question in QUESTIONS:
        message = client.chat.completions.parse(
            model="m", messages=[{"role": "user", "content": question}], response_format=CityFact,
            tools=[openai.pydantic_function_tool(Weather, name="get_weather")], max_tokens=120,
            parallel_tool_calls=False, temperature=0).choices[0].message
        if message.tool_calls:
            assert isinstance(message.tool_calls[0].function.parsed_arguments, Weather)
        else:
            assert isinstance(message.parsed, CityFact)


def post(base_url: str, body: dict) -> requests.Response:
    return requests.post(f"{base_url}/v1/chat/completions", json={"messages": ASK, "max_tokens": 4} | body,
                         timeout=30)


@pytest.mark.parametrize("body, param, fragment", [
    ({"tools": [{"type": "retrieval"}]}, "tools[0].type", "function"),
    ({"tools": [{"type": "function", "function": {"description": "no name"}}]}, "tools[0].function.name", "64"),
    ({"tools": [WEATHER, WEATHER]}, "tools[1].function.name", "twice"),
    ({"tools": "get_weather"}, "tools", "array"),
    ({"tools": [WEATHER], "tool_choice": {"type": "function", "function": {"name": "nope"}}}, "tool_choice", "'nope'"),
    ({"tools": [WEATHER], "tool_choice": "sometimes"}, "tool_choice", "required"),
    ({"tool_choice": "required"}, "tool_choice", "needs 'tools'"),
    ({"tools": [WEATHER], "parallel_tool_calls": "yes"}, "parallel_tool_calls", "true or false"),
    ({"tools": [{"type": "function", "function": {"name": "f", "parameters": {
        "type": "object", "properties": {"tags": {"type": "array", "uniqueItems": True}}}}}]},
     "tools", "tool 'f': unsupported JSON Schema feature: 'uniqueItems'"),
    ({"tools": [WEATHER], "grammar": 'root ::= "yes"'}, "grammar", "not both"),
    ({"messages": ASK + [{"role": "tool", "tool_call_id": "call_9", "content": "x"}]},
     "messages[1].tool_call_id", "answers no tool call"),
    ({"messages": ASK + [{"role": "tool", "content": "x"}]}, "messages[1].tool_call_id", "required"),
    ({"messages": ASK + [{"role": "assistant", "tool_calls": [{"id": "c", "type": "function", "function": {
        "name": "f", "arguments": "{broken"}}]}]}, "messages[1].tool_calls[0].function.arguments", "not valid JSON"),
    ({"messages": ASK + [{"role": "assistant", "tool_calls": [{"type": "function"}]}]},
     "messages[1].tool_calls[0]", "id"),
])
def test_bad_tool_requests_are_400s_naming_the_field(base_url: str, body: dict, param: str, fragment: str) -> None:
    response = post(base_url, body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["param"] == param and fragment in error["message"]
    assert requests.get(f"{base_url}/health", timeout=10).status_code == 200  # the server stays up


def test_smollm2_writes_the_tags_as_text(engine) -> None:
    """Its vocabulary has no `<tool_call>` token, so the grammar spells the tags out."""
    assert engine.model.tool_tags_are_tokens is False


@pytest.fixture(scope="module")
def qwen_client(qwen_path) -> openai.OpenAI:
    """The default model, whose vocabulary writes `<tool_call>` as one special token."""
    from desktop.engine import LoadOptions
    from desktop.engine.client import EngineClient

    with EngineClient() as engine:
        info = engine.load(LoadOptions(str(qwen_path), n_ctx=2048))
        assert info.tool_tags_are_tokens
        with ApiServer(engine, port=0) as server:
            # a request waits as long as the test may run: a loaded machine is slow, never wrong
            yield openai.OpenAI(base_url=f"{server.url}/v1", api_key="x", max_retries=0, timeout=1700)


@pytest.mark.slow
@pytest.mark.timeout(1800)  # loads the 491 MB model; only a stuck run takes this long
def test_qwen_calls_with_its_special_tag_token(qwen_client: openai.OpenAI) -> None:
    answer = qwen_client.chat.completions.create(model="m", messages=ASK, tools=[WEATHER, ADD], max_tokens=60,
                                                 tool_choice="required", parallel_tool_calls=False, seed=1)
    assert answer.choices[0].finish_reason == "tool_calls"
    assert_valid_calls(answer.choices[0].message.tool_calls, {"get_weather", "add"})


@pytest.mark.slow
@pytest.mark.timeout(1800)  # loads the 491 MB model; only a stuck run takes this long
def test_qwen_streams_a_named_call(qwen_client: openai.OpenAI) -> None:
    stream = qwen_client.chat.completions.create(
        model="m", messages=ASK, tools=[WEATHER, ADD], max_tokens=60, seed=1, stream=True, parallel_tool_calls=False,
        tool_choice={"type": "function", "function": {"name": "get_weather"}})
    state = ChatCompletionStreamState()
    for chunk in stream:
        state.handle_chunk(chunk)
    choice = state.get_final_completion().choices[0]
    assert choice.finish_reason == "tool_calls"
    assert [c.function.name for c in choice.message.tool_calls] == ["get_weather"]
    assert_valid_calls(choice.message.tool_calls, {"get_weather"})


@pytest.mark.slow
@pytest.mark.timeout(1800)  # loads the 491 MB model; only a stuck run takes this long
def test_qwen_in_auto_mode_calls_instead_of_writing_json_as_text(qwen_client: openai.OpenAI) -> None:
    """Qwen2.5-0.5B mostly writes a bare `{"name": ...}` object instead of the tag: that is a call."""
    choice = qwen_client.chat.completions.create(model="m", messages=ASK, tools=[WEATHER], max_tokens=60,
                                                 seed=1).choices[0]
    assert choice.finish_reason == "tool_calls", choice.message.content
    assert_valid_calls(choice.message.tool_calls, {"get_weather"})
    assert '{"name"' not in (choice.message.content or "")

