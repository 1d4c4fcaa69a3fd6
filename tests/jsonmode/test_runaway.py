"""The runaway guard's rules, on text alone: where it refuses a continuation and where it must not."""
from __future__ import annotations

import json

import jsonschema
import pytest

from desktop.jsonmode.constraint import Constraint
from desktop.jsonmode.compile import check
from desktop.jsonmode.runaway import (
    INTEGER_BOUND,
    JsonScanner,
    bound_integers,
    ends_string_then_separates,
    leading_digits,
    nests_without_bound,
    opens_container,
    separates_items,
    wrap_up_reserve,
)


def scanned(text: str) -> JsonScanner:
    scanner = JsonScanner()
    scanner.feed(text.encode())
    return scanner


@pytest.mark.parametrize("text, refusal", [
    ('{"population": 1', ("digits", 18)),
    ('{"population": 1234567890123456789', ("digits", 0)),
    ('{"pi": 3.14159', ("digits", 12)),
    ('{"x": -2.5e1', ("digits", 2)),
    ('{"x": 6.02e+23', ("digits", 1)),
    ('{"x": 12, ', None),
    ('{"text": "it costs 1234567890123456789012', None),  # digits inside a string are text
])
def test_number_digits_are_bounded_like_a_double(text, refusal) -> None:
    assert scanned(text).refusals() == ([refusal] if refusal else [])


def test_an_identical_value_is_not_begun_a_fourth_time() -> None:
    assert scanned('[7, 7').refusals() == [("digits", 18)]
    assert scanned('[7, 7, 7').refusals() == [("digits", 18), ("item_separator", b"")]  # 77 may follow, not ", 7"
    assert scanned('[1, 1, 2, 1, 1').refusals() == [("digits", 18)]  # not three in a row
    assert scanned('["a", "a", "a').refusals() == [("item_separator", b'"')]


def test_an_identical_object_or_array_is_not_begun_a_third_time() -> None:
    assert scanned('{"a": [{"k": 1}').refusals() == []
    assert scanned('{"a": [{"k": 1}, {"k": 1').refusals() == [("digits", 18), ("item_separator", b"}")]
    assert scanned('{"a": [{"k": 1}, {"k": 1}').refusals() == [("item_separator", b"")]
    assert scanned('{"a": [{"k": 1}, {"k": 12').refusals() == [("digits", 17)]  # no longer the same item
    assert scanned('[[1, 1, 1], [2]').refusals() == []  # the inner array ended: a new count outside


def test_a_table_does_not_repeat_its_row() -> None:
    """`],` ends a row and begins the next in one token: the outer array counts too."""
    cell = '{"content": "The text.", "type": "text"}'
    row = f"[{cell}, {cell}]"
    assert scanned(f'{{"rows": [{row}, [{cell}, {cell}').refusals() == [("item_separator", b""), ("item_separator", b"]")]
    assert scanned(f'{{"rows": [{row}, [{cell}, {{"content": "x"').refusals() == []


def test_a_repeated_value_is_caught_before_its_text_is_complete() -> None:
    """`.",` finishes the text, closes the string and begins the next item: refused where the item
    it finishes would be the same once more."""
    assert scanned('["The end.", "The end.", "The end').refusals() == [("item_separator", b'."')]
    assert scanned('[{"c": "It is."}, {"c": "It').refusals() == [("item_separator", b' is."}')]
    assert scanned('["The end.", "The end.", "The').refusals() == [("item_separator", b' end."')]
    assert scanned('["The end.", "The end.", "Then').refusals() == []


def test_whitespace_does_not_hide_a_repeated_item() -> None:
    assert scanned('["x",\n  "x",\n  "x"').refusals() == [("item_separator", b"")]
    assert scanned('[{"a": 1, "b": []},\n {"a": 1,\n  "b": [ ]}, {"a":1,"b":[]}').refusals() == [("item_separator", b"")]
    assert scanned('["a b", "a b", "a  b"').refusals() == []  # inside a string a blank is text
    assert scanned('["White",\n  "White",\n  "White').refusals() == [("item_separator", b'"')]  # '",' is one token


def test_a_string_repeating_itself_is_closed() -> None:
    assert scanned('{"poem": "the sea, the sea, ' + "the sea, " * 3).refusals() == [("close_string",)]
    assert scanned('{"id": "' + "0" * 40).refusals() == [("close_string",)]


def test_a_short_piece_is_a_loop_after_16_characters() -> None:
    """A digit costs a token: SmolLM2's tree named every node "1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1."."""
    assert scanned('{"name": "' + "1." * 8).refusals() == [("close_string",)]
    assert scanned('{"name": "' + "1." * 7).refusals() == []
    assert scanned('{"rule": "' + "=" * 16).refusals() == [("close_string",)]
    assert scanned('{"date": "2026-12-01T18:56:25.123456').refusals() == []


def test_ordinary_strings_are_left_alone() -> None:
    text = '{"poem": "The sea is wide and grey; the gulls cry over the harbour while boats return'
    assert scanned(text).refusals() == []
    assert scanned('{"q": "a \\" quoted \\" word ' + "abc" * 3).refusals() == []  # too short to be a loop


def test_escaped_quotes_do_not_end_a_string() -> None:
    assert scanned('{"a": "say \\"hi\\" 12345678901234567890').refusals() == []


def test_token_facts() -> None:
    assert leading_digits(b"000") == 3 and leading_digits(b"12,") == 2 and leading_digits(b" 1") == 0
    assert separates_items(b",", b"") and separates_items(b" ,\n", b"") and not separates_items(b"1,", b"")
    assert separates_items(b'",', b'"') and separates_items(b'"}, ', b'"}') and not separates_items(b'"]', b'"')
    assert opens_container(b" [") and opens_container(b": {") and not opens_container(b"[]"[1:]) and not opens_container(b"1")
    assert opens_container(b'": [', after_key=True) and not opens_container(b": [", after_key=True)


def _integer_schemas():
    yield {"type": "integer"}, [-INTEGER_BOUND, INTEGER_BOUND], [INTEGER_BOUND + 1024]
    yield {"type": "integer", "minimum": 0}, [0, INTEGER_BOUND], [-1]
    yield {"type": "integer", "minimum": 2**62, "maximum": 10**30}, [10**30], []  # its own bound reaches further
    yield {"type": "integer", "maximum": -(10**30)}, [-(10**30), -(10**40)], []
    yield {"type": "integer", "exclusiveMaximum": 5}, [4, -INTEGER_BOUND], [5]
    yield {"type": ["integer", "string"]}, [INTEGER_BOUND, "text"], []


@pytest.mark.parametrize("schema, accepted, refused", list(_integer_schemas()))
def test_integer_bounds_keep_every_value_the_schema_reaches(schema, accepted, refused) -> None:
    bounded = bound_integers(json.loads(json.dumps(schema)))
    for value in accepted:
        jsonschema.validate(value, bounded)
        jsonschema.validate(value, schema)
    for value in refused:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(value, bounded)
    if all(abs(v) <= INTEGER_BOUND for v in accepted if isinstance(v, int)):  # llguidance's own limit
        check(Constraint("json_schema", schema=schema))  # and the bounded form compiles


def test_integer_bounds_leave_negations_alone() -> None:
    schema = {"not": {"type": "integer"}, "properties": {"n": {"type": "integer"}}}
    bounded = bound_integers(json.loads(json.dumps(schema)))
    assert bounded["not"] == {"type": "integer"}
    assert bounded["properties"]["n"] == {"type": "integer", "minimum": -INTEGER_BOUND, "maximum": INTEGER_BOUND}


def test_a_key_nests_inside_itself_at_most_once() -> None:
    tree = '{"name": "a", "children": [{"name": "b", "children": '
    assert scanned(tree).refusals() == [("open_container",), ("blank",)]  # the second "children" holds no node
    assert scanned(tree[:-4]).refusals() == []  # '"childre' is not yet the key
    assert scanned(tree[:-3]).refusals() == [("key_then_container",)]  # '": [' would open the value
    assert scanned(tree + "[").refusals() == [("open_container",), ("blank",)]  # a schema that needs the array: empty
    assert scanned(tree + "[]}, {").refusals() == []  # a sibling of the capped node is free again
    assert scanned('{"a": {"b": {"c": {"d": {"e": ').refusals() == []  # deep, but no key nests in itself
    chain = '{"next": {"next": '
    assert scanned(chain).refusals() == [("open_container",), ("blank",)] and scanned(chain + "null}").refusals() == []


def test_an_object_that_repeats_a_key_is_not_continued() -> None:
    assert scanned('{"address": "Mumbai", "address": "Mumbai').refusals() == [("string_end_separator", b"")]
    assert scanned('{"address": "Mumbai", "address": {"city": 1').refusals() == [("digits", 18), ("item_separator", b"}")]
    assert scanned('{"address": "Mumbai", "addresses": "Pune').refusals() == []
    assert scanned('[{"address": "Mumbai"}, {"address": "Pune').refusals() == []  # another object: its own keys


def test_a_repeated_key_is_not_continued_however_its_string_ends() -> None:
    assert scanned('{"a": "x", "a": "Mumbai is big').refusals() == [("string_end_separator", b"")]
    assert scanned('[{"a": "x", "b": {"a": "x", "a": "y').refusals() == [("string_end_separator", b"")]
    assert ends_string_then_separates(b'.",', b"") and ends_string_then_separates(b'"},', b"}")
    assert not ends_string_then_separates(b'."}', b"") and not ends_string_then_separates(b'\\",', b"")  # an escaped quote
    assert ends_string_then_separates(b'\\\\",', b"")  # an escaped backslash, then the closing quote


def test_blanks_before_a_bracket_still_separate_items() -> None:
    assert separates_items(b" },", b"}") and separates_items(b"\n  },\n", b"}") and separates_items(b"} ],", b"}]")
    assert not separates_items(b' ",', b'"')  # inside a string a blank is text, not a separator
    assert separates_items(b'.",', b'."') and separates_items(b'."},', b'."}') and separates_items(b"7,", b"7")


NODE = {"type": "object", "additionalProperties": False,
        "properties": {"name": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}


@pytest.mark.parametrize("schema, unbounded", [
    ({"$defs": {"node": NODE}, "$ref": "#/$defs/node"}, True),  # recursion
    ({"type": "object"}, True),  # additionalProperties defaults to any value
    ({"type": "object", "additionalProperties": False, "properties": {"tags": {"type": "array"}}}, True),  # any items
    ({"type": "object", "additionalProperties": False, "properties": {"x": {}}}, True),
    ({"type": "object", "additionalProperties": False,
      "properties": {"data": {"type": "object", "additionalProperties": False,
                              "properties": {"data": {"type": "array", "items": {"type": "integer"}}}}}}, False),
    ({"definitions": {"p": {"type": "string"}}, "type": "array", "items": {"$ref": "#/definitions/p"}}, False),
    ({"anyOf": [{"type": "string"}, {"enum": [[1], {"a": 2}]}]}, False),
    ({"type": "array", "prefixItems": [{"type": "integer"}], "items": False}, False),
    ({"type": "array", "prefixItems": [{"type": "integer"}]}, True),  # later items: any value
    ({"$ref": "https://example.com/remote.json"}, True),  # cannot tell: the rule stays on
])
def test_which_schemas_nest_without_bound(schema, unbounded) -> None:
    assert nests_without_bound(schema) is unbounded


def test_two_sentences_taking_turns_are_one_repeated_piece() -> None:
    loop = "It is available in different sizes. It is available in different types. "  # 72 characters
    assert scanned('{"description": "Bomba is a drink. ' + loop * 3).refusals() == [("close_string",)]
    assert scanned('{"description": "Bomba is a drink. ' + loop * 2).refusals() == []  # twice is not a loop yet


@pytest.mark.parametrize("text, refusals", [
    ('{"notes": ["a", "b', [("close_string",), ("comma",)]),  # the string closes, no item follows
    ('{"total": 12', [("digits", 0), ("comma",)]),
    ('{"items": [1, 2]', [("comma",), ("open_container",)]),
])
def test_an_answer_near_its_budget_is_wrapped_up(text, refusals) -> None:
    scanner = scanned(text)
    assert ("comma",) not in scanner.refusals()
    scanner.wrapping_up = True
    assert scanner.refusals()[:len(refusals)] == refusals


@pytest.mark.parametrize("budget, reserve", [(4, 8), (100, 12), (512, 64), (4096, 64)])
def test_the_wrap_up_reserve_is_an_eighth_of_the_budget_within_bounds(budget, reserve) -> None:
    assert wrap_up_reserve(budget) == reserve
