"""Speculative decoding by prompt lookup (desktop.engine.speculative) through real llama.cpp.

Answers fixed by a grammar make the checks independent of llama.cpp's numbers (which differ
slightly between a position decoded in a batch and decoded alone): the constraint matcher must see
every draft token the answer keeps and none it drops, and stop strings and max_tokens must end a
drafted answer exactly where they end a plain one.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.chat_messages import ChatMessage
from desktop.engine import LoadOptions
from desktop.engine.client import EngineClient
from desktop.engine.types import Done, SamplingParams
from desktop.errors import HearthError
from desktop.jsonmode.constraint import Constraint

SENTENCE = "the quick brown fox jumps over the lazy dog"
GREEDY = SamplingParams(temperature=0.0, max_tokens=64)


def ask(text: str) -> list[ChatMessage]:
    return [ChatMessage(role="user", content=text)]


def fixed(text: str) -> Constraint:
    return Constraint(kind="grammar", grammar=f"root ::= {json.dumps(text)}")


@pytest.fixture(scope="module")
def drafting(smollm_path: Path) -> Iterator[EngineClient]:
    # draft_min: these tests are about what a check keeps, so a check must happen whatever the
    # costs measured on this machine say (on CI's cores they once said no: nothing was drafted),
    # and be long enough to run past the word where an answer leaves its prompt
    client = EngineClient()
    client.load(LoadOptions(str(smollm_path), n_ctx=1024, n_threads=1, draft="prompt-lookup", draft_min=8))
    yield client
    client.close()


def test_an_answer_that_repeats_itself_is_drafted_and_kept(drafting) -> None:
    answer = f"{SENTENCE}, {SENTENCE}, {SENTENCE}"
    done = drafting.chat(ask(f"Repeat: {SENTENCE}"), GREEDY, constraint=fixed(answer)).collect()
    assert isinstance(done, Done) and done.text == answer and done.finish_reason == "stop"
    assert done.accepted > 0 and done.drafted >= done.accepted
    assert done.stats()["accepted"] == done.accepted


def test_a_draft_the_grammar_forbids_is_dropped_and_never_reaches_the_matcher(drafting) -> None:
    # After "red green" the prompt says "blue"; the grammar allows only "yellow": the draft is
    # wrong there, and a matcher fed the dropped draft would have failed the answer.
    prompt = "Colours: red green blue, red green blue, red green blue."
    answer = "red green blue, red green yellow, red green blue"
    done = drafting.chat(ask(prompt), GREEDY, constraint=fixed(answer)).collect()
    assert isinstance(done, Done) and done.text == answer and done.finish_reason == "stop"
    assert done.drafted > done.accepted  # some draft token was thrown away


def test_a_json_schema_holds_under_drafting(drafting) -> None:
    document = "Invoice 2024-118 from Northwind Traders to Maria Lopez, total 1,284.50 EUR, due 30 June 2024."
    schema = {"type": "object", "properties": {"invoice": {"type": "string"}, "seller": {"type": "string"},
                                               "buyer": {"type": "string"}, "total": {"type": "number"}},
              "required": ["invoice", "seller", "buyer", "total"], "additionalProperties": False}
    params = SamplingParams(temperature=0.0, max_tokens=120)
    done = drafting.chat(ask(f"Extract invoice, seller, buyer and total as JSON.\n\n{document}"), params,
                         constraint=Constraint(kind="json_schema", schema=schema)).collect()
    assert isinstance(done, Done) and done.json_valid is True, done
    assert set(json.loads(done.text)) == {"invoice", "seller", "buyer", "total"}
    assert done.drafted > 0


def test_max_tokens_and_stop_strings_end_a_drafted_answer_exactly(drafting) -> None:
    answer = f"{SENTENCE}, {SENTENCE}, {SENTENCE}, {SENTENCE}"
    short = drafting.chat(ask(f"Repeat: {SENTENCE}"), SamplingParams(temperature=0.0, max_tokens=15),
                          constraint=fixed(answer)).collect()
    assert isinstance(short, Done) and short.completion_tokens == 15 and short.finish_reason == "length"
    assert answer.startswith(short.text) and short.accepted > 0
    stopped = drafting.chat(ask(f"Repeat: {SENTENCE}"), SamplingParams(temperature=0.0, max_tokens=64, stop=["lazy dog, the"]),
                            constraint=fixed(answer)).collect()
    assert isinstance(stopped, Done) and stopped.text == "the quick brown fox jumps over the " and stopped.finish_reason == "stop"


def test_an_unknown_drafter_is_refused_in_one_line(smollm_path) -> None:
    with EngineClient() as client, pytest.raises(HearthError, match="drafting must be none or prompt-lookup"):
        client.load(LoadOptions(str(smollm_path), n_ctx=256, n_threads=1, draft="ngram"))


def test_a_least_draft_length_out_of_range_or_without_drafting_is_refused_in_one_line(smollm_path) -> None:
    with EngineClient() as client, pytest.raises(HearthError, match="least draft length must be 0-15 tokens, not 16"):
        client.load(LoadOptions(str(smollm_path), n_ctx=256, n_threads=1, draft="prompt-lookup", draft_min=16))
    with EngineClient() as client, pytest.raises(HearthError, match="least draft length needs drafting on"):
        client.load(LoadOptions(str(smollm_path), n_ctx=256, n_threads=1, draft_min=4))


def test_a_drafted_answer_gives_one_logprobs_entry_per_token(drafting) -> None:
    answer = f"{SENTENCE}, {SENTENCE}"
    params = SamplingParams(temperature=0.0, max_tokens=64, logprobs=2)
    done = drafting.chat(ask(f"Repeat: {SENTENCE}"), params, constraint=fixed(answer)).collect()
    assert isinstance(done, Done) and done.text == answer and done.accepted > 0
    assert len(done.logprobs) == done.completion_tokens
    assert "".join(entry["token"] for entry in done.logprobs) == answer
