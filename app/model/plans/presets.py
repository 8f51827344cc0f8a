"""The common shapes of a rollout plan, ready to start (or to edit before starting)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from app.model.gates import Gate
from app.model.plans.plan import PlanStep

CANARY_GATE = Gate(max_error_rate=0.05, max_p95_ms=500.0, min_requests=20)
"""At most 5% of the candidate's answers failed and a p95 latency within half a second."""

DEMO_GATE = Gate(max_error_rate=0.05, max_p95_ms=500.0, min_requests=5)
"""The canary's bounds over the few requests a demo's short steps see."""

PRESETS: Mapping[str, tuple[PlanStep, ...]] = MappingProxyType(
    {
        "canary": (
            PlanStep(10, 300.0, CANARY_GATE),
            PlanStep(25, 300.0, CANARY_GATE),
            PlanStep(50, 600.0, CANARY_GATE),
            PlanStep(100, 0.0),
        ),
        "linear": (
            PlanStep(25, 300.0),
            PlanStep(50, 300.0),
            PlanStep(75, 300.0),
            PlanStep(100, 0.0),
        ),
        "blue-green": (
            PlanStep(0, None),
            PlanStep(100, 0.0),
        ),
        "quick demo": (
            PlanStep(10, 10.0, DEMO_GATE),
            PlanStep(25, 10.0, DEMO_GATE),
            PlanStep(50, 10.0, DEMO_GATE),
            PlanStep(100, 0.0),
        ),
    }
)
"""Preset name -> its steps (the candidate's percent, the pause in seconds or None to wait for you, and
a gate). "blue-green" first holds the candidate at 0% (reachable by its tag) until you resume, then
switches all traffic at once."""
