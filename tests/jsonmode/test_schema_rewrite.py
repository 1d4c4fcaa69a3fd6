"""The schema rewrites keep meaning exactly; the regex-format pattern only admits real regexes."""
from __future__ import annotations

import json
import random
import re
import warnings

from desktop.jsonmode.schema_rewrite import REGEX_PATTERN, rewrite


def test_every_string_the_regex_format_admits_compiles() -> None:
    pattern = re.compile(REGEX_PATTERN)
    alphabet = list("ab^$.|?*+()[]{}\\-,09:dwsz") + ["a-z", "[^"]
    draw = random.Random(7)
    admitted = 0
    for _ in range(20000):
        candidate = "".join(draw.choice(alphabet) for _ in range(draw.randint(0, 7)))
        if pattern.match(candidate):
            admitted += 1
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                re.compile(candidate)  # raises re.error if the pattern let an invalid regex through
    assert admitted > 1000


def test_rewrite_leaves_the_input_untouched() -> None:
    schema = {"type": "object", "properties": {"a": {}, "b": {}}, "dependentRequired": {"a": ["b"]},
              "not": {"required": ["b"]}}
    before = repr(schema)
    out = rewrite(schema)
    assert repr(schema) == before
    assert "dependentRequired" not in out and "not" not in out and len(out["allOf"]) == 2


def test_every_string_but_one_is_exactly_the_complement() -> None:
    from desktop.jsonmode.schema_rewrite import every_string_but

    word = "ab].c"
    pattern = re.compile(every_string_but(word))
    assert not pattern.match(word)
    for other in ["", "a", "ab]", "ab].", "ab].cd", "xb].c", "ab]xc", "ab].d", "ab].c.c"]:
        assert pattern.match(other), other


def test_not_of_values_is_exactly_every_other_value() -> None:
    import jsonschema

    from desktop.jsonmode.constraint import Constraint
    from desktop.jsonmode.compile import grammar_for
    from desktop.jsonmode.validate import matches

    samples = ['null', 'true', 'false', '0', '1', '-1', '2.5', '""', '"a"', '"upstart"', '"upstarts"', '[]', '{}']
    for negated in [{"enum": ["upstart", 1, None]}, {"const": False}, {"const": 2.5}, {"type": "number"},
                    {"type": ["object", "array", "string"]}]:
        schema = {"not": negated}
        grammar = grammar_for(Constraint("json_schema", schema=schema))
        for text in samples:
            expected = jsonschema.Draft202012Validator(schema).is_valid(json.loads(text))
            assert matches(grammar, text)[0] == expected, (negated, text)
