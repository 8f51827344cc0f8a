"""A plan's steps and their splits: every target and tag kept, Knative's validation, clear refusals."""

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.model.patches import splits_equal
from app.model.plans import PRESETS, PlanError, PlanStep, new_plan, split_share, step_problems, step_split
from app.model.plans.plan import seconds_between, stamp
from app.model.traffic import TrafficTarget, default_traffic, validate_traffic

LAB = (
    TrafficTarget(tag="current", revision_name="customer-v3", percent=50),
    TrafficTarget(tag="candidate", revision_name="customer-v4", percent=50),
    TrafficTarget(tag="latest", latest_revision=True, percent=0),
)
REVISIONS = {"customer-v1", "customer-v2", "customer-v3", "customer-v4"}


def test_a_step_moves_the_candidate_and_baseline_and_keeps_every_tag() -> None:
    split = step_split(LAB, "customer-v4", "customer-v3", 10)
    assert [(t.tag, t.revision_name, t.percent) for t in split] == [
        ("current", "customer-v3", 90),
        ("candidate", "customer-v4", 10),
        ("latest", None, 0),
    ]
    assert split[2].latest_revision is True
    assert not validate_traffic(split)


def test_other_revisions_drop_to_zero_but_stay() -> None:
    three = (
        TrafficTarget(revision_name="customer-v2", percent=20),
        TrafficTarget(revision_name="customer-v3", percent=80),
        TrafficTarget(tag="old", revision_name="customer-v1", percent=0),
    )
    split = step_split(three, "customer-v3", "customer-v2", 25)
    assert [(t.tag, t.revision_name, t.percent) for t in split] == [
        (None, "customer-v2", 75),
        (None, "customer-v3", 25),
        ("old", "customer-v1", 0),
    ]


def test_a_revision_missing_from_the_block_is_appended_pinned() -> None:
    only_latest = (TrafficTarget(latest_revision=True, percent=100),)
    split = step_split(only_latest, "customer-v4", "customer-v3", 10)
    assert [(t.revision_name, t.latest_revision, t.percent) for t in split] == [
        (None, True, 0),
        ("customer-v4", False, 10),
        ("customer-v3", False, 90),
    ]
    # At 100% the baseline needs no target of its own.
    assert [t.revision_name for t in step_split(only_latest, "customer-v4", "customer-v3", 100)] == [
        None,
        "customer-v4",
    ]


def test_the_untagged_target_of_a_revision_takes_its_share() -> None:
    block = (
        TrafficTarget(tag="canary", revision_name="customer-v4", percent=0),
        TrafficTarget(revision_name="customer-v4", percent=0),
        TrafficTarget(revision_name="customer-v3", percent=100),
    )
    split = step_split(block, "customer-v4", "customer-v3", 30)
    assert [t.percent for t in split] == [0, 30, 70]


revision = st.sampled_from(["customer-v1", "customer-v2", "customer-v3", "customer-v4"])
tags = st.one_of(st.none(), st.sampled_from(["a", "b", "c", "current", "candidate", "latest"]))
target = st.builds(
    TrafficTarget,
    tag=tags,
    revision_name=st.one_of(st.none(), revision),
    percent=st.integers(0, 100),
)


@given(st.lists(target, max_size=6), revision, revision, st.integers(0, 100))
def test_a_decided_split_sums_to_100_and_keeps_every_target_and_tag(
    block: list[TrafficTarget], candidate: str, baseline: str, percent: int
) -> None:
    if candidate == baseline:
        return
    split = step_split(block, candidate, baseline, percent)
    assert sum(t.percent or 0 for t in split) == 100
    assert split_share(split, candidate) == percent
    assert split_share(split, baseline) == 100 - percent
    # Every target stays where it was, only its percent may change.
    kept = [(t.tag, t.revision_name, t.latest_revision) for t in split[: len(block)]]
    assert kept == [(t.tag, t.revision_name, t.latest_revision) for t in default_traffic(block)] or not block
    assert [t.tag for t in split if t.tag] == [t.tag for t in block if t.tag]


def plan_steps(*percents: int) -> tuple[PlanStep, ...]:
    return tuple(PlanStep(p, 1.0) for p in percents)


def test_new_plan_remembers_the_split_it_started_from() -> None:
    plan = new_plan(
        candidate="customer-v4",
        baseline="customer-v3",
        steps=plan_steps(10, 50, 100),
        current=LAB,
        revisions=REVISIONS,
        created_by="alice",
        created_at="2026-12-07T20:00:00Z",
    )
    assert splits_equal(plan.started_from, LAB)
    assert plan.started_from[0].latest_revision is False  # stored defaulted, as the server keeps it


@pytest.mark.parametrize(
    ("candidate", "baseline", "steps", "message"),
    [
        ("customer-v9", "customer-v3", plan_steps(10), "the candidate 'customer-v9' is not a revision"),
        ("customer-v4", "", plan_steps(10), "choose a baseline revision"),
        ("customer-v4", "customer-v4", plan_steps(10), "the candidate and the baseline are the same"),
        ("customer-v4", "customer-v3", (), "a plan needs at least one step"),
        ("customer-v4", "customer-v3", plan_steps(50, 25), "must increase from step to step (50% then 25%)"),
        ("customer-v4", "customer-v3", plan_steps(10, 10), "must increase from step to step (10% then 10%)"),
        ("customer-v4", "customer-v3", plan_steps(10, 101), "step 2: expected 0 <= 101 <= 100 percent"),
        ("customer-v4", "customer-v3", plan_steps(-1), "step 1: expected 0 <= -1 <= 100 percent"),
        ("customer-v4", "customer-v3", (PlanStep(10, -1.0),), "step 1: the pause must be 0 to 604800"),
        ("customer-v4", "customer-v3", (PlanStep(10, float("nan")),), "step 1: the pause must be"),
        ("customer-v4", "customer-v3", plan_steps(*range(1, 23)), "at most 20 steps, this one has 22"),
    ],
)
def test_bad_plans_are_refused_with_a_clear_message(
    candidate: str, baseline: str, steps: tuple[PlanStep, ...], message: str
) -> None:
    with pytest.raises(PlanError) as raised:
        new_plan(
            candidate=candidate,
            baseline=baseline,
            steps=steps,
            current=LAB,
            revisions=REVISIONS,
            created_by="alice",
            created_at="",
        )
    assert message in str(raised.value)


def test_a_split_knative_refuses_is_refused_with_knatives_message() -> None:
    # Two targets with one tag: the block is invalid whatever the plan does; the webhook's words say so.
    twice = (
        TrafficTarget(tag="x", revision_name="customer-v3", percent=100),
        TrafficTarget(tag="x", revision_name="customer-v4", percent=0),
    )
    with pytest.raises(PlanError, match=r'step 1: Multiple definitions for "x": spec.traffic\[0\].tag'):
        new_plan(
            candidate="customer-v4",
            baseline="customer-v3",
            steps=plan_steps(10),
            current=twice,
            revisions=REVISIONS,
            created_by="alice",
            created_at="",
        )


def test_presets_are_valid_plans() -> None:
    for name, steps in PRESETS.items():
        assert not step_problems(steps), name
    assert [s.percent for s in PRESETS["canary"]] == [10, 25, 50, 100]
    assert PRESETS["blue-green"][0].waits_for_me


def test_stamps_keep_milliseconds() -> None:
    moment = datetime(2026, 12, 7, 20, 0, 0, 250_000, tzinfo=UTC)
    assert stamp(moment) == "2026-12-07T20:00:00.250Z"
    assert seconds_between(stamp(moment), datetime(2026, 12, 7, 20, 0, 1, tzinfo=UTC)) == 0.75
    assert seconds_between("not a time", moment) == 0.0
