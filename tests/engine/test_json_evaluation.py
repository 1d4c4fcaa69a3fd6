"""The scoring behind `hearth eval json`, on hand-made outcomes."""
from __future__ import annotations

from desktop.engine.json_evaluation import Outcome, spread, summarize, table, unfenced


def outcome(finish: str, parsed: bool, valid: bool, declared: bool = True) -> Outcome:
    return Outcome("x", "g", declared, 1.0, finish, parsed, valid, None, 10, 20.0, "")


def test_scores_follow_the_papers_terms() -> None:
    outcomes = [outcome("stop", True, True), outcome("stop", True, True), outcome("length", False, False),
                outcome("not run", False, False, declared=False)]
    s = summarize(outcomes)
    assert s["declared_coverage"] == 0.75 and s["empirical_coverage"] == 0.5
    assert s["compliance"] == 2 / 3 and s["valid_of_finished"] == 1.0 and s["truncated"] == 1
    assert "| all | 4 | 0.750 |" in table([("all", s)])


def test_limit_draws_the_same_spread_subset_every_time() -> None:
    items = list(range(528))
    assert spread(items, 24) == spread(items, 24)
    assert len(set(spread(items, 24))) == 24 and max(spread(items, 24)) > 400
    assert spread(items, None) == items


def test_unconstrained_answer_is_read_from_its_first_code_block() -> None:
    assert unfenced('Sure!\n```json\n{"a": 1}\n```\nAnything else?') == '{"a": 1}'
    assert unfenced('{"a": 1}') == '{"a": 1}'
