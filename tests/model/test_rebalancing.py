"""Slider arithmetic: examples and the invariants the editor relies on."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.model.rebalancing import apportion, distribute_evenly, rebalance


@st.composite
def splits(draw: st.DrawFn) -> tuple[list[int], list[bool]]:
    """A split summing to 100 with some rows locked."""
    n = draw(st.integers(min_value=1, max_value=8))
    cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=n - 1, max_size=n - 1)))
    bounds = [0, *cuts, 100]
    percents = [bounds[i + 1] - bounds[i] for i in range(n)]
    locked = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    return percents, locked


def test_moving_a_row_takes_from_the_others_in_proportion() -> None:
    assert rebalance([50, 30, 20], [False] * 3, 0, 75) == [75, 15, 10]
    assert rebalance([50, 50, 0], [False] * 3, 2, 20) == [40, 40, 20]


def test_the_others_share_equally_when_all_at_zero() -> None:
    assert rebalance([100, 0, 0, 0], [False] * 4, 0, 10) == [10, 30, 30, 30]


def test_locked_rows_stay_and_bound_the_value() -> None:
    assert rebalance([50, 30, 20], [False, True, False], 0, 90) == [70, 30, 0]
    assert rebalance([50, 30, 20], [True, False, False], 0, 10) == [50, 30, 20]
    assert rebalance([50, 50], [False, True], 0, 10) == [50, 50]


def test_value_is_clamped_to_0_100() -> None:
    assert rebalance([50, 50], [False, False], 1, 150) == [0, 100]
    assert rebalance([50, 50], [False, False], 1, -5) == [100, 0]


def test_rounding_uses_largest_remainder() -> None:
    assert apportion(100, [1, 1, 1]) == [34, 33, 33]
    assert apportion(10, [5, 3, 2]) == [5, 3, 2]
    assert apportion(7, [0, 0]) == [4, 3]
    assert rebalance([40, 30, 30], [False] * 3, 0, 0) == [0, 50, 50]


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="lock flags"):
        rebalance([50, 50], [False], 0, 10)
    with pytest.raises(ValueError, match="out of range"):
        rebalance([50, 50], [False, False], 2, 10)


def test_distribute_evenly_respects_locks() -> None:
    assert distribute_evenly([50, 50, 0], [False] * 3) == [34, 33, 33]
    assert distribute_evenly([70, 10, 20], [True, False, False]) == [70, 15, 15]
    assert distribute_evenly([70, 30], [True, True]) == [70, 30]


@given(splits(), st.data())
def test_rebalance_invariants(split: tuple[list[int], list[bool]], data: st.DataObject) -> None:
    percents, locked = split
    index = data.draw(st.integers(0, len(percents) - 1))
    value = data.draw(st.integers(-20, 120))
    result = rebalance(percents, locked, index, value)
    assert sum(result) == 100
    assert all(0 <= p <= 100 for p in result)
    assert [r for r, lk in zip(result, locked, strict=True) if lk] == [
        p for p, lk in zip(percents, locked, strict=True) if lk
    ]
    movable = not locked[index] and any(not lk for j, lk in enumerate(locked) if j != index)
    if movable and 0 <= value <= 100 - sum(p for p, lk in zip(percents, locked, strict=True) if lk):
        assert result[index] == value


@given(splits(), st.data())
def test_dragging_away_and_back_restores_the_split(
    split: tuple[list[int], list[bool]], data: st.DataObject
) -> None:
    percents, locked = split
    index = data.draw(st.integers(0, len(percents) - 1))
    path = data.draw(st.lists(st.integers(0, 100), min_size=1, max_size=5))
    current = percents
    for value in path:
        current = rebalance(current, locked, index, value, anchor=percents)
    assert rebalance(current, locked, index, percents[index], anchor=percents) == percents


@given(splits())
def test_distribute_evenly_is_idempotent_and_even(split: tuple[list[int], list[bool]]) -> None:
    percents, locked = split
    once = distribute_evenly(percents, locked)
    assert distribute_evenly(once, locked) == once
    assert sum(once) == 100
    free = [p for p, lk in zip(once, locked, strict=True) if not lk]
    if free:
        assert max(free) - min(free) <= 1
