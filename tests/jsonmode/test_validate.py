"""check_answer(): the verdict stored with every JSON-mode answer."""
from __future__ import annotations

import pytest

from desktop.jsonmode.constraint import Constraint
from desktop.jsonmode import grammars
from desktop.jsonmode.validate import check_answer

PERSON = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "born": {"type": "string", "format": "date"},
        "tags": {"type": "array", "items": {"enum": ["a", "b"]}},
    },
    "required": ["name"],
}


@pytest.mark.parametrize("text, constraint, ok, why", [
    ('{"name": "Ann"}', Constraint("json_schema", schema=PERSON), True, None),
    ('{"name": "Ann", "tags": ["a", "c"]}', Constraint("json_schema", schema=PERSON), False, "at #/tags/1"),
    ('{"born": "1990-01-01"}', Constraint("json_schema", schema=PERSON), False, "'name' is a required property"),
    ('{"name": "Ann", "born": "1990-02-30"}', Constraint("json_schema", schema=PERSON), False, "at #/born"),
    ('{"name": "Ann", "tags": ["a"', Constraint("json_schema", schema=PERSON), False, "not valid JSON"),
    ('NaN', Constraint("json"), False, "NaN is not allowed"),
    ('', Constraint("json"), False, "empty"),
    ('[1, 2]', Constraint("json"), True, None),
    ('[1, 2]', Constraint("json_object"), False, "expected a JSON object"),
    ('{"x": 1}\n', Constraint("json_object"), True, None),
])
def test_json_answers(text: str, constraint: Constraint, ok: bool, why: str | None) -> None:
    result, error = check_answer(text, constraint)
    assert result is ok
    if why is None:
        assert error is None
    else:
        assert why in error and "\n" not in error


def test_schema_draft_comes_from_its_dollar_schema() -> None:
    # Draft 4: exclusiveMaximum is a boolean modifier of maximum.
    schema = {"$schema": "http://json-schema.org/draft-04/schema#", "type": "number", "maximum": 5, "exclusiveMaximum": True}
    assert check_answer("4", Constraint("json_schema", schema=schema)) == (True, None)
    assert check_answer("5", Constraint("json_schema", schema=schema))[0] is False


def test_grammar_answers_are_matched_without_a_model() -> None:
    lines = Constraint("grammar", grammar=grammars.builtin("key_value"))
    assert check_answer("name: Ann\ncity: Oslo\n", lines) == (True, None)
    assert check_answer("name: Ann\ncity", lines) == (False, "the answer stops before the grammar is complete")
    assert check_answer("name = Ann\n", lines) == (False, "does not match the grammar at character 6")  # "=" after "name "
