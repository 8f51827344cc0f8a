"""Slider arithmetic: examples and the invariants the editor relies on."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.model.rebalancing import apportion, distribute_evenly, limits, rebalance


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


def test_zero_rows_are_never_poured_into_unless_asked() -> None:
    # The lab's block: current/candidate at 50/50 and the tag-only `latest` at 0%.
    assert rebalance([50, 50, 0], [False] * 3, 0, 90) == [90, 10, 0]
    assert rebalance([50, 50, 0], [False] * 3, 0, 100) == [100, 0, 0]
    # Alone with traffic, a row has nobody to give to: it stays where it is.
    assert rebalance([100, 0, 0, 0], [False] * 4, 0, 10) == [100, 0, 0, 0]
    assert limits([100, 0, 0, 0], [False] * 4, 0) == (100, 100)
    # Asked for: the 0% rows share equally.
    assert rebalance([100, 0, 0, 0], [False] * 4, 0, 10, into_zero=True) == [10, 30, 30, 30]


def test_a_row_within_a_drag_gets_back_what_it_gave() -> None:
    anchor = [50, 50, 0]
    assert rebalance([100, 0, 0], [False] * 3, 0, 60, anchor=anchor) == [60, 40, 0]


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
    assert distribute_evenly([50, 50, 0], [False] * 3) == [50, 50, 0]
    assert distribute_evenly([80, 10, 10, 0], [False] * 4) == [34, 33, 33, 0]
    assert distribute_evenly([100, 0, 0], [True, False, False]) == [100, 0, 0]
    assert distribute_evenly([90, 0, 0], [True, False, False]) == [90, 5, 5]
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
    # Rows at 0% that were not moved stay at 0%: nobody asked them to take traffic.
    assert all(result[j] == 0 for j, p in enumerate(percents) if p == 0 and j != index)
    low, high = limits(percents, locked, index)
    assert low <= result[index] <= high
    if low <= value <= high:
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
    carrying = [p for p, was, lk in zip(once, percents, locked, strict=True) if not lk and was > 0]
    if carrying:
        assert max(carrying) - min(carrying) <= 1
        assert all(o == 0 for o, p, lk in zip(once, percents, locked, strict=True) if not lk and p == 0)
    assert [o for o, lk in zip(once, locked, strict=True) if lk] == [
        p for p, lk in zip(percents, locked, strict=True) if lk
    ]


@given(splits(), st.data())
def test_a_drag_keeps_total_zeros_and_locks(split: tuple[list[int], list[bool]], data: st.DataObject) -> None:
    """A whole drag (many steps from one anchor): total 100, 0% rows at 0%, locked rows unchanged."""
    percents, locked = split
    index = data.draw(st.integers(0, len(percents) - 1))
    current = percents
    for value in data.draw(st.lists(st.integers(-10, 110), min_size=1, max_size=8)):
        current = rebalance(current, locked, index, value, anchor=percents)
        assert sum(current) == 100
        assert all(current[j] == 0 for j, p in enumerate(percents) if p == 0 and j != index)
        assert all(c == p for c, p, lk in zip(current, percents, locked, strict=True) if lk)
