"""JSON mode through the real engine: check() before queuing, the mask in the worker, the verdict
on Done."""
from __future__ import annotations

import json

import pytest

from desktop.chat_messages import ChatMessage
from desktop.engine import Constraint, Done, LoadOptions, SamplingParams
from desktop.engine.client import EngineClient
from desktop.errors import HearthError

CONTACT = {"type": "object", "additionalProperties": False, "required": ["name", "phone"],
           "properties": {"name": {"type": "string", "maxLength": 30},
                          "phone": {"type": "string", "pattern": "^[0-9]{3}-[0-9]{4}$"}}}


@pytest.fixture(scope="module")
def client(smollm_path):
    engine = EngineClient()
    engine.load(LoadOptions(str(smollm_path), n_ctx=1024))
    yield engine
    engine.close()


def ask(client: EngineClient, constraint: Constraint, max_tokens: int) -> Done:
    params = SamplingParams(temperature=0.0, repeat_penalty=1.0, max_tokens=max_tokens, seed=1)
    done = client.chat([ChatMessage("user", "A contact card for Ann, please.")], params, constraint).collect()
    assert isinstance(done, Done), done
    return done


def test_schema_answer_is_reported_valid_and_is(client: EngineClient) -> None:
    done = ask(client, Constraint("json_schema", schema=CONTACT), max_tokens=80)
    assert (done.finish_reason, done.json_valid, done.json_error) == ("stop", True, None)
    answer = json.loads(done.text)
    assert set(answer) == {"name", "phone"}


def test_answer_cut_by_max_tokens_is_length_not_success(client: EngineClient) -> None:
    done = ask(client, Constraint("json_schema", schema=CONTACT), max_tokens=4)
    assert done.finish_reason == "length"
    assert done.json_valid is False and "max_tokens" in done.json_error


def test_unenforceable_schema_is_refused_before_generation(client: EngineClient) -> None:
    with pytest.raises(HearthError, match="'uniqueItems' at #/properties/tags"):
        client.chat([ChatMessage("user", "hi")], SamplingParams(max_tokens=8),
                    Constraint("json_schema", schema={"type": "object", "properties": {
                        "tags": {"type": "array", "uniqueItems": True}}}))
