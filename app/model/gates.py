"""A rollout step's gate: bounds on the candidate's error rate and p95 latency, and their verdict.

A plan moves the split only while the candidate behaves. What "behaves" means is a `Gate` (bounds, any of
them optional), what was seen of the candidate over the step is `Readings` (from the demo's traffic probe
or from Prometheus), and `evaluate` says pass, fail or "not enough data yet" with the reasons in words the
page can show as they are. Too few answers never fail a step: a quiet candidate is undecided, not broken.

Pure: no I/O, no clocks.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

DEFAULT_MIN_REQUESTS = 20
"""Answers needed before a gate judges; below this a 1-in-5 error rate is two unlucky requests."""
P95 = 0.95


class GateError(ValueError):
    """A gate or readings that cannot be used; the message says which value and why."""


@dataclass(frozen=True)
class Gate:
    """Bounds over one step; None = not checked."""

    max_error_rate: float | None = None
    """Fraction 0..1 of the candidate's answers that may fail (5xx, timeouts)."""
    max_p95_ms: float | None = None
    """Bound on the 95th percentile latency of the candidate's answers, milliseconds."""
    min_requests: int = DEFAULT_MIN_REQUESTS
    """Fewer answers than this: not enough data yet (undecided)."""

    def __post_init__(self) -> None:
        rate = self.max_error_rate
        if rate is not None and (
            isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0.0 <= rate <= 1.0
        ):
            raise GateError(f"the error rate bound must be a fraction from 0 to 1 (5% is 0.05), got {rate!r}")
        p95 = self.max_p95_ms
        if p95 is not None and (
            isinstance(p95, bool) or not isinstance(p95, (int, float)) or not math.isfinite(p95) or p95 <= 0
        ):
            raise GateError(f"the p95 latency bound must be a positive number of milliseconds, got {p95!r}")
        least = self.min_requests
        if isinstance(least, bool) or not isinstance(least, int) or least < 1:
            raise GateError(f"the minimum number of requests must be a whole number from 1, got {least!r}")

    @property
    def checks_anything(self) -> bool:
        return self.max_error_rate is not None or self.max_p95_ms is not None


@dataclass(frozen=True)
class Readings:
    """What was observed of one revision over a window."""

    requests: int
    errors: int
    p95_ms: float | None
    source: str
    """Where the numbers come from: "probe" or "prometheus"."""

    def __post_init__(self) -> None:
        if self.requests < 0 or not 0 <= self.errors <= self.requests:
            raise GateError(f"readings need 0 <= errors <= requests, got {self.errors} of {self.requests}")
        if self.p95_ms is not None and (not math.isfinite(self.p95_ms) or self.p95_ms < 0):
            raise GateError(
                f"a p95 latency must be a finite number of milliseconds from 0, got {self.p95_ms!r}"
            )

    @property
    def error_rate(self) -> float | None:
        """Failed answers over all answers; None without answers."""
        return self.errors / self.requests if self.requests else None


@dataclass(frozen=True)
class Verdict:
    passed: bool | None
    """None: undecided (too few requests, no readings, or a bound with nothing measured)."""
    reasons: tuple[str, ...]
    """Human words, one per check: "error rate 12.0% over 5.0% bound"."""


# ------------------------------------------------------------------------------------------ wording


def rate_text(rate: float) -> str:
    """A fraction as a percent with one decimal ("12.0%"): bounds like 0.5% stay visible."""
    return f"{rate * 100:.1f}%"


def ms_text(ms: float) -> str:
    """Milliseconds as people read them: whole above 10 ("812 ms"), one decimal below ("3.4 ms")."""
    return f"{ms:.0f} ms" if ms >= 10 else f"{ms:.1f} ms"


def describe(gate: Gate) -> str:
    """The gate in one line for a step's label: "errors ≤ 5.0%, p95 ≤ 500 ms (from 20 requests)"."""
    parts = []
    if gate.max_error_rate is not None:
        parts.append(f"errors ≤ {rate_text(gate.max_error_rate)}")
    if gate.max_p95_ms is not None:
        parts.append(f"p95 ≤ {ms_text(gate.max_p95_ms)}")
    if not parts:
        return "no bounds"
    return ", ".join(parts) + f" (from {gate.min_requests} requests)"


# ------------------------------------------------------------------------------------------ numbers


def percentile(values: Iterable[float], fraction: float = P95) -> float | None:
    """The nearest-rank percentile: the smallest observed value with at least `fraction` of all values at
    or below it (None without values). It is always a latency that was seen, never an interpolation."""
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"the fraction must be within (0, 1], got {fraction}")
    ordered = sorted(values)
    if not ordered:
        return None
    rank = math.ceil(fraction * len(ordered) - 1e-9)
    return ordered[max(rank, 1) - 1]


def p95(values: Iterable[float]) -> float | None:
    """The 95th percentile of latencies (nearest rank), None without any."""
    return percentile(values, P95)


# ------------------------------------------------------------------------------------------ verdict


def evaluate(gate: Gate, readings: Readings | None) -> Verdict:
    """Pass, fail or undecided, with one reason per check.

    Any bound exceeded fails the step, even when another bound could not be measured; a bound with nothing
    measured (no latency among the answers) leaves it undecided otherwise."""
    if readings is None:
        return Verdict(None, ("no readings yet",))
    if readings.requests < gate.min_requests:
        return Verdict(
            None,
            (f"{readings.requests} of {gate.min_requests} requests needed: not enough to judge yet",),
        )
    if not gate.checks_anything:
        return Verdict(True, (f"no bounds to check ({readings.requests} requests)",))
    outcomes: list[bool | None] = []
    reasons: list[str] = []
    rate = readings.error_rate
    if gate.max_error_rate is not None and rate is not None:
        over = rate > gate.max_error_rate + 1e-12
        outcomes.append(not over)
        word = "over" if over else "within"
        reasons.append(f"error rate {rate_text(rate)} {word} {rate_text(gate.max_error_rate)} bound")
    if gate.max_p95_ms is not None:
        if readings.p95_ms is None:
            outcomes.append(None)
            reasons.append(f"p95 not measured yet ({ms_text(gate.max_p95_ms)} bound)")
        else:
            over = readings.p95_ms > gate.max_p95_ms
            outcomes.append(not over)
            word = "over" if over else "within"
            reasons.append(f"p95 {ms_text(readings.p95_ms)} {word} {ms_text(gate.max_p95_ms)} bound")
    passed: bool | None
    if False in outcomes:
        passed = False
    elif None in outcomes:
        passed = None
    else:
        passed = True
    return Verdict(passed, tuple(reasons))
