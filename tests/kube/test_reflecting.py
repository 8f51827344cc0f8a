"""The Reflector's retry timing: exponential, jittered, capped; options checked."""

from __future__ import annotations

import random

import pytest

from app.kube.reflecting import ReflectorOptions


def test_backoff_grows_exponentially_with_bounded_jitter_and_a_cap() -> None:
    options = ReflectorOptions(backoff_initial=1.0, backoff_max=10.0, backoff_factor=2.0, jitter=0.5)
    rng = random.Random(7)
    for failures, base in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0)]:
        delays = [options.backoff(failures, rng) for _ in range(50)]
        assert all(base <= d <= min(10.0, base * 1.5) for d in delays)
        assert len(set(delays)) > 1  # jittered: retries of many clients spread out
    assert {options.backoff(n, rng) for n in (5, 6, 20)} == {10.0}


def test_without_jitter_the_delays_are_exact() -> None:
    options = ReflectorOptions(backoff_initial=0.5, backoff_max=3.0, jitter=0.0)
    assert [options.backoff(n, random.Random()) for n in range(1, 5)] == [0.5, 1.0, 2.0, 3.0]


@pytest.mark.parametrize(
    "bad",
    [
        {"watch_timeout": 0},
        {"relist_period": 0.0},
        {"backoff_initial": 0.0},
        {"backoff_initial": 5.0, "backoff_max": 1.0},
        {"backoff_factor": 0.5},
        {"jitter": -0.1},
    ],
)
def test_nonsense_options_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        ReflectorOptions(**bad)  # type: ignore[arg-type]
