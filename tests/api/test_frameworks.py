"""Two popular frameworks, each in its default mode, against `hearth serve` on SmolLM2: instructor
(structured output through a forced tool call, Mode.TOOLS) and LangChain's ChatOpenAI with
`bind_tools` (the agent path), whole and streamed. Every call's arguments validate."""
from __future__ import annotations

from typing import Literal

import instructor
import jsonschema
import openai
import pytest
from langchain_core.messages import AIMessageChunk
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, Field

from desktop.api.server import ApiServer

ASK = "What is the weather in Paris, in celsius?"


class Weather(BaseModel):
    """Current weather in a city"""

    city: str = Field(max_length=30)
    unit: Literal["celsius", "fahrenheit"]


def get_weather(city: str, unit: Literal["celsius", "fahrenheit"]) -> str:
    """Current weather in a city.

    Args:
        city: the city's name
        unit: celsius or fahrenheit
    """
    return "sunny"


@pytest.fixture
def chat_model(api: ApiServer) -> ChatOpenAI:
    return ChatOpenAI(base_url=f"{api.url}/v1", api_key="x", model="m", max_tokens=60, temperature=0,
                      max_retries=0, timeout=600, seed=1)


def test_instructor_gets_a_validated_model_through_a_tool_call(api: ApiServer) -> None:
    client = instructor.from_openai(openai.OpenAI(base_url=f"{api.url}/v1", api_key="x", max_retries=0, timeout=600))
    assert client.mode == instructor.Mode.TOOLS  # its default: a forced call to a function
    weather = client.chat.completions.create(model="m", response_model=Weather, max_retries=0, max_tokens=60,
                                             seed=1, messages=[{"role": "user", "content": ASK}])
    assert isinstance(weather, Weather)
    jsonschema.validate(weather.model_dump(), Weather.model_json_schema())


def test_langchain_bind_tools_returns_tool_calls(chat_model: ChatOpenAI) -> None:
    message = chat_model.bind_tools([get_weather], tool_choice="get_weather").invoke(ASK)
    [call] = message.tool_calls
    assert call["name"] == "get_weather" and call["id"]
    schema = chat_model.bind_tools([get_weather]).kwargs["tools"][0]["function"]["parameters"]
    jsonschema.validate(call["args"], schema)


def test_langchain_streams_tool_call_chunks_into_one_call(chat_model: ChatOpenAI) -> None:
    bound = chat_model.bind_tools([get_weather], tool_choice="get_weather", parallel_tool_calls=False)
    whole: AIMessageChunk | None = None
    for chunk in bound.stream(ASK):
        whole = chunk if whole is None else whole + chunk
    assert whole is not None
    [call] = whole.tool_calls
    assert call["name"] == "get_weather"
    jsonschema.validate(call["args"], bound.kwargs["tools"][0]["function"]["parameters"])
