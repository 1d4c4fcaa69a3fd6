"""How long a draft is worth checking (desktop.engine.draft_cost), from a table of what a check of
each size costs: the engine measures that table at load; here it is given."""
from __future__ import annotations

from desktop.engine.draft_cost import MAX_CHECK, DecodeCosts


def costs(per_size: dict[int, float], default: float) -> DecodeCosts:
    return DecodeCosts([per_size.get(k, default) for k in range(1, MAX_CHECK + 1)])


def test_where_a_batch_costs_as_much_as_its_tokens_one_by_one_nothing_is_drafted() -> None:
    linear = DecodeCosts([0.01 * k for k in range(1, MAX_CHECK + 1)])
    assert linear.best_length(acceptance=0.95, room=100) == 0
    assert linear.best_length(acceptance=1.0, room=100) == 0  # not even a draft sure to be kept


def test_where_a_batch_is_nearly_free_a_likely_draft_is_as_long_as_it_may_be() -> None:
    flat = DecodeCosts([0.01] * MAX_CHECK)
    assert flat.best_length(acceptance=0.9, room=100) == MAX_CHECK - 1
    assert flat.best_length(acceptance=0.9, room=5) == 5  # never past the room left
    assert flat.best_length(acceptance=0.0, room=100) == 0  # a draft never kept gains nothing


def test_the_length_follows_the_measured_curve_and_the_acceptance() -> None:
    # Qwen2.5-0.5B on 2 AVX2 cores: 8 tokens cost less than 5-7, 9 and more cost much more
    curve = costs({1: 46, 2: 62, 3: 71, 4: 80, 5: 118, 6: 122, 7: 127, 8: 122}, default=240)
    assert curve.best_length(acceptance=0.95, room=100) == 7  # a check of 8 tokens
    assert curve.best_length(acceptance=0.8, room=100) == 3  # a check of 4 tokens
    assert curve.best_length(acceptance=0.2, room=100) == 0
    assert curve.best_length(acceptance=0.4, room=1) == 1  # one drafted token still pays, three would not
    assert curve.tokens_per_s(3, acceptance=0.4) < curve.tokens_per_s(0, acceptance=0.4)


def test_nothing_is_drafted_before_anything_is_measured() -> None:
    assert DecodeCosts().best_length(acceptance=0.99, room=100) == 0


def test_a_size_measured_again_moves_its_cost_towards_the_new_figure() -> None:
    table = DecodeCosts([0.01] * MAX_CHECK)
    table.observe(4, 0.02)
    assert 0.01 < table.seconds[3] < 0.02
    table.observe(MAX_CHECK + 5, 1.0)  # a size outside the table is ignored
    assert table.seconds[-1] == 0.01
