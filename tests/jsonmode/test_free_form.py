"""Free-form values get a bounded shape (desktop/jsonmode/free_form.py): a narrowing that every
schema still compiles under, that keeps every declared part as it was, and that only ever admits
answers the schema as written accepts."""
from __future__ import annotations

import copy
import json

import jsonschema
import pytest

from desktop.jsonmode.compile import check
from desktop.jsonmode.constraint import Constraint
from desktop.jsonmode.free_form import DEPTH, SIZE, bound_free_form, bounded_any


def bounded(schema: dict) -> dict:
    return bound_free_form(copy.deepcopy(schema))


def nested(depth: int) -> object:
    value: object = "leaf"
    for _ in range(depth):
        value = {"k": value}
    return value


def test_the_bounded_value_admits_every_shape_up_to_its_depth() -> None:
    shape = bounded_any()
    for value in (None, True, 1.5, "s", [1, "a"], {"a": [1, {"b": None}]}, nested(DEPTH), [0] * SIZE):
        jsonschema.validate(value, shape)
    for value in (nested(DEPTH + 1), [0] * (SIZE + 1), {str(i): 0 for i in range(SIZE + 1)}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(value, shape)


def test_undeclared_members_of_an_open_object_are_bounded() -> None:
    """The Kubernetes case: a root that leaves additionalProperties open got a copy of the schema."""
    schema = {"type": "object", "properties": {"name": {"type": "string"},
                                               "spec": {"type": "object", "properties": {"n": {"type": "integer"}}}}}
    out = bounded(schema)
    jsonschema.validate({"name": "x", "spec": {"n": 1, "extra": [1]}, "labels": {"app": "web"}}, out)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"name": "x", "definitions": nested(DEPTH + 1)}, out)
    assert out["properties"]["name"] == {"type": "string"}  # declared parts stay as they were


@pytest.mark.parametrize("schema, deep", [
    ({"type": "object", "properties": {"x": {}}}, {"x": nested(DEPTH + 1)}),
    ({"type": "object", "properties": {"x": True}}, {"x": nested(DEPTH + 1)}),
    ({"type": "object", "properties": {"x": {"description": "anything"}}}, {"x": nested(DEPTH + 1)}),
    ({"type": "array", "items": {"type": "object", "properties": {"tags": {"type": "array"}}}},
     [{"tags": [nested(DEPTH + 1)]}]),
    ({"type": "object", "additionalProperties": True}, {"a": nested(DEPTH + 1)}),
    ({"type": "object", "properties": {"x": {"anyOf": [{"type": "string"}, {}]}}}, {"x": nested(DEPTH + 1)}),
])
def test_every_open_place_is_bounded(schema, deep) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(deep, bounded(schema))
    jsonschema.validate(deep, schema)  # what was open before


@pytest.mark.parametrize("schema", [
    {},  # the whole answer left open: the user asked for any JSON
    {"type": "object", "additionalProperties": False, "properties": {"n": {"type": "integer"}}},
    {"allOf": [{"type": "object", "properties": {"a": {"type": "string"}}},
               {"properties": {"b": {"type": "object", "properties": {"c": {"type": "object"}}}}}]},
    {"type": "object", "properties": {"a": {"type": "string"}}, "anyOf": [{"required": ["a"]}, {"required": ["b"]}]},
    {"$defs": {"base": {"type": "object", "properties": {"a": {}}}},
     "allOf": [{"$ref": "#/$defs/base"}, {"properties": {"a": {"type": "object"}}}]},
    {"not": {"type": "object", "properties": {"x": {}}}},
])
def test_closed_places_and_intersections_are_left_alone(schema) -> None:
    assert bounded(schema) == schema


def test_a_definition_used_in_an_intersection_is_left_alone_but_others_are_bounded() -> None:
    schema = {"definitions": {"base": {"type": "object", "properties": {"a": {"type": "string"}}},
                              "free": {"type": "object"}},
              "type": "object", "properties": {"both": {"allOf": [{"$ref": "#/definitions/base"}, {"required": ["a"]}]},
                                               "free": {"$ref": "#/definitions/free"}},
              "additionalProperties": False}
    out = bounded(schema)
    assert out["definitions"]["base"] == schema["definitions"]["base"]
    assert out["definitions"]["free"]["additionalProperties"] == bounded_any()


def test_bounded_schemas_compile_and_keep_their_own_limits() -> None:
    schema = {"type": "object", "properties": {"tags": {"type": "array", "maxItems": 2}, "meta": {"type": "object"}},
              "required": ["tags", "meta"]}
    out = bounded(schema)
    assert out["properties"]["tags"]["maxItems"] == 2
    check(Constraint("json_schema", schema=schema))
    check(Constraint("json_schema", schema=schema, runaway_guard=False))
    assert json.dumps(schema) == json.dumps({"type": "object", "properties": {
        "tags": {"type": "array", "maxItems": 2}, "meta": {"type": "object"}}, "required": ["tags", "meta"]})
