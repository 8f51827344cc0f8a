"""The traffic patch, the split's text and the preview diff."""

import pytest

from app.model.patches import describe_split, diff_traffic, splits_equal, traffic_patch
from app.model.traffic import TrafficTarget


def test_patch_replaces_the_whole_list_conditionally(lab_targets: list[TrafficTarget]) -> None:
    assert traffic_patch(lab_targets, "42") == {
        "metadata": {"resourceVersion": "42"},
        "spec": {
            "traffic": [
                {"tag": "current", "revisionName": "customer-v3", "percent": 50},
                {"tag": "candidate", "revisionName": "customer-v4", "percent": 50},
                {"tag": "latest", "latestRevision": True, "percent": 0},
            ]
        },
    }


def test_patch_never_pins_a_floating_target() -> None:
    patch = traffic_patch([TrafficTarget(percent=100)], "7")
    assert patch["spec"] == {"traffic": [{"latestRevision": True, "percent": 100}]}


def test_patch_needs_a_resource_version(lab_targets: list[TrafficTarget]) -> None:
    with pytest.raises(ValueError, match="resourceVersion"):
        traffic_patch(lab_targets, "")


def test_describe_split(lab_targets: list[TrafficTarget]) -> None:
    assert (
        describe_split(lab_targets) == "current customer-v3 50%, candidate customer-v4 50%, latest @latest 0%"
    )
    assert describe_split([TrafficTarget(revision_name="customer-v3")]) == "customer-v3 0%"
    assert describe_split([]) == "no traffic targets"


def test_splits_equal_compares_defaulted_blocks(lab_targets: list[TrafficTarget]) -> None:
    explicit = [
        TrafficTarget(tag="current", revision_name="customer-v3", latest_revision=False, percent=50),
        TrafficTarget(tag="candidate", revision_name="customer-v4", latest_revision=False, percent=50),
        TrafficTarget(tag="latest", latest_revision=True, percent=0),
    ]
    assert splits_equal(lab_targets, explicit)
    assert not splits_equal(lab_targets, explicit[::-1])
    assert not splits_equal(
        lab_targets, [*explicit[:2], TrafficTarget(tag="latest", latest_revision=True, percent=1)]
    )
    assert splits_equal([], [TrafficTarget(latest_revision=True, percent=100)])


def test_diff_pairs_targets_by_tag_then_revision(lab_targets: list[TrafficTarget]) -> None:
    after = [
        TrafficTarget(tag="current", revision_name="customer-v3", percent=20),
        TrafficTarget(tag="candidate", revision_name="customer-v4", percent=50),
        TrafficTarget(revision_name="customer-v5", percent=30),
    ]
    rows = diff_traffic(lab_targets, after)
    assert [(r.key, r.change, r.percent_before, r.percent_after) for r in rows] == [
        ("tag:current", "changed", 50, 20),
        ("tag:candidate", "unchanged", 50, 50),
        ("target:customer-v5", "added", 0, 30),
        ("tag:latest", "removed", 0, 0),
    ]
