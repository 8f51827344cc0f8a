"""A rollout step's gate: bounds, readings and the verdict's words."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.model.gates import Gate, GateError, Readings, Verdict, describe, evaluate, p95, percentile

latencies = st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=200)


@given(latencies)
def test_p95_is_an_observed_value_with_95_percent_at_or_below_it(values: list[float]) -> None:
    result = p95(values)
    assert result in values
    n = len(values)
    assert sum(v <= result for v in values) >= 0.95 * n
    # The smallest such value: fewer than 95% lie strictly below it.
    assert sum(v < result for v in values) < 0.95 * n


@given(latencies, st.floats(min_value=0.01, max_value=1.0))
def test_percentiles_do_not_fall_as_the_fraction_grows(values: list[float], fraction: float) -> None:
    low = percentile(values, fraction / 2)
    high = percentile(values, fraction)
    assert low is not None and high is not None and low <= high


def test_p95_by_hand() -> None:
    assert p95([]) is None
    assert p95([7.0]) == 7.0
    # 20 values 1..20: the 19th is the first with 95% at or below it.
    assert p95([float(v) for v in range(20, 0, -1)]) == 19.0
    assert p95([float(v) for v in range(1, 101)]) == 95.0
    with pytest.raises(ValueError, match="fraction"):
        percentile([1.0], 0)


@given(
    st.integers(min_value=1, max_value=500),
    st.data(),
)
def test_below_min_requests_is_undecided_whatever_the_numbers(least: int, data: st.DataObject) -> None:
    requests = data.draw(st.integers(min_value=0, max_value=least - 1))
    errors = data.draw(st.integers(min_value=0, max_value=requests))
    latency = data.draw(st.none() | st.floats(min_value=0, max_value=1e6))
    verdict = evaluate(Gate(0.0, 1.0, least), Readings(requests, errors, latency, "probe"))
    assert verdict == Verdict(None, (f"{requests} of {least} requests needed: not enough to judge yet",))


@given(
    st.integers(min_value=20, max_value=10_000),
    st.data(),
    st.floats(min_value=0, max_value=1),
)
def test_the_error_bound_fails_exactly_when_the_rate_exceeds_it(
    requests: int, data: st.DataObject, bound: float
) -> None:
    errors = data.draw(st.integers(min_value=0, max_value=requests))
    verdict = evaluate(Gate(max_error_rate=bound), Readings(requests, errors, None, "prometheus"))
    assert verdict.passed is (errors / requests <= bound + 1e-12)
    assert len(verdict.reasons) == 1 and verdict.reasons[0].startswith("error rate ")


def test_reasons_wording() -> None:
    gate = Gate(max_error_rate=0.05, max_p95_ms=500)
    assert evaluate(gate, Readings(100, 12, 812.4, "probe")) == Verdict(
        False, ("error rate 12.0% over 5.0% bound", "p95 812 ms over 500 ms bound")
    )
    assert evaluate(gate, Readings(100, 5, 120, "probe")) == Verdict(
        True, ("error rate 5.0% within 5.0% bound", "p95 120 ms within 500 ms bound")
    )
    assert evaluate(Gate(max_p95_ms=5), Readings(40, 0, 3.44, "probe")).reasons == (
        "p95 3.4 ms within 5.0 ms bound",
    )
    assert evaluate(gate, None) == Verdict(None, ("no readings yet",))
    assert evaluate(Gate(), Readings(20, 20, None, "probe")) == Verdict(
        True, ("no bounds to check (20 requests)",)
    )


def test_a_bound_with_nothing_measured_is_undecided_unless_another_fails() -> None:
    gate = Gate(max_error_rate=0.1, max_p95_ms=500)
    assert evaluate(gate, Readings(30, 0, None, "probe")) == Verdict(
        None, ("error rate 0.0% within 10.0% bound", "p95 not measured yet (500 ms bound)")
    )
    assert evaluate(gate, Readings(30, 30, None, "probe")).passed is False


def test_readings_error_rate() -> None:
    assert Readings(0, 0, None, "probe").error_rate is None
    assert Readings(8, 2, None, "probe").error_rate == 0.25


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_error_rate": 5}, "error rate bound must be a fraction from 0 to 1 (5% is 0.05), got 5"),
        ({"max_error_rate": -0.1}, "fraction from 0 to 1"),
        ({"max_p95_ms": 0}, "p95 latency bound must be a positive number of milliseconds, got 0"),
        ({"max_p95_ms": math.inf}, "positive number of milliseconds"),
        ({"min_requests": 0}, "minimum number of requests must be a whole number from 1, got 0"),
        ({"min_requests": 2.5}, "whole number"),
    ],
)
def test_bad_gates_are_refused_with_a_clear_message(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(GateError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Gate(**kwargs)  # type: ignore[arg-type]


def test_bad_readings_are_refused() -> None:
    with pytest.raises(GateError, match="0 <= errors <= requests, got 3 of 2"):
        Readings(2, 3, None, "probe")
    with pytest.raises(GateError, match="finite"):
        Readings(2, 0, math.nan, "probe")


def test_describe() -> None:
    assert describe(Gate(0.05, 500)) == "errors ≤ 5.0%, p95 ≤ 500 ms (from 20 requests)"
    assert describe(Gate(min_requests=3)) == "no bounds"
