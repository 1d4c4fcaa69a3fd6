"""The logits processor on real models through llama.cpp, in this process (the engine's worker
does exactly this; tests/jsonmode/test_engine.py goes through the engine itself)."""
from __future__ import annotations

import json

import numpy as np
import pytest
from llama_cpp import Llama, LogitsProcessorList

from desktop.jsonmode.constraint import Constraint
from desktop.engine import constraint_processor as processor
from desktop.jsonmode.prompt import with_schema_hint
from desktop.jsonmode.tool_calls import ToolSpec, tool_constraint
from desktop.jsonmode.validate import check_answer

RECIPE = {
    "type": "object",
    "properties": {
        "dish": {"type": "string", "maxLength": 30},
        "minutes": {"type": "integer", "minimum": 1, "maximum": 240},
        "vegetarian": {"type": "boolean"},
        "steps": {"type": "array", "items": {"type": "string", "maxLength": 40}, "minItems": 1, "maxItems": 2},
    },
    "required": ["dish", "minutes", "vegetarian", "steps"],
    "additionalProperties": False,
}


@pytest.fixture(scope="module")
def smollm(smollm_path) -> Llama:
    return Llama(str(smollm_path), n_ctx=1024, n_threads=2, verbose=False)


def generate(llm: Llama, messages: list[dict], constraint: Constraint, max_tokens: int) -> tuple[str, bool]:
    """Greedy generation with the processor; returns (text, stopped at EOS)."""
    prompt = llm.tokenize(_chatml(with_schema_hint(messages, constraint)).encode(), special=True)
    procs = LogitsProcessorList([processor.make_logits_processor(llm, constraint)])
    out: list[int] = []
    for token in llm.generate(prompt, temp=0.0, repeat_penalty=1.0, logits_processor=procs):
        if llm.token_eos() == token or token in processor.tokenizer_for(llm).eos_tokens:
            return llm.detokenize(out).decode(), True
        out.append(token)
        if len(out) >= max_tokens:
            break
    return llm.detokenize(out).decode(), False


def _chatml(messages: list[dict]) -> str:
    body = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
    return body + "<|im_start|>assistant\n"


def test_schema_constrained_answer_parses_and_validates(smollm: Llama) -> None:
    messages = [{"role": "user", "content": "Give me a quick pasta recipe."}]
    # 200: on an AVX2 build the greedy answer indents by 32 spaces, a token each (the cap allows it)
    text, stopped = generate(smollm, messages, Constraint("json_schema", schema=RECIPE), max_tokens=200)
    assert stopped, f"did not finish: {text!r}"
    assert check_answer(text, Constraint("json_schema", schema=RECIPE)) == (True, None)
    assert "\n\n" not in text and "  " * 17 not in text  # whitespace is capped


def test_grammar_constrained_answer_matches_the_grammar(smollm: Llama) -> None:
    constraint = Constraint("grammar", grammar='root ::= ("yes" | "no") "."')
    text, stopped = generate(smollm, [{"role": "user", "content": "Is water wet?"}], constraint, max_tokens=10)
    assert stopped and text in ("yes.", "no.")


def test_eos_is_masked_until_the_json_is_complete(smollm: Llama) -> None:
    proc = processor.make_logits_processor(smollm, Constraint("json_object"))
    eos = processor.tokenizer_for(smollm).eos_tokens
    prompt = np.array(smollm.tokenize(b"Say hi"), dtype=np.intc)
    first = proc(prompt, np.zeros(smollm.n_vocab(), dtype=np.float32))
    assert np.all(np.isneginf(first[eos]))
    assert first[smollm.tokenize(b"{", add_bos=False)[0]] == 0.0
    answer = smollm.tokenize(b'{"a": 1}', add_bos=False)
    for i in range(1, len(answer)):  # the processor sees the whole sequence each time
        scores = proc(np.concatenate([prompt, answer[:i]]), np.zeros(smollm.n_vocab(), dtype=np.float32))
        assert np.all(np.isneginf(scores[eos]))
    done = proc(np.concatenate([prompt, answer]), np.zeros(smollm.n_vocab(), dtype=np.float32))
    assert np.all(done[eos] == 0.0)
    assert np.isneginf(done).sum() == smollm.n_vocab() - len(eos)  # nothing may follow but EOS


def test_a_token_the_grammar_refuses_ends_the_answer_instead_of_going_unconstrained(smollm: Llama) -> None:
    proc = processor.make_logits_processor(smollm, Constraint("json_object"))
    prompt = np.array(smollm.tokenize(b"Say hi"), dtype=np.intc)
    proc(prompt, np.zeros(smollm.n_vocab(), dtype=np.float32))
    bad = smollm.tokenize(b"hello", add_bos=False)
    scores = proc(np.concatenate([prompt, bad]), np.zeros(smollm.n_vocab(), dtype=np.float32))
    assert proc.error
    assert np.isfinite(scores).sum() == len(processor.tokenizer_for(smollm).eos_tokens)


def test_per_model_state_is_built_once(smollm: Llama) -> None:
    first = processor.tokenizer_for(smollm)
    processor.make_logits_processor(smollm, Constraint("json"))
    assert processor.tokenizer_for(smollm) is first


def test_a_model_loaded_again_from_the_same_file_gets_its_own_tokenizer_and_matchers(smollm_path) -> None:
    """llguidance's tokenizer points into the vocabulary of the Llama it was made from: one made
    for a model since freed must never serve the same file loaded again (that was a segfault)."""
    constraint = Constraint(kind="grammar", grammar='root ::= "again ok"')
    first = Llama(model_path=str(smollm_path), n_ctx=256, n_threads=1, verbose=False)
    processor.matcher_for(first, constraint)
    first_tokenizer = processor.tokenizer_for(first)
    first.close()
    del first
    second = Llama(model_path=str(smollm_path), n_ctx=256, n_threads=1, verbose=False)
    assert processor.tokenizer_for(second) is not first_tokenizer
    text, _ = generate(second, [{"role": "user", "content": "Hi."}], constraint, 8)
    assert text == "again ok"


@pytest.mark.slow
def test_qwen_large_vocabulary_answer_validates(qwen_path) -> None:
    qwen = Llama(str(qwen_path), n_ctx=512, n_threads=2, verbose=False)
    eos = processor.tokenizer_for(qwen).eos_tokens
    assert len(eos) >= 2  # <|im_end|> and <|endoftext|> both end an answer
    schema = {"type": "object", "properties": {"city": {"type": "string", "maxLength": 30},
                                               "population": {"type": "integer", "minimum": 0}},
              "required": ["city", "population"]}
    text, stopped = generate(qwen, [{"role": "user", "content": "The largest city in Japan?"}],
                             Constraint("json_schema", schema=schema), max_tokens=40)
    assert stopped and check_answer(text, Constraint("json_schema", schema=schema)) == (True, None)
    assert set(json.loads(text)) == {"city", "population"}


TREE = {"$defs": {"node": {"type": "object", "additionalProperties": False, "required": ["name", "children"],
                           "properties": {"name": {"type": "string"},
                                          "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}},
        "$ref": "#/$defs/node"}


def _allowed_after(llm: Llama, constraint: Constraint, text: str, budget: int | None = None) -> list[bytes]:
    """Every token the processor lets follow `text` (fed as the model's own tokens), for an answer
    of at most `budget` tokens."""
    proc = processor.make_logits_processor(llm, constraint, budget)
    prompt = llm.tokenize(b"Answer", add_bos=False)
    proc(np.array(prompt, dtype=np.intc), np.zeros(llm.n_vocab(), dtype=np.float32))
    ids = prompt + llm.tokenize(text.encode(), add_bos=False)
    scores = proc(np.array(ids, dtype=np.intc), np.zeros(llm.n_vocab(), dtype=np.float32))
    assert proc.error is None, proc.error
    facts = processor.token_facts_for(llm)
    return [facts.bytes[t] for t in np.flatnonzero(np.isfinite(scores))]


def test_a_tree_nested_once_gets_an_empty_array_where_the_schema_needs_one(smollm: Llama) -> None:
    constraint = Constraint("json_schema", schema=TREE)
    deep = '{"name": "a", "children": [{"name": "b", "children": '
    allowed = _allowed_after(smollm, constraint, deep)
    assert allowed and all(t.lstrip().startswith(b"[") for t in allowed)  # no detour through blanks
    assert all(not t.lstrip()[1:].lstrip().startswith((b"{", b'"')) for t in allowed)
    inside = _allowed_after(smollm, constraint, deep + "[")
    assert inside and all(t.lstrip().startswith(b"]") for t in inside)  # the array closes empty, at once
    shallow = _allowed_after(smollm, constraint, deep.split('{"name": "b"')[0])  # one level up: free
    assert any(t.lstrip().startswith(b"{") for t in shallow)
    off = _allowed_after(smollm, Constraint("json_schema", schema=TREE, runaway_guard=False), deep + "[")
    assert any(t.lstrip().startswith(b"{") for t in off)


def test_an_object_that_repeats_a_key_closes(smollm: Llama) -> None:
    allowed = _allowed_after(smollm, Constraint("json_object"), '{"address": "Mumbai", "address": "Mumbai"')
    assert allowed and not any(t.lstrip().startswith(b",") for t in allowed)
    assert any(t.lstrip().startswith(b"}") for t in allowed)


def test_a_schema_of_bounded_depth_may_name_a_key_inside_itself(smollm: Llama) -> None:
    row = {"type": "object", "additionalProperties": False, "required": ["n"], "properties": {"n": {"type": "integer"}}}
    inner = {"type": "object", "additionalProperties": False, "required": ["data"],
             "properties": {"data": {"type": "array", "items": row}}}
    schema = {"type": "object", "additionalProperties": False, "required": ["data"], "properties": {"data": inner}}
    allowed = _allowed_after(smollm, Constraint("json_schema", schema=schema), '{"data": {"data": [')
    assert any(t.lstrip().startswith(b"{") for t in allowed)  # the rows are not refused


def test_a_table_row_written_twice_is_not_begun_again(smollm: Llama) -> None:
    cell = {"type": "object", "properties": {"c": {"type": "string"}}, "required": ["c"], "additionalProperties": False}
    schema = {"type": "object", "properties": {"rows": {"type": "array", "items": {"type": "array", "items": cell}}},
              "required": ["rows"], "additionalProperties": False}
    allowed = _allowed_after(smollm, Constraint("json_schema", schema=schema), '{"rows": [[{"c": "t"}], [{"c": "t"}')
    assert allowed and not any(t.lstrip().startswith(b"]") and t.lstrip()[1:].lstrip().startswith(b",") for t in allowed)
    assert any(t.lstrip().startswith(b"]") for t in allowed)  # the rows close instead
    other = _allowed_after(smollm, Constraint("json_schema", schema=schema), '{"rows": [[{"c": "t"}], [{"c": "u"}')
    assert any(t.lstrip().startswith(b"],") for t in other)  # a different row: the table goes on


def test_a_repeated_sentence_is_not_finished_and_followed_again(smollm: Llama) -> None:
    schema = {"type": "object", "properties": {"lines": {"type": "array", "items": {"type": "string"}}}, "required": ["lines"]}
    allowed = _allowed_after(smollm, Constraint("json_schema", schema=schema), '{"lines": ["The end.", "The end.", "The end')
    assert b'.",' not in allowed and b'."' in allowed  # one token finishes the copy and begins a fourth: refused
    free = _allowed_after(smollm, Constraint("json_schema", schema=schema), '{"lines": ["The end.", "The start.", "The end')
    assert b'.",' in free


def test_a_repeated_key_ends_its_object_however_its_string_ends(smollm: Llama) -> None:
    allowed = _allowed_after(smollm, Constraint("json_object"), '{"address": "Mumbai", "address": "Pune is big')
    assert allowed and not any(b'",' in t for t in allowed)
    assert any(b'"' in t for t in allowed)


def test_an_undeclared_member_holds_a_value_of_bounded_depth(smollm: Llama) -> None:
    """A schema that leaves additionalProperties open: SmolLM2 copied the schema into it, deeper and deeper."""
    schema = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
    deep = '{"name": "x", "definitions": {"a": {"b": {"c": '
    allowed = _allowed_after(smollm, Constraint("json_schema", schema=schema), deep)
    assert allowed and not any(t.lstrip().startswith((b"{", b"[")) for t in allowed)
    assert any(t.lstrip().startswith(b'"') for t in allowed)
    off = _allowed_after(smollm, Constraint("json_schema", schema=schema, runaway_guard=False), deep)
    assert any(t.lstrip().startswith(b"{") for t in off)


def test_a_name_repeating_a_short_piece_is_closed_after_16_characters(smollm: Llama) -> None:
    """SmolLM2 named every node of a tree "1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1." (a token per character):
    max_tokens ran out before the tree could close."""
    constraint = Constraint("json_schema", schema=TREE)
    allowed = _allowed_after(smollm, constraint, '{"name": "1.1.1.1.1.1.1.1.')
    assert allowed and all(t.startswith(b'"') for t in allowed)
    shorter = _allowed_after(smollm, constraint, '{"name": "1.1.1.1.1.1.1.')
    assert b"1" in shorter


SIGNED = {"type": "object", "required": ["signature"], "additionalProperties": False,
          "properties": {"signature": {"type": "string",  # base64: ends only where its length allows `=`
                                       "pattern": "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)$"}}}


@pytest.mark.parametrize("length", [30, 31, 32, 33])
def test_a_pattern_bound_string_the_string_rule_fires_in_is_steered_to_its_nearest_end(smollm: Llama, length) -> None:
    """Qwen wrote a Twilio signature as "1234567890" over and over until max_tokens: the string rule
    fired, but the pattern let no quote follow, so the rule stepped aside."""
    constraint = Constraint("json_schema", schema=SIGNED)
    proc = processor.make_logits_processor(smollm, constraint)
    facts = processor.token_facts_for(smollm)
    ids = smollm.tokenize(b"Answer", add_bos=False)
    proc(np.array(ids, dtype=np.intc), np.zeros(smollm.n_vocab(), dtype=np.float32))
    for token in smollm.tokenize(('{"signature": "' + ("1234567890" * 4)[:length]).encode(), add_bos=False):
        ids.append(token)  # a token at a time, as the model wrote them
        allowed = np.flatnonzero(np.isfinite(proc(np.array(ids, dtype=np.intc),
                                                  np.zeros(smollm.n_vocab(), dtype=np.float32))))
    for _ in range(4):  # the nearest end is at most 3 characters and `=` away
        if any(facts.bytes[t].startswith(b'"') for t in allowed):
            break
        assert len(allowed) and all(len(facts.bytes[t]) == 1 for t in allowed)  # a character at a time, to the end
        ids.append(int(allowed[-1]))  # any choice among them keeps to a shortest way
        allowed = np.flatnonzero(np.isfinite(proc(np.array(ids, dtype=np.intc),
                                                  np.zeros(smollm.n_vocab(), dtype=np.float32))))
    assert all(facts.bytes[t].startswith(b'"') for t in allowed)
    text = smollm.detokenize(ids[1:]).decode()
    assert check_answer(text + '"}', constraint) == (True, None), text
    off = _allowed_after(smollm, Constraint("json_schema", schema=SIGNED, runaway_guard=False), text[:-1])
    assert any(len(t) > 1 for t in off)  # without the guard the model may write on


def test_an_answer_near_its_budget_closes_what_is_open_and_begins_nothing(smollm: Llama) -> None:
    schema = {"type": "object", "properties": {"notes": {"type": "array", "items": {"type": "string"}}}}
    writing = _allowed_after(smollm, Constraint("json_schema", schema=schema), '{"notes": ["milk", "bread and', 8)
    assert writing and all(t.startswith(b'"') and b"," not in t for t in writing)
    after = _allowed_after(smollm, Constraint("json_schema", schema=schema), '{"notes": ["milk"', 8)
    assert after and not any(b"," in t or not t.strip() for t in after) and any(t.startswith(b"]") for t in after)
    early = _allowed_after(smollm, Constraint("json_schema", schema=schema), '{"notes": ["milk"', 512)
    assert any(t.startswith(b",") for t in early)


def test_wrapping_up_still_writes_the_members_the_schema_requires(smollm: Llama) -> None:
    schema = {"type": "object", "required": ["a", "b"], "additionalProperties": False,
              "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}}
    allowed = _allowed_after(smollm, Constraint("json_schema", schema=schema), '{"a": 1', 8)
    assert any(b"," in t for t in allowed) and not any(b"}" in t for t in allowed)


def test_tool_calls_are_not_wrapped_up_since_prose_may_come_first(smollm: Llama) -> None:
    tools = [ToolSpec("get_weather", {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]})]
    assert processor.make_logits_processor(smollm, tool_constraint(tools, "auto", False), 8).wrap_up_at is None
    assert processor.make_logits_processor(smollm, Constraint("json_object"), 8).wrap_up_at == 0


def test_a_pattern_end_out_of_reach_is_not_searched_for_at_every_token(smollm: Llama) -> None:
    schema = {"type": "object", "required": ["code"], "additionalProperties": False,
              "properties": {"code": {"type": "string", "pattern": "^[a-z]{40}$"}}}
    proc = processor.make_logits_processor(smollm, Constraint("json_schema", schema=schema))
    ids = smollm.tokenize(b"Answer", add_bos=False)
    proc(np.array(ids, dtype=np.intc), np.zeros(smollm.n_vocab(), dtype=np.float32))
    ids += smollm.tokenize(b'{"code": "' + b"ab" * 9, add_bos=False)  # a loop, 22 letters from its end
    scores = proc(np.array(ids, dtype=np.intc), np.zeros(smollm.n_vocab(), dtype=np.float32))
    assert proc._search_from == len(ids) + 8  # searched 8 letters ahead, found no end: not again soon
    assert np.isfinite(scores).sum() > 26  # and the grammar's own choice stands
