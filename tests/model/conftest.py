"""Fixtures of the model tests: the lab's traffic block."""

import pytest

from app.model.traffic import TrafficTarget

LAB_TRAFFIC: list[dict[str, object]] = [
    {"tag": "current", "revisionName": "customer-v3", "percent": 50},
    {"tag": "candidate", "revisionName": "customer-v4", "percent": 50},
    {"tag": "latest", "latestRevision": True, "percent": 0},
]


@pytest.fixture
def lab_traffic() -> list[dict[str, object]]:
    """The lab's `customer-traffic-split.yml` block as JSON (a fresh copy per test)."""
    return [dict(item) for item in LAB_TRAFFIC]


@pytest.fixture
def lab_targets() -> list[TrafficTarget]:
    """The lab's block parsed (not defaulted)."""
    return [
        TrafficTarget(tag="current", revision_name="customer-v3", percent=50),
        TrafficTarget(tag="candidate", revision_name="customer-v4", percent=50),
        TrafficTarget(tag="latest", latest_revision=True, percent=0),
    ]
