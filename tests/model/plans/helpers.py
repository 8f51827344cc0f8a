"""A lab plan to decide about, at fixed times."""

from datetime import UTC, datetime, timedelta

from app.model.gates import Gate
from app.model.plans import Plan, PlanStep, new_plan
from app.model.traffic import TrafficTarget

LAB = (
    TrafficTarget(tag="current", revision_name="customer-v3", percent=50),
    TrafficTarget(tag="candidate", revision_name="customer-v4", percent=50),
    TrafficTarget(tag="latest", latest_revision=True, percent=0),
)
T0 = datetime(2026, 12, 7, 20, 0, 0, tzinfo=UTC)
GATE = Gate(max_error_rate=0.05, max_p95_ms=500.0, min_requests=10)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def lab_plan(*steps: PlanStep) -> Plan:
    return new_plan(
        candidate="customer-v4",
        baseline="customer-v3",
        steps=steps or (PlanStep(10, 1.0), PlanStep(50, 1.0), PlanStep(100, 0.0)),
        current=LAB,
        revisions={"customer-v3", "customer-v4"},
        created_by="alice",
        created_at="2026-12-07T20:00:00.000Z",
    )
