"""The grammars shipped in resources/grammars/ compile and mean what their names say."""
from __future__ import annotations

import pytest

from desktop.jsonmode.constraint import Constraint
from desktop.errors import HearthError
from desktop.jsonmode import grammars
from desktop.jsonmode.compile import check
from desktop.jsonmode.validate import check_answer

EXAMPLES = {
    "json": ('[1, {"a": "x\\ty"}, null]', '{"a": 1,}'),
    "json_object": ('{"a": [true, false]}', '[1]'),
    "json_array": ('[{"k": -0.5e3}]', '{"k": 1}'),
    "list_of_lines": ("first idea\nsecond idea\n", "\n\n\n"),
    "key_value": ("title: Dune\nyear: 1965\n", "title Dune\n"),
    "yes_no": ("yes", "maybe"),
}


def test_every_builtin_grammar_has_examples() -> None:
    assert grammars.names() == sorted(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_builtin_grammar_accepts_its_example_and_refuses_a_counterexample(name: str) -> None:
    constraint = Constraint("grammar", grammar=grammars.builtin(name))
    check(constraint)
    good, bad = EXAMPLES[name]
    assert check_answer(good, constraint) == (True, None)
    assert check_answer(bad, constraint)[0] is False


def test_json_grammars_cap_whitespace() -> None:
    constraint = Constraint("grammar", grammar=grammars.builtin("json"))
    assert check_answer('{"a": 1}', constraint)[0] is True
    assert check_answer('{\n  "a": 1\n}', constraint)[0] is False
    assert check_answer('{"a":  1}', constraint)[0] is False


def test_unknown_builtin_lists_the_available_ones() -> None:
    with pytest.raises(HearthError, match="available: json, json_array"):
        grammars.builtin("toml")
