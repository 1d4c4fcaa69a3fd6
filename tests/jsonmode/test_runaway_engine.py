"""The runaway guard on real SmolLM2: prompts that loop until max_tokens without it now finish.

Each prompt below was found looping with the guard off (greedy, 200 tokens: a number's digits, an
array repeating "White", a string repeating "beauty's infinite"); with it, each answer ends on its
own and validates.
"""
from __future__ import annotations

import json
import re

import pytest

from desktop.chat_messages import ChatMessage
from desktop.engine import Done, LoadOptions, SamplingParams
from desktop.engine.client import EngineClient
from desktop.jsonmode.constraint import Constraint


@pytest.fixture(scope="module")
def client(smollm_path):
    engine = EngineClient()
    engine.load(LoadOptions(str(smollm_path), n_ctx=1024, n_threads=1))
    yield engine
    engine.close()


def answer(client: EngineClient, prompt: str, schema: dict, guard: bool = True, max_tokens: int = 200) -> Done:
    params = SamplingParams(temperature=0.0, repeat_penalty=1.0, max_tokens=max_tokens, seed=0)
    constraint = Constraint("json_schema", schema=schema, runaway_guard=guard)
    done = client.chat([ChatMessage("user", prompt)], params, constraint).collect()
    assert isinstance(done, Done), done
    return done


def test_a_runaway_number_ends_within_a_doubles_digits(client: EngineClient) -> None:
    schema = {"type": "object", "properties": {"largest": {"type": "number"}}, "required": ["largest"]}
    done = answer(client, "What is the largest number you know? Write all of its digits as JSON.", schema)
    assert (done.finish_reason, done.json_valid) == ("stop", True), done.text
    assert len(re.sub(r"\D", "", str(json.loads(done.text)["largest"]))) <= 19 + 17 + 3


def test_a_repeated_array_item_is_not_written_a_fourth_time(client: EngineClient) -> None:
    schema = {"type": "object", "properties": {"colours": {"type": "array", "items": {"type": "string"}}},
              "required": ["colours"]}
    done = answer(client, "List every colour of the rainbow as JSON.", schema)
    assert (done.finish_reason, done.json_valid) == ("stop", True), done.text
    colours = json.loads(done.text)["colours"]
    assert not any(colours[i:i + 4] == [colours[i]] * 4 for i in range(len(colours)))


def test_a_string_repeating_itself_is_closed(client: EngineClient) -> None:
    schema = {"type": "object", "properties": {"chorus": {"type": "string"}}, "required": ["chorus"]}
    done = answer(client, "Write a song chorus that repeats as JSON.", schema)
    assert (done.finish_reason, done.json_valid) == ("stop", True), done.text


def test_the_guard_never_overrides_the_schema(client: EngineClient) -> None:
    """minItems needs the repeats and minLength a longer string: the grammar wins, the answer is valid."""
    schema = {"type": "object", "required": ["colours", "chorus"], "additionalProperties": False,
              "properties": {"colours": {"type": "array", "items": {"enum": ["White"]}, "minItems": 6, "maxItems": 8},
                             "chorus": {"type": "string", "minLength": 120, "maxLength": 160}}}
    done = answer(client, "List every colour of the rainbow, and write a song chorus that repeats, as JSON.", schema)
    assert (done.finish_reason, done.json_valid) == ("stop", True), done.text
    value = json.loads(done.text)
    assert len(value["colours"]) >= 6 and len(value["chorus"]) >= 120


def test_a_long_answer_is_wrapped_up_before_max_tokens_cuts_it(client: EngineClient) -> None:
    schema = {"type": "object", "properties": {"fruits": {"type": "array", "items": {"type": "string"}}},
              "required": ["fruits"]}
    prompt = "List fifty fruits as JSON."
    cut = answer(client, prompt, schema, max_tokens=48, guard=False)
    assert cut.finish_reason == "length" and not cut.wrapped_up
    done = answer(client, prompt, schema, max_tokens=48)
    assert (done.finish_reason, done.json_valid, done.wrapped_up) == ("stop", True, True), done.text
    assert done.completion_tokens <= 48 and json.loads(done.text)["fruits"]
    assert "wrapped_up" in done.stats()
