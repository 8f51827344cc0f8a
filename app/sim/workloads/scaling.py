"""The autoscaler's arithmetic: a revision's scale annotations, its observed load, its desired pods.

A simplified Knative Pod Autoscaler (KPA), chosen to be predictable in a demo:

- observed concurrency = requests in flight + arrivals in the last `window` seconds x `request_seconds`
  / `window` (Little's law: arrival rate times the time a simulated request would take);
- desired pods = ceil(concurrency / target), `autoscaling.knative.dev/target` defaulting to 100;
- a revision that served a request in the last `grace` seconds (or has one in flight) keeps at least
  one pod; after `grace` seconds without requests it may go to zero (scale to zero);
- a routed revision keeps `min-scale` pods and, for the first `grace` seconds of its life,
  `initial-scale` pods; a reserve (unrouted) revision ignores both;
- `max-scale` (0 = unbounded) caps the result.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

MIN_SCALE = "autoscaling.knative.dev/min-scale"
MAX_SCALE = "autoscaling.knative.dev/max-scale"
INITIAL_SCALE = "autoscaling.knative.dev/initial-scale"
TARGET = "autoscaling.knative.dev/target"
# The original camelCase spellings, still accepted by Knative.
_LEGACY = {
    MIN_SCALE: "autoscaling.knative.dev/minScale",
    MAX_SCALE: "autoscaling.knative.dev/maxScale",
    INITIAL_SCALE: "autoscaling.knative.dev/initialScale",
}
DEFAULT_TARGET = 100.0


@dataclass(frozen=True)
class ScalePolicy:
    """A revision's scale bounds (from its annotations); max_scale 0 means unbounded."""

    min_scale: int = 0
    max_scale: int = 0
    initial_scale: int = 1
    target: float = DEFAULT_TARGET

    @classmethod
    def from_annotations(cls, annotations: Mapping[str, str] | None) -> ScalePolicy:
        """The policy the annotations ask for; a missing or malformed value keeps Knative's default
        (the admission webhook is where malformed values are refused)."""
        found = annotations or {}
        defaults = cls()
        return cls(
            min_scale=_count(found, MIN_SCALE, defaults.min_scale),
            max_scale=_count(found, MAX_SCALE, defaults.max_scale),
            initial_scale=_count(found, INITIAL_SCALE, defaults.initial_scale),
            target=_target(found.get(TARGET), defaults.target),
        )


def _count(annotations: Mapping[str, str], key: str, default: int) -> int:
    raw = annotations.get(key, annotations.get(_LEGACY[key]))
    try:
        value = int(str(raw).strip()) if raw is not None else default
    except ValueError:
        return default
    return value if value >= 0 else default


def _target(raw: str | None, default: float) -> float:
    try:
        value = float(raw) if raw is not None else default
    except ValueError:
        return default
    return value if value > 0 and math.isfinite(value) else default


@dataclass
class Load:
    """The requests one revision has seen: in flight now, and recent arrivals (monotonic seconds)."""

    in_flight: int = 0
    last_request: float | None = None
    arrivals: deque[float] = field(default_factory=deque)

    def arrive(self, now: float) -> None:
        """A request starts."""
        self.in_flight += 1
        self.arrivals.append(now)
        self.last_request = now

    def finish(self, now: float) -> None:
        """A request ends."""
        self.in_flight = max(0, self.in_flight - 1)
        self.last_request = now

    def concurrency(self, now: float, window: float, request_seconds: float) -> float:
        """In-flight requests plus the Little's-law estimate from arrivals within `window`."""
        while self.arrivals and self.arrivals[0] <= now - window:
            self.arrivals.popleft()
        return self.in_flight + len(self.arrivals) * request_seconds / window

    def active(self, now: float, grace: float) -> bool:
        """Whether a request is in flight or ended less than `grace` seconds ago."""
        if self.in_flight:
            return True
        return self.last_request is not None and now - self.last_request < grace


def desired_scale(policy: ScalePolicy, concurrency: float, *, active: bool, young: bool, routed: bool) -> int:
    """How many pods the revision should have (see the module docstring for the rules).

    `young`: the revision appeared less than a grace period ago; `routed`: it is not a reserve revision.
    """
    want = math.ceil(concurrency / policy.target - 1e-9) if concurrency > 0 else 0
    if active:
        want = max(want, 1)
    if routed:
        want = max(want, policy.min_scale)
        if young:
            want = max(want, policy.initial_scale)
    if policy.max_scale:
        want = min(want, policy.max_scale)
    return want
