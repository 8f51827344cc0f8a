"""The rollout duration's validation and patch, and a rollout in progress as the Service row shows it.

Facts from knative/serving: `pkg/apis/serving/metadata_validation.go` (ValidateRolloutDurationAnnotation)
and its test table `metadata_validation_test.go` ("invalid value: five minutes and 6 seconds", "-211s
must be positive", "211s44ms is not at second precision"); `pkg/apis/serving/register.go` (the key and
its older spelling, first present wins); `pkg/reconciler/route/traffic/rollout.go` (the annotation's
shape and step parameters)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.model.gradual import (
    DurationChange,
    annotation_changes,
    go_duration_ns,
    kn_annotation_flag,
    rollout_duration_of,
    rollout_progress,
    validate_rollout_duration,
)
from app.model.history import change_message, parse_change, parse_rollout
from app.model.rollouts import (
    KINGRESS_ROLLOUT_ANNOTATION,
    SECOND,
    ConfigurationRollout,
    RevisionShare,
    Rollout,
    StepParams,
)
from app.model.traffic import TrafficTarget

KEY = "serving.knative.dev/rollout-duration"
OLD_KEY = "serving.knative.dev/rolloutDuration"
PATH = f"metadata.annotations.{KEY}"


@pytest.mark.parametrize(
    ("text", "nanos"),
    [
        ("0", 0),
        ("0s", 0),
        ("90s", 90 * SECOND),
        ("1m30s", 90 * SECOND),
        ("1.5h", 5400 * SECOND),
        ("211s44ms", 211 * SECOND + 44_000_000),
        ("-211s", -211 * SECOND),
        ("+3s", 3 * SECOND),
        (".5s", SECOND // 2),
        ("1\u00b5s", 1000),
        ("5", None),
        ("ten seconds", None),
        ("", None),
        ("-", None),
        ("1d", None),
        ("3000000h", None),
    ],
)
def test_go_duration_ns_parses_as_go(text: str, nanos: int | None) -> None:
    assert go_duration_ns(text) == nanos


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("five minutes and 6 seconds", "invalid value: five minutes and 6 seconds"),
        ("120000000000", "invalid value: 120000000000"),
        ("-211s", "rollout-duration=-211s must be positive"),
        ("211s44ms", "rollout-duration=211s44ms is not at second precision"),
        ("-1.5s", "rollout-duration=-1.5s is not at second precision"),
    ],
)
def test_bad_values_get_the_webhooks_message(value: str, message: str) -> None:
    assert [str(e) for e in validate_rollout_duration({KEY: value})] == [f"{message}: {PATH}"]


@pytest.mark.parametrize("value", ["", "0s", "4s", "2m", "3000ms", "1h5m"])
def test_good_values_pass(value: str) -> None:
    assert validate_rollout_duration({KEY: value}) == []


def test_the_first_spelling_present_is_the_one_read_and_validated() -> None:
    assert rollout_duration_of({OLD_KEY: "9s"}) == (OLD_KEY, "9s")
    assert rollout_duration_of({KEY: "", OLD_KEY: "9s"}) == (KEY, "")
    errors = validate_rollout_duration({OLD_KEY: "nine"})
    assert [str(e) for e in errors] == [f"invalid value: nine: metadata.annotations.{OLD_KEY}"]


def test_a_change_sets_the_key_and_drops_the_older_spelling() -> None:
    assert annotation_changes(DurationChange("4s")) == {KEY: "4s", OLD_KEY: None}
    assert annotation_changes(DurationChange("")) == {KEY: None, OLD_KEY: None}
    assert kn_annotation_flag(DurationChange("4s")) == f"--annotation {KEY}=4s"
    assert kn_annotation_flag(DurationChange("")) == f"--annotation {KEY}-"


def test_history_message_carries_the_duration_and_still_reads_back() -> None:
    split = [TrafficTarget(latest_revision=True, percent=100)]
    message = change_message(split, split, "alice", ("", "4s"))
    assert message == "Traffic changed by alice: @latest 100% -> @latest 100%\nRollout duration: none -> 4s"
    assert parse_change(message, "alice") == (tuple(split), tuple(split))
    assert parse_rollout(message) == ("", "4s")
    assert parse_rollout(change_message(split, split, "alice")) is None
    assert parse_change(message + "\nmore", "alice") is None


NOW = datetime(2026, 12, 7, 14, 0, 0, tzinfo=UTC)
NOW_NS = int(NOW.timestamp()) * SECOND


def _kingress(rollout: Rollout) -> dict[str, object]:
    return {
        "metadata": {"name": "customer", "annotations": {KINGRESS_ROLLOUT_ANNOTATION: rollout.annotation()}}
    }


def test_progress_from_the_kingress_annotation_has_the_timing() -> None:
    moving = ConfigurationRollout(
        "customer",
        "",
        100,
        (RevisionShare("customer-v1", 63), RevisionShare("customer-v2", 37)),
        StepParams(
            start_time=NOW_NS - 40 * SECOND,
            next_step_time=NOW_NS + 12 * SECOND,
            step_duration=20 * SECOND,
            step_size=9,
        ),
    )
    (progress,) = rollout_progress(None, _kingress(Rollout((moving,))), NOW)
    assert (progress.candidate, progress.percent, progress.goal, progress.done_percent) == (
        "customer-v2",
        37,
        100,
        37,
    )
    assert progress.previous == (("customer-v1", 63),)
    assert progress.next_step_in == 12
    # 63% left in steps of 9%: 7 steps, the first in 12 s, then one every 20 s.
    assert progress.ends_at == datetime(2026, 12, 7, 14, 2, 12, tzinfo=UTC)


def test_no_progress_when_the_rollout_is_done() -> None:
    steady = ConfigurationRollout("customer", "", 100, (RevisionShare("customer-v2", 100),))
    route = {"status": {"traffic": [{"revisionName": "customer-v2", "latestRevision": True, "percent": 100}]}}
    assert rollout_progress(route, _kingress(Rollout((steady,))), NOW) == ()


def test_progress_from_the_route_status_alone_has_no_timing() -> None:
    route = {
        "status": {
            "traffic": [
                {"tag": "current", "revisionName": "customer-v1", "latestRevision": False, "percent": 0},
                {"revisionName": "customer-v1", "latestRevision": True, "percent": 80},
                {"revisionName": "customer-v2", "latestRevision": True, "percent": 20},
            ]
        }
    }
    (progress,) = rollout_progress(route, None, NOW)
    assert (progress.tag, progress.candidate, progress.percent, progress.goal) == ("", "customer-v2", 20, 100)
    assert progress.next_step_in is None and progress.ends_at is None


def test_before_the_first_step_is_ready_the_timing_is_unknown() -> None:
    started = ConfigurationRollout(
        "customer",
        "",
        100,
        (RevisionShare("customer-v1", 99), RevisionShare("customer-v2", 1)),
        StepParams(start_time=NOW_NS),
    )
    (progress,) = rollout_progress(None, _kingress(Rollout((started,))), NOW)
    assert (progress.percent, progress.next_step_in, progress.ends_at) == (1, None, None)


def test_a_tag_moving_as_the_routes_split_does_is_shown_once() -> None:
    shares = (RevisionShare("customer-v1", 60), RevisionShare("customer-v2", 40))
    params = StepParams(start_time=NOW_NS, next_step_time=NOW_NS + SECOND, step_duration=SECOND, step_size=20)
    both = Rollout(
        (
            ConfigurationRollout("customer", "", 100, shares, params),
            ConfigurationRollout("customer", "latest", 100, shares, params),
        )
    )
    assert [r.tag for r in rollout_progress(None, _kingress(both), NOW)] == [""]
    other = Rollout(
        (
            ConfigurationRollout("customer", "", 100, shares, params),
            ConfigurationRollout("customer", "candidate", 100, (RevisionShare("customer-v2", 100),)),
            ConfigurationRollout("customer", "next", 100, shares[::-1], params),
        )
    )
    assert [r.tag for r in rollout_progress(None, _kingress(other), NOW)] == ["", "next"]
