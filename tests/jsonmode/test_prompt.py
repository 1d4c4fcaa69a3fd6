"""with_schema_hint(): the model is told the shape; callers' lists are never modified."""
from __future__ import annotations

import json

from desktop.jsonmode.constraint import Constraint
from desktop.jsonmode.prompt import with_schema_hint

SCHEMA = {"type": "object", "properties": {"city": {"type": "string", "description": "城市"}}}


def test_schema_is_appended_to_the_existing_system_message() -> None:
    messages = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Where?"}]
    out = with_schema_hint(messages, Constraint("json_schema", schema=SCHEMA))
    assert out[0]["content"].startswith("You are terse.\n\n")
    assert json.dumps(SCHEMA, ensure_ascii=False) in out[0]["content"]
    assert out[1] == messages[1]
    assert messages[0]["content"] == "You are terse."  # input untouched


def test_a_system_message_is_created_when_there_is_none() -> None:
    messages = [{"role": "user", "content": "List colours"}]
    out = with_schema_hint(messages, Constraint("json"))
    assert [m["role"] for m in out] == ["system", "user"]
    assert "JSON only" in out[0]["content"]
    assert len(messages) == 1


def test_opting_out_leaves_the_conversation_as_it_was() -> None:
    messages = [{"role": "user", "content": "Hi"}]
    out = with_schema_hint(messages, Constraint("json_schema", schema=SCHEMA, show_schema=False))
    assert out == messages and out is not messages
