"""/v1/responses through the official `openai` client (create and stream) and openai-agents."""
from __future__ import annotations

import asyncio
import json

import jsonschema
import openai
import pytest
import requests
from pydantic import BaseModel

from desktop.api.server import ApiServer

WEATHER = {"type": "function", "name": "get_weather", "description": "The weather in a city.",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                          "required": ["city"], "additionalProperties": False}}
PERSON = {"type": "object", "properties": {"name": {"type": "string", "maxLength": 20},
                                           "age": {"type": "integer", "minimum": 0, "maximum": 120}},
          "required": ["name", "age"], "additionalProperties": False}


@pytest.fixture
def client(api: ApiServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{api.url}/v1", api_key="x", max_retries=0, timeout=120)


def test_text_in_text_out_with_instructions_and_usage(client: openai.OpenAI) -> None:
    response = client.responses.create(model="m", instructions="Answer in one short sentence.",
                                       input="What colour is the sky?", max_output_tokens=40, temperature=0)
    assert response.object == "response" and response.id.startswith("resp_") and response.model == "m"
    assert response.output_text and response.output[0].type == "message"
    assert response.output[0].content[0].type == "output_text"
    assert response.usage.input_tokens > 10 and 0 < response.usage.output_tokens <= 40
    assert response.usage.total_tokens == response.usage.input_tokens + response.usage.output_tokens
    assert response.store is False


def test_a_cut_answer_is_incomplete_and_says_why(client: openai.OpenAI) -> None:
    response = client.responses.create(model="m", input="Tell me a long story.", max_output_tokens=3)
    assert response.status == "incomplete" and response.incomplete_details.reason == "max_output_tokens"
    assert response.usage.output_tokens == 3


def test_streamed_text_assembles_into_the_same_answer(client: openai.OpenAI) -> None:
    whole = client.responses.create(model="m", input="Say hello.", max_output_tokens=40, temperature=0)
    deltas, kinds = [], []
    with client.responses.stream(model="m", input="Say hello.", max_output_tokens=40, temperature=0) as stream:
        for event in stream:
            kinds.append(event.type)
            if event.type == "response.output_text.delta":
                deltas.append(event.delta)
        final = stream.get_final_response()
    assert "".join(deltas) == final.output_text == whole.output_text
    assert kinds[:4] == ["response.created", "response.in_progress", "response.output_item.added",
                         "response.content_part.added"]
    assert kinds[-4:] == ["response.output_text.done", "response.content_part.done",
                          "response.output_item.done", "response.completed"]
    assert final.usage.output_tokens == whole.usage.output_tokens


def test_input_items_carry_a_conversation_with_a_tool_result(client: openai.OpenAI) -> None:
    response = client.responses.create(model="m", max_output_tokens=30, temperature=0, input=[
        {"role": "developer", "content": "Be brief."},
        {"role": "user", "content": [{"type": "input_text", "text": "What is the weather in Paris?"}]},
        {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": '{"city": "Paris"}'},
        {"type": "function_call_output", "call_id": "call_1", "output": "Sunny, 24 C"},
    ], tools=[WEATHER], tool_choice="none")
    assert response.output_text and response.output[0].type == "message"


def test_json_schema_text_format_is_enforced(client: openai.OpenAI) -> None:
    response = client.responses.create(
        model="m", input="Invent a person.", max_output_tokens=80,
        text={"format": {"type": "json_schema", "name": "person", "schema": PERSON, "strict": True}})
    jsonschema.validate(json.loads(response.output_text), PERSON)


def test_a_required_function_call_validates_streamed_and_not(client: openai.OpenAI) -> None:
    asked = dict(model="m", input="What is the weather in Paris?", tools=[WEATHER], tool_choice="required",
                 parallel_tool_calls=False, max_output_tokens=60)
    response = client.responses.create(**asked)
    calls = [item for item in response.output if item.type == "function_call"]
    assert len(calls) == 1 and calls[0].name == "get_weather" and calls[0].call_id.startswith("call_")
    jsonschema.validate(json.loads(calls[0].arguments), WEATHER["parameters"])
    pieces = []
    with client.responses.stream(**asked) as stream:
        for event in stream:
            if event.type == "response.function_call_arguments.delta":
                pieces.append(event.delta)
        final = stream.get_final_response()
    call = next(item for item in final.output if item.type == "function_call")
    assert "".join(pieces) == call.arguments and call.status == "completed"
    jsonschema.validate(json.loads(call.arguments), WEATHER["parameters"])


@pytest.mark.parametrize("question", ["Invent a person.", "What is the weather in Paris?"])
def test_tools_with_a_json_schema_text_format_call_or_answer_in_it(client: openai.OpenAI, question) -> None:
    """OpenAI's union: the model either calls a function or answers text that follows the format."""
    asked = dict(model="m", input=question, tools=[WEATHER], parallel_tool_calls=False, max_output_tokens=120,
                 temperature=0,
                 text={"format": {"type": "json_schema", "name": "person", "schema": PERSON, "strict": True}})
    response = client.responses.create(**asked)
    with client.responses.stream(**asked) as stream:
        events = [event.type for event in stream]
        streamed = stream.get_final_response()
    assert events[-1] == "response.completed"
    for answer in (response, streamed):
        calls = [item for item in answer.output if item.type == "function_call"]
        if calls:
            assert [c.name for c in calls] == ["get_weather"] and not answer.output_text
            for c in calls:
                jsonschema.validate(json.loads(c.arguments), WEATHER["parameters"])
        else:
            jsonschema.validate(json.loads(answer.output_text), PERSON)
    assert streamed.output_text == response.output_text
    assert [getattr(i, "arguments", None) for i in streamed.output] == [getattr(i, "arguments", None)
                                                                        for i in response.output]


def test_a_named_function_is_called(client: openai.OpenAI) -> None:
    other = WEATHER | {"name": "get_time", "description": "The time in a city."}
    response = client.responses.create(model="m", input="Weather or time in Rome?", tools=[WEATHER, other],
                                       tool_choice={"type": "function", "name": "get_time"},
                                       parallel_tool_calls=False, max_output_tokens=120, temperature=0)
    assert [item.name for item in response.output if item.type == "function_call"] == ["get_time"]


@pytest.mark.parametrize("body, param", [
    ({"input": "hi", "store": True}, "store"),
    ({"input": "hi", "previous_response_id": "resp_1"}, "previous_response_id"),
    ({}, "input"),
    ({"input": []}, "input"),
    ({"input": [{"role": "wizard", "content": "hi"}]}, "input[0].role"),
    ({"input": [{"role": "user", "content": [{"type": "input_image", "image_url": "x"}]}]}, "input[0].content"),
    ({"input": [{"type": "item_reference", "id": "msg_1"}]}, "input[0].type"),
    ({"input": [{"type": "function_call_output", "call_id": "nope", "output": "x"}]}, "input"),
    ({"input": "hi", "tools": [{"type": "web_search"}]}, "tools[0].type"),
    ({"input": "hi", "tools": [WEATHER], "tool_choice": {"type": "function", "name": "other"}}, "tool_choice"),
    ({"input": "hi", "text": {"format": {"type": "json_schema", "name": "x", "schema": {"type": "object",
                                          "properties": {"a": {"type": "string", "not": {"pattern": "^a"}}}}}}},
     "text.format"),
    ({"input": "hi", "text": {"format": {"type": "xml"}}}, "text.format"),
    ({"input": "hi", "max_output_tokens": 0}, "max_output_tokens"),
    ({"input": "hi", "tool_choice": "required"}, "tool_choice"),
])
def test_bad_requests_are_400s_naming_the_field(base_url: str, body: dict, param: str) -> None:
    r = requests.post(f"{base_url}/v1/responses", json=body, timeout=60)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["param"] == param, r.json()
    assert requests.get(f"{base_url}/health", timeout=10).status_code == 200


class Person(BaseModel):
    name: str
    age: int


def test_openai_agents_calls_a_tool_and_returns_structured_output(api: ApiServer) -> None:
    """openai-agents in its default mode (the Responses API): a tool call, then typed output."""
    agents = pytest.importorskip("agents")
    agents.set_tracing_disabled(True)
    calls: list[str] = []

    @agents.function_tool
    def get_weather(city: str) -> str:
        """The weather in a city."""
        calls.append(city)
        return f"Sunny in {city}"

    async def run() -> tuple[object, object]:  # one event loop for the one async client
        model = agents.OpenAIResponsesModel(model="m", openai_client=openai.AsyncOpenAI(
            base_url=f"{api.url}/v1", api_key="x", max_retries=0, timeout=120))
        settings = agents.ModelSettings(tool_choice="required", parallel_tool_calls=False, max_tokens=60)
        caller = agents.Agent(name="weather", instructions="Use the tool.", model=model, tools=[get_weather],
                              model_settings=settings, tool_use_behavior="stop_on_first_tool")
        typed = agents.Agent(name="person", instructions="Invent a person.", model=model, output_type=Person,
                             model_settings=agents.ModelSettings(max_tokens=80))
        return (await agents.Runner.run(caller, "What is the weather in Paris?"),
                await agents.Runner.run(typed, "Invent a person."))

    weather, person = asyncio.run(run())
    assert len(calls) == 1 and weather.final_output == f"Sunny in {calls[0]}"
    assert isinstance(person.final_output, Person)
