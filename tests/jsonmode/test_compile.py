"""check() accepts what Hearth can enforce - and the compiled grammar really enforces it - and
rejects everything else with one line naming the feature and where it is."""
from __future__ import annotations

import time

import pytest

from desktop.jsonmode.constraint import Constraint
from desktop.errors import HearthError
from desktop.jsonmode.compile import check, grammar_for
from desktop.jsonmode.validate import matches

OBJ = {"type": "object"}

# (feature, schema, an answer that must be accepted, an answer that must be refused).
# Answers use Hearth's JSON layout: one line, ", " between items, ": " after keys.
ENFORCED = [
    ("type list", {"type": ["string", "null"]}, 'null', '1'),
    ("required", {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}, '{"a": 1}', '{}'),
    ("additionalProperties false", {"type": "object", "properties": {"a": {"type": "integer"}}, "additionalProperties": False}, '{"a": 1}', '{"a": 1, "b": 2}'),
    ("additionalProperties true admits any value", {"type": "object", "properties": {"a": {}}, "additionalProperties": True}, '{"z": [1, "x"]}', '{"z": }'),
    ("additionalProperties schema", {"type": "object", "additionalProperties": {"type": "integer"}}, '{"x": 1}', '{"x": "1"}'),
    ("items", {"type": "array", "items": {"type": "integer"}}, '[1, 2]', '[1, "2"]'),
    ("prefixItems", {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "items": False}, '["a", 1]', '["a", 1, 2]'),
    ("minItems", {"type": "array", "minItems": 2}, '[1, 2]', '[1]'),
    ("maxItems", {"type": "array", "maxItems": 1}, '[1]', '[1, 2]'),
    ("enum", {"enum": ["red", 3, None]}, '"red"', '"blue"'),
    ("const", {"const": {"x": 1}}, '{"x": 1}', '{"x": 2}'),
    ("anyOf", {"anyOf": [{"type": "string"}, {"type": "integer"}]}, '1', 'true'),
    ("oneOf exclusive by type", {"oneOf": [{"type": "string"}, {"type": "integer"}]}, '"a"', 'null'),
    ("oneOf exclusive through $ref", {"$defs": {"s": {"type": "string"}}, "oneOf": [{"$ref": "#/$defs/s"}, {"type": "null"}]}, 'null', '1'),
    ("oneOf discriminated objects", {"oneOf": [
        {"type": "object", "properties": {"kind": {"const": "a"}, "x": {"type": "integer"}}, "required": ["kind"]},
        {"type": "object", "properties": {"kind": {"const": "b"}, "y": {"type": "string"}}, "required": ["kind"]}]},
        '{"kind": "a", "x": 1}', '{"kind": "c"}'),
    ("oneOf: one requires what the other forbids", {"$defs": {
        "para": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"], "additionalProperties": False},
        "list": {"type": "object", "properties": {"items": {"type": "array"}}, "required": ["items"]}},
        "oneOf": [{"$ref": "#/$defs/para"}, {"$ref": "#/$defs/list"}]}, '{"text": "a"}', '{"text": "a", "items": []}'),
    ("oneOf of strings with different fixed starts", {"type": "string", "oneOf": [{"pattern": "^Normal -"}, {"pattern": "^Cell line -"}]},
     '"Normal - skin"', '"Tumour - x"'),
    ("allOf", {"allOf": [{"type": "object", "properties": {"a": {"type": "string"}}}, {"required": ["a"]}]}, '{"a": "x"}', '{}'),
    ("local $ref", {"$defs": {"n": {"type": "integer"}}, "type": "array", "items": {"$ref": "#/$defs/n"}}, '[1]', '["1"]'),
    ("recursion", {"$defs": {"node": {"type": "object", "properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
                                      "additionalProperties": False}}, "$ref": "#/$defs/node"}, '{"kids": [{"kids": []}]}', '{"kids": [{"x": 1}]}'),
    ("recursive refs under anyOf with an implied type", {"$defs": {"node": {"type": "object", "additionalProperties": False,
        "properties": {"kids": {"type": "array", "items": {"anyOf": [{"$ref": "#/$defs/node"}, {"$ref": "#/$defs/leaf"}], "type": "object"}}}},
        "leaf": {"type": "object", "properties": {"v": {"type": "integer"}}, "required": ["v"], "additionalProperties": False}},
        "$ref": "#/$defs/node"}, '{"kids": [{"v": 1}, {"kids": []}]}', '{"kids": [1]}'),
    ("minLength", {"type": "string", "minLength": 2}, '"ab"', '"a"'),
    ("maxLength", {"type": "string", "maxLength": 2}, '"ab"', '"abc"'),
    ("pattern", {"type": "string", "pattern": "^[a-z]+-[0-9]{2}$"}, '"ab-12"', '"ab-1"'),
    ("format date", {"type": "string", "format": "date"}, '"2024-02-29"', '"2024-13-01"'),
    ("format time", {"type": "string", "format": "time"}, '"12:30:00Z"', '"25:00:00Z"'),
    ("format date-time", {"type": "string", "format": "date-time"}, '"2024-02-29T12:30:00Z"', '"2024-02-29 12:30"'),
    ("format uuid", {"type": "string", "format": "uuid"}, '"123e4567-e89b-12d3-a456-426614174000"', '"123e4567"'),
    ("format email", {"type": "string", "format": "email"}, '"ann@example.com"', '"ann.example.com"'),
    ("format uri", {"type": "string", "format": "uri"}, '"https://example.com/a?b=1"', '"not a uri"'),
    ("format uri-reference", {"type": "string", "format": "uri-reference"}, '"../a/b#c"', '"a b"'),
    ("format json-pointer", {"type": "string", "format": "json-pointer"}, '"/a~1b/0"', '"a/b"'),
    ("format relative-json-pointer", {"type": "string", "format": "relative-json-pointer"}, '"1/a"', '"/a"'),
    ("format regex", {"type": "string", "format": "regex"}, '"^[a-zA-Z_][a-zA-Z0-9_]*$"', '"(a"'),
    ("format and pattern both hold", {"type": "string", "format": "json-pointer", "pattern": "^/a"}, '"/a/b"', '"/b"'),
    ("integer minimum", {"type": "integer", "minimum": 3}, '3', '2'),
    ("integer maximum", {"type": "integer", "maximum": 10}, '10', '11'),
    ("number exclusive range", {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}, '0.5', '1'),
    ("integer is not a fraction", {"type": "integer"}, '-7', '7.5'),
    ("multipleOf", {"type": "integer", "multipleOf": 5}, '15', '12'),
    ("draft-07 tuple items", {"$schema": "http://json-schema.org/draft-07/schema#", "type": "array",
                              "items": [{"type": "string"}], "additionalItems": False}, '["a"]', '["a", 1]'),
    ("dependentRequired", {"type": "object", "properties": {"card": {"type": "string"}, "cvv": {"type": "string"}},
                           "dependentRequired": {"card": ["cvv"]}}, '{"card": "1", "cvv": "2"}', '{"card": "1"}'),
    ("draft-07 dependencies", {"type": "object", "properties": {"a": {}, "b": {}}, "dependencies": {"a": ["b"]}}, '{"b": 1}', '{"a": 1}'),
    ("$ref siblings apply (2020-12)", {"$defs": {"s": {"type": "string"}}, "type": "object", "properties": {
        "a": {"$ref": "#/$defs/s", "maxLength": 2, "description": "short"}}}, '{"a": "ab"}', '{"a": "abc"}'),
    ("$ref siblings ignored (draft-07 says so)", {"$schema": "http://json-schema.org/draft-07/schema#",
                                                  "definitions": {"s": {"type": "string"}}, "type": "object",
                                                  "properties": {"a": {"$ref": "#/definitions/s", "maxLength": 2}}},
     '{"a": "abc"}', '{"a": 1}'),
    ("not required (one)", {"type": "object", "properties": {"a": {}, "b": {}}, "not": {"required": ["a"]}}, '{"b": 1}', '{"a": 1}'),
    ("not all of", {"type": "object", "properties": {"cmd": {}, "args": {}},
                    "not": {"allOf": [{"required": ["cmd"]}, {"required": ["args"]}]}}, '{"cmd": 1}', '{"cmd": 1, "args": 2}'),
    ("not any of", {"type": "object", "properties": {"a": {}, "b": {}, "c": {}},
                    "not": {"anyOf": [{"required": ["a"]}, {"required": ["b"]}]}}, '{"c": 1}', '{"c": 1, "b": 2}'),
    ("not of a string value", {"type": "string", "minLength": 1, "not": {"enum": ["upstart"]}}, '"systemd"', '"upstart"'),
    ("not of a number", {"type": "integer", "not": {"const": 0}}, '-1', '0'),
    ("not of a type", {"not": {"type": ["string", "null"]}}, '1', 'null'),
    ("minProperties with optional properties", {"type": "object", "minProperties": 1, "properties": {
        "close": {"type": "string"}, "create": {"type": "string"}, "reopen": {"type": "string"}}}, '{"reopen": "x"}', '{}'),
    ("maxProperties with optional properties", {"type": "object", "maxProperties": 1, "additionalProperties": False,
                                                "properties": {"a": {}, "b": {}, "c": {}}}, '{"b": 1}', '{"a": 1, "b": 2}'),
    ("if/then/else on a discriminator", {"type": "object", "properties": {"kind": {"enum": ["s3", "disk"]}, "bucket": {"type": "string"},
                                                                      "path": {"type": "string"}},
                                          "required": ["kind"], "if": {"properties": {"kind": {"const": "s3"}}},
                                          "then": {"required": ["bucket"]}, "else": {"required": ["path"]}},
     '{"kind": "disk", "path": "/x"}', '{"kind": "disk", "bucket": "b"}'),
    ("if/then without else", {"type": "object", "properties": {"n": {"type": "integer"}, "m": {"type": "integer"}},
                              "if": {"properties": {"n": {"const": 0}}, "required": ["n"]}, "then": {"required": ["m"]}},
     '{"n": 1}', '{"n": 0}'),
    ("else without if means nothing", {"type": "object", "else": {"required": ["x"]}}, '{}', '[]'),
    ("no raw control characters in strings", {"type": "string"}, '"a\\nb"', '"a\nb"'),
    ("pretty-printing allowed", OBJ, '{\n  "a": [\n    1,\n    2\n  ]\n}', '{"a" 1}'),
    ("no blank lines", OBJ, '{"a": 1}', '{\n\n"a": 1}'),
    ("no runs of spaces", OBJ, '{"a": 1}', '{"a":  1}'),
    ("indentation capped", OBJ, '{\n' + ' ' * 32 + '"a": 1}', '{\n' + ' ' * 33 + '"a": 1}'),
]


@pytest.mark.parametrize("feature, schema, good, bad", ENFORCED, ids=[row[0] for row in ENFORCED])
def test_supported_feature_is_enforced(feature: str, schema: dict, good: str, bad: str) -> None:
    constraint = Constraint("json_schema", schema=schema)
    check(constraint)
    grammar = grammar_for(constraint)
    assert matches(grammar, good) == (True, None)
    assert matches(grammar, bad)[0] is False


UNSUPPORTED = [
    ({"type": "object", "properties": {"tags": {"type": "array", "uniqueItems": True}}}, "'uniqueItems' at #/properties/tags"),
    ({"not": {"type": "integer"}}, "'not' at #"),
    ({"type": "string", "not": {"pattern": "^a"}}, "'not' at #"),
    ({"type": "object", "properties": {"bag": {"type": "object", "maxProperties": 5,
                                               "properties": {f"p{i}": {} for i in range(10)}}}},
     "minProperties/maxProperties over more optional properties than Hearth expands (at most 64 combinations) at #/properties/bag"),
    ({"type": "object", "properties": {"x": {"if": {"type": "string"}, "then": {"minLength": 2}}}}, "'if' at #/properties/x"),
    ({"if": {"properties": {"a": {"const": [1]}}}, "then": {"required": ["a"]}}, "'if' at #"),
    ({"type": "object", "propertyNames": {"pattern": "^a"}}, "'propertyNames' at #"),
    ({"type": "array", "contains": {"type": "integer"}}, "'contains' at #"),
    ({"$defs": {"d": {"type": "object", "unevaluatedProperties": False}}, "$ref": "#/$defs/d"}, "'unevaluatedProperties' at #/$defs/d"),
    ({"type": "object", "properties": {"when": {"type": "string", "format": "iri"}}}, "format 'iri' at #/properties/when"),
    ({"type": "object", "properties": {"n": {"oneOf": [{"type": "number"}, {"type": "integer"}]}}},
     "oneOf with overlapping alternatives at #/properties/n"),
    ({"oneOf": [{"type": "string"}, {"type": "array", "items": {"oneOf": [{"type": "integer"}, {"type": "number"}]}}]},
     "oneOf with overlapping alternatives at #/oneOf/1/items"),
    ({"type": "string", "oneOf": [{"pattern": "^ab"}, {"pattern": "^abc"}]}, "oneOf with overlapping alternatives at #"),
    ({"type": "object", "properties": {"p": {"type": "string", "pattern": "(?=a)b"}}}, "'pattern' at #/properties/p"),
    ({"type": "object", "properties": {"path": {"type": "string", "pattern": "^(a($|/))+$"}}},
     "'pattern' at #/properties/path: '$' or '^' inside the pattern"),
    ({"$ref": "https://example.com/schema.json"}, "only local $ref"),
]


@pytest.mark.parametrize("schema, expected", UNSUPPORTED, ids=[row[1] for row in UNSUPPORTED])
def test_unsupported_feature_is_an_error_naming_it_and_where(schema: dict, expected: str) -> None:
    with pytest.raises(HearthError) as err:
        check(Constraint("json_schema", schema=schema))
    assert expected in str(err.value)
    assert "\n" not in str(err.value)


def test_unknown_format_names_are_annotations_like_the_spec_says() -> None:
    # Not a standard format: no validator checks it, so the string is simply a string.
    constraint = Constraint("json_schema", schema={"type": "string", "format": "favourite-colour"})
    check(constraint)
    assert matches(grammar_for(constraint), '"teal"') == (True, None)


def test_invalid_schema_is_reported_with_its_location() -> None:
    with pytest.raises(HearthError, match=r"invalid JSON Schema at #/properties/age/type"):
        check(Constraint("json_schema", schema={"type": "object", "properties": {"age": {"type": "integr"}}}))


@pytest.mark.parametrize("constraint, message", [
    (Constraint("json_schema", schema=None), "needs a schema"),
    (Constraint("grammar", grammar=None), "needs grammar text"),
    (Constraint("grammar", grammar="   "), "grammar is empty"),
    (Constraint("xml"), "unknown constraint kind"),  # type: ignore[arg-type]
])
def test_malformed_constraint_is_one_clear_line(constraint: Constraint, message: str) -> None:
    with pytest.raises(HearthError, match=message):
        check(constraint)


@pytest.mark.parametrize("grammar, where", [
    ('root ::= "a"\nitem ::= [a-', "line 2, column 13"),
    ('root ::= item\nitem := "x"', "line 2, column 6"),
    ('root ::= "ok" ( "!" ', "line 1, column 21"),
    ('root ::= greeting "!"\n', "line 1, column 10"),  # undefined rule
    ('root ::= "bad \\q escape"', "line 1, column 16"),
])
def test_grammar_syntax_error_names_line_and_column(grammar: str, where: str) -> None:
    with pytest.raises(HearthError) as err:
        check(Constraint("grammar", grammar=grammar))
    assert where in str(err.value)


def test_json_and_json_object_modes_compile_and_differ() -> None:
    any_value, an_object = grammar_for(Constraint("json")), grammar_for(Constraint("json_object"))
    assert matches(any_value, '[1, "two"]') == (True, None)
    assert matches(an_object, '[1, "two"]')[0] is False
    assert matches(an_object, '{"a": {"b": null}}') == (True, None)


def test_check_is_fast_enough_to_run_as_the_user_types() -> None:
    schema = {"type": "object", "properties": {f"field{i}": {"type": "string", "maxLength": 20 + i} for i in range(40)}}
    start = time.perf_counter()
    for i in range(20):  # distinct schemas: no cache hit
        check(Constraint("json_schema", schema={**schema, "title": f"v{i}"}))
    assert (time.perf_counter() - start) / 20 < 0.25
