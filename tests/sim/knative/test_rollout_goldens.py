"""Gradual rollouts as Knative Serving 1.23 makes them, against goldens read from upstream
(knative/serving at knative-v1.23.0): the stepping maths on its own, then the simulated Route
reconciler keeping the state in the KIngress's `networking.internal.knative.dev/rollout` annotation.

The cluster tests run the rollout clock faster than the wall clock (SimSettings.time_scale): the step
parameters stay upstream's numbers in Knative seconds. Their exact values assume the first 1% is seen
ready within one Knative second of the start, which the chosen scales leave hundreds of wall
milliseconds for. Each test names the upstream file(s) its facts come from."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from app.model.naming import DomainConfig
from app.model.rollouts import (
    SECOND,
    ConfigurationRollout,
    RevisionShare,
    Rollout,
    StepParams,
    go_duration,
    observe_ready,
    read_rollout,
    rollout_duration,
    step,
    step_revisions,
)
from app.model.routing import ResolvedTarget, host_rules, status_traffic
from app.sim.building import KnativeCluster, build_cluster
from app.sim.knative.settings import SimSettings
from app.sim.scenarios.applying import apply_object
from app.sim.storage.errors import ApiError
from app.sim.storage.resources import KINGRESSES, KNATIVE_SERVICES, ROUTES
from tests.sim.knative.reading import condition
from tests.support.builders import knative_service

NS = "rollouts"
ANNOTATION = "networking.internal.knative.dev/rollout"
OLD, NEW, NEWER = "roll-00001", "roll-00002", "roll-00003"
T = TypeVar("T")


def _config(
    name: str, percent: int, *revisions: tuple[str, int], tag: str = "", **params: int
) -> ConfigurationRollout:
    shares = tuple(RevisionShare(r, p) for r, p in revisions)
    return ConfigurationRollout(name, tag, percent, shares, StepParams(**params))


# --- The stepping maths (pkg/reconciler/route/traffic/rollout_test.go) ---------------------------------


def test_a_new_revision_starts_at_one_percent() -> None:
    """rollout_test.go TestStep "simplest, roll" and "roll, where sum < 100%": a new latest revision
    takes 1% from the previous one, the old step parameters are dropped and the start is stamped;
    nothing is due until the ingress is ready (next step 0)."""
    now = 2020
    previous = Rollout((_config("mick", 100, ("goat-head-soup", 100), next_step_time=1984, step_size=11),))
    wanted = Rollout((_config("mick", 100, ("let-it-bleed", 100)),))
    assert step(wanted, previous, now) == (
        Rollout((_config("mick", 100, ("goat-head-soup", 99), ("let-it-bleed", 1), start_time=now),)),
        0,
    )
    previous = Rollout((_config("brian", 70, ("exile-on-main-st", 70)),))
    wanted = Rollout((_config("brian", 70, ("let-it-bleed", 70)),))
    got, _ = step(wanted, previous, now)
    assert got.configurations[0].revisions == (
        RevisionShare("exile-on-main-st", 69),
        RevisionShare("let-it-bleed", 1),
    )


def test_the_newest_older_revision_gives_up_traffic_first() -> None:
    """rollout_test.go TestStep "roll with two existing revisions, no deletes", "roll with delete
    (two fast successive rolls)" and TestStepRevisions "step last, delete some": the 1% for a new
    revision and every step come off the newest older revision, which is dropped at 0%."""
    now = 2020
    previous = Rollout(
        (_config("mick", 100, ("goat-head-soup", 95), ("beggars-banquet", 5), start_time=now - 1982),)
    )
    wanted = Rollout((_config("mick", 100, ("sticky-fingers", 100)),))
    got, _ = step(wanted, previous, now)
    assert got.configurations[0].revisions == (
        RevisionShare("goat-head-soup", 95),
        RevisionShare("beggars-banquet", 4),
        RevisionShare("sticky-fingers", 1),
    )
    previous = Rollout((_config("mick", 100, ("goat-head-soup", 99), ("bridges-to-babylon", 1)),))
    wanted = Rollout((_config("mick", 100, ("between-the-buttons", 100)),))
    got, _ = step(wanted, previous, now)
    assert got.configurations[0].revisions == (
        RevisionShare("goat-head-soup", 99),
        RevisionShare("between-the-buttons", 1),
    )
    rolling = _config(
        "c", 90, ("a", 22), ("b", 5), ("c", 3), ("d", 60), next_step_time=1984, step_size=10, step_duration=55
    )
    assert step_revisions(rolling, 1988) == _config(
        "c", 90, ("a", 20), ("d", 70), next_step_time=1988 + 55, step_size=10, step_duration=55
    )


def test_steps_wait_for_their_time_and_the_last_one_clears_the_parameters() -> None:
    """rollout_test.go TestStep "simplest, step" and TestStepRevisions "noop (1): too soon", "over
    target now": a step moves stepSize when due and schedules the next one; the newest revision never
    gets more than the target's percent, and the end clears stepParams."""
    previous = Rollout(
        (
            _config(
                "mick",
                100,
                ("their-satanic-majesties-request", 95),
                ("let-it-bleed", 5),
                next_step_time=2019,
                step_duration=5,
                start_time=2004,
                step_size=3,
            ),
        )
    )
    wanted = Rollout((_config("mick", 100, ("let-it-bleed", 100)),))
    got, due = step(wanted, previous, 2020)
    assert (got, due) == (
        Rollout(
            (
                _config(
                    "mick",
                    100,
                    ("their-satanic-majesties-request", 92),
                    ("let-it-bleed", 8),
                    next_step_time=2025,
                    step_duration=5,
                    start_time=2004,
                    step_size=3,
                ),
            )
        ),
        2025,
    )
    early = _config("c", 75, ("a", 10), ("b", 5), ("c", 60), next_step_time=1984, step_size=10)
    assert step_revisions(early, 1982) == early
    over = _config("c", 15, ("a", 5), ("b", 1), ("c", 1), ("d", 8), next_step_time=1984, step_size=10)
    assert step_revisions(over, 1988) == _config("c", 15, ("d", 15))


def test_step_parameters_once_the_ingress_is_ready() -> None:
    """rollout_test.go TestObserveReady: the first 1% took at least a second; the rest of the duration
    is cut into equal steps (no more than the percents left), sizes rounded half away from zero."""
    now, olden, ancient, duration = 200620092020 + 1982, 198219841988, 14921812, 120.0
    rollout = Rollout(
        (
            _config("has-step", 100, step_duration=11),
            _config("no-step-no-begin", 100),
            _config("step-begin < 1s", 100, start_time=200620092020),
            _config("step-begin > 1s", 100, start_time=olden),
            _config("round up", 75, start_time=olden),
            _config("Percent not 100%", 50, start_time=olden),
            _config("dias antiguos", 13, start_time=ancient),
        )
    )
    got = {c.configuration_name: c.step_params for c in observe_ready(rollout, now, duration).configurations}
    assert got["has-step"] == StepParams(step_duration=11)
    assert got["no-step-no-begin"] == StepParams()
    assert got["step-begin < 1s"] == StepParams(200620092020, now + 1202020202, 1202020202, 1)
    assert got["step-begin > 1s"] == StepParams(olden, now + 3 * SECOND, 3 * SECOND, 3)
    assert got["round up"] == StepParams(olden, now + 3 * SECOND, 3 * SECOND, 75 // 40 + 1)
    assert got["Percent not 100%"] == StepParams(olden, now + 3 * SECOND, 3 * SECOND, 50 // 40)
    assert got["dias antiguos"] == StepParams(ancient, now + SECOND, SECOND, 12)


def test_targets_and_tags_that_do_not_roll() -> None:
    """rollout_test.go TestStep "a/b config, roll both", "new tag, no roll", "deleted config, no
    roll", "roll with percentage change down": a 1% target never rolls, a tag the previous state did
    not have starts settled, a removed configuration is forgotten, and a changed percent is taken
    off the oldest revisions before the new one's 1%."""
    now = 2020
    previous = Rollout(
        (
            _config("keith", 99, ("can't-get-no-satisfaction", 99)),
            _config("mick", 1, ("get-off-my-cloud", 1)),
        )
    )
    wanted = Rollout((_config("keith", 99, ("black-on-blue", 99)), _config("mick", 1, ("only-rock", 1))))
    got, _ = step(wanted, previous, now)
    assert got == Rollout(
        (
            _config("keith", 99, ("can't-get-no-satisfaction", 98), ("black-on-blue", 1), start_time=now),
            _config("mick", 1, ("only-rock", 1)),
        )
    )
    tagged = Rollout(
        (_config("mick", 100, ("black-on-blue", 100)), _config("mick", 100, ("black-on-blue", 100), tag="j"))
    )
    assert step(tagged, Rollout((_config("mick", 100, ("black-on-blue", 100)),)), now) == (tagged, 0)
    previous = Rollout((_config("keith", 50, ("black-on-blue", 50)), _config("mick", 50, ("only-rock", 50))))
    wanted = Rollout((_config("mick", 100, ("only-rock", 100)),))
    assert step(wanted, previous, now) == (wanted, 0)
    previous = Rollout((_config("mick", 42, ("goat-head-soup", 11), ("aftermath", 31)),))
    got, _ = step(Rollout((_config("mick", 33, ("let-it-bleed", 33)),)), previous, now)
    assert got.configurations[0].revisions == (
        RevisionShare("goat-head-soup", 2),
        RevisionShare("aftermath", 30),
        RevisionShare("let-it-bleed", 1),
    )


def test_the_annotation_as_serving_writes_and_validates_it() -> None:
    """rollout.go (the JSON tags, omitempty) and reconcile_resources.go (deserializeRollout: a
    malformed or invalid annotation is dropped), with rollout_test.go TestValidateFailures and the
    route table_test.go's simpleRollout annotation."""
    rollout = Rollout(
        (_config("config", 100, ("config-00000", 99), ("config-00001", 1), start_time=1600000000000000000),)
    )
    text = (
        '{"configurations":[{"configurationName":"config","percent":100,"revisions":'
        '[{"revisionName":"config-00000","percent":99},{"revisionName":"config-00001","percent":1}],'
        '"stepParams":{"starttime":1600000000000000000}}]}'
    )
    assert rollout.annotation() == text
    assert read_rollout(text) == rollout
    assert Rollout().annotation() == "{}"
    tagged = _config(
        "c", 100, ("r", 100), tag="t", start_time=1, next_step_time=2, step_duration=3, step_size=4
    )
    assert json.loads(Rollout((tagged,)).annotation())["configurations"][0] == {
        "configurationName": "c",
        "tag": "t",
        "percent": 100,
        "revisions": [{"revisionName": "r", "percent": 100}],
        "stepParams": {"starttime": 1, "nextStepTime": 2, "stepDuration": 3, "stepSize": 4},
    }
    invalid = [
        _config("over", 101, ("r", 101)),
        _config("step larger than total", 5, ("r", 5), step_size=6),
        _config("step negative", 5, ("r", 5), step_size=-1),
        _config("revisions short of the percent", 100, ("r", 99)),
    ]
    for configuration in invalid:
        assert read_rollout(Rollout((configuration,)).annotation()) is None, configuration
    assert read_rollout("not json") is None
    assert read_rollout('{"configurations":[{"configurationName":"c","percent":"100"}]}') is None
    assert read_rollout("") is None


def test_the_duration_in_whole_seconds() -> None:
    """pkg/apis/serving/v1/route_lifecycle.go (RolloutDuration: time.ParseDuration of the first
    annotation key present), reconcile_resources.go (reconcileRollout: int(seconds), 0 falls back to
    config-network's rollout-duration, <= 0 is no rollout)."""
    key = "serving.knative.dev/rollout-duration"
    assert rollout_duration({key: "60s"}) == 60
    assert rollout_duration({key: "1m30s"}) == 90
    assert rollout_duration({"serving.knative.dev/rolloutDuration": "2m"}) == 120
    assert rollout_duration({key: "500ms"}) == 0
    assert rollout_duration({key: "1999ms"}) == 1
    assert rollout_duration({key: "500ms"}, default_seconds=30) == 30
    assert rollout_duration({}, default_seconds=30) == 30
    assert rollout_duration({key: "-5s"}, default_seconds=30) == -5
    assert rollout_duration({key: "three hours"}) == 0
    assert (go_duration("1.5h"), go_duration("0"), go_duration("10"), go_duration(".s")) == (
        5400,
        0,
        None,
        None,
    )


def test_status_and_ingress_splits_during_a_rollout() -> None:
    """traffic_test.go TestRoundTrippingWithRollout (GetRevisionTrafficTargets: a latestRevision
    target lists its target name's rollout, each entry with the target's tag, url and latestRevision;
    a tagged one shows its tag's rollout) and resources/ingress.go (makeBaseIngressPath: a rolling
    configuration's revisions replace its target's split)."""
    example = DomainConfig(domain="example.com")
    targets = [
        ResolvedTarget(None, "good-old", 100, True, "good"),
        ResolvedTarget("beta", "good-new", 0, False),
        ResolvedTarget("alpha", "nice-new", 0, True, "nice"),
    ]
    rollout = Rollout(
        (
            _config("good", 100, ("older-rev", 56), ("good-old", 44)),
            _config("nice", 100, ("nice-old", 81), ("nice-new", 19), tag="alpha"),
        )
    )
    got = status_traffic("test-route", "test", targets, example, rollout=rollout)
    alpha_url = "http://alpha-test-route.test.example.com"
    assert got == [
        {"revisionName": "older-rev", "latestRevision": True, "percent": 56},
        {"revisionName": "good-old", "latestRevision": True, "percent": 44},
        {
            "tag": "beta",
            "revisionName": "good-new",
            "latestRevision": False,
            "percent": 0,
            "url": "http://beta-test-route.test.example.com",
        },
        {"tag": "alpha", "revisionName": "nice-old", "latestRevision": True, "percent": 81, "url": alpha_url},
        {"tag": "alpha", "revisionName": "nice-new", "latestRevision": True, "percent": 19, "url": alpha_url},
    ]
    rules = {r.tag: r.splits for r in host_rules("test-route", "test", targets, example, rollout=rollout)}
    assert rules[None] == (RevisionShare("older-rev", 56), RevisionShare("good-old", 44))
    assert rules["alpha"] == (RevisionShare("nice-old", 81), RevisionShare("nice-new", 19))
    assert rules["beta"] == (RevisionShare("good-new", 100),)


# --- The simulated Route reconciler (route.go, reconcile_resources.go) ---------------------------------


def _service(image: int, duration: str) -> dict[str, Any]:
    return knative_service(
        "roll",
        namespace=NS,
        image=f"ghcr.io/knative/helloworld-go:{image}",
        annotations={"serving.knative.dev/rollout-duration": duration},
    )


@pytest.fixture
def rollout_cluster(request: pytest.FixtureRequest) -> Iterator[KnativeCluster]:
    """Knative 1.23 with no delays, its rollout clock `request.param` times the wall clock, and the
    Service `roll` (image 1) ready."""
    settings = SimSettings(revision_ready_delay=0.0, retry_delay=0.01, time_scale=float(request.param))
    with build_cluster(scenario="empty", settings=settings, knative="current") as cluster:
        apply_object(cluster.store, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}})
        yield cluster


def _start(cluster: KnativeCluster, duration: str) -> None:
    apply_object(cluster.store, _service(1, duration))
    assert cluster.settle()


def _watch(
    cluster: KnativeCluster,
    resource: str,
    action: Callable[[], object],
    until: Callable[[dict[str, Any]], bool],
    timeout: float = 5.0,
) -> list[dict[str, Any]]:
    """The object `roll` of `resource` as it changes while `action` runs, up to the first version
    `until` accepts (AssertionError if none does within `timeout` seconds)."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    with cluster.store.watch(cluster.registry.get(resource), NS, copy=True) as watcher:
        action()
        while time.monotonic() < deadline:
            event = watcher.next(timeout=0.05)
            if event is None or event.object["metadata"]["name"] != "roll":
                continue
            seen.append(event.object)
            if until(event.object):
                return seen
    raise AssertionError(f"no {resource} roll as wanted within {timeout}s; last: {seen[-1:] or None}")


def _state(kingress: dict[str, Any]) -> dict[str, Any]:
    """The rollout state of the Route's split, as the KIngress annotation keeps it."""
    data = json.loads(kingress["metadata"]["annotations"][ANNOTATION])
    return dict(data["configurations"][0])


def _split(state: dict[str, Any]) -> dict[str, int]:
    return {r["revisionName"]: r["percent"] for r in state.get("revisions", [])}


def _distinct(states: list[T]) -> list[T]:
    """The states without immediate repeats (the objects change in other ways between them)."""
    out: list[T] = []
    for state in states:
        if not out or out[-1] != state:
            out.append(state)
    return out


def _new_image(cluster: KnativeCluster, image: int, duration: str) -> Callable[[], object]:
    return lambda: apply_object(cluster.store, _service(image, duration))


@pytest.mark.parametrize("rollout_cluster", [2], indirect=True)
def test_a_60s_rollout_starts_at_one_percent_with_upstreams_step_parameters(
    rollout_cluster: KnativeCluster,
) -> None:
    """rollout.go (stepConfig: the new revision at 1% and only the start stamped; ObserveReady and
    computeProperties once the KIngress is ready: 59 s left in 59 one-second steps of round(99/59) = 2%;
    stepRevisions), reconcile_resources.go (reconcileRollout: the previous state read from the
    KIngress annotation; ObserveReady when the ingress is ready and the Route's IngressReady is not)
    and route_test.go's table_test.go "new latest ready revision; rollout enabled"."""
    _start(rollout_cluster, "60s")
    found = _watch(
        rollout_cluster,
        KINGRESSES,
        _new_image(rollout_cluster, 2, "60s"),
        lambda k: _split(_state(k)).get(NEW, 0) > 1,
    )
    states = [s for s in _distinct([_state(k) for k in found]) if NEW in _split(s)]
    started, observed, stepped = states[0], states[1], states[2]
    start = started["stepParams"]["starttime"]
    assert started == {
        "configurationName": "roll",
        "percent": 100,
        "revisions": [{"revisionName": OLD, "percent": 99}, {"revisionName": NEW, "percent": 1}],
        "stepParams": {"starttime": start},
    }
    params = observed["stepParams"]
    assert observed["revisions"] == started["revisions"]
    assert (params["starttime"], params["stepDuration"], params["stepSize"]) == (start, SECOND, 2)
    # The first 1% was seen ready within its first Knative second: the next step is a second later.
    assert SECOND <= params["nextStepTime"] - start < 2 * SECOND
    assert _split(stepped) == {OLD: 97, NEW: 3}
    assert stepped["stepParams"]["nextStepTime"] >= params["nextStepTime"] + SECOND
    # The KIngress's splits are the annotation's while the rollout runs.
    splits = found[-1]["spec"]["rules"][0]["http"]["paths"][0]["splits"]
    assert {s["serviceName"]: s["percent"] for s in splits} == {OLD: 97, NEW: 3}


@pytest.mark.parametrize("rollout_cluster", [4], indirect=True)
def test_a_rollout_during_a_rollout_drains_the_newest_older_revision_first(
    rollout_cluster: KnativeCluster,
) -> None:
    """rollout.go (stepConfig: "By design we drain newest revision first", the 1% for a new revision
    from the last one with traffic; stepRevisions: readPos from the newest older revision down)."""
    _start(rollout_cluster, "60s")
    _watch(
        rollout_cluster,
        KINGRESSES,
        _new_image(rollout_cluster, 2, "60s"),
        lambda k: _split(_state(k)).get(NEW, 0) >= 3,
    )
    found = _watch(
        rollout_cluster,
        KINGRESSES,
        _new_image(rollout_cluster, 3, "60s"),
        lambda k: NEWER in _split(_state(k)) and NEW not in _split(_state(k)),
    )
    splits = [_split(s) for s in _distinct([_state(k) for k in found])]
    joined = next(i for i, s in enumerate(splits) if NEWER in s)
    before, first = splits[joined - 1], splits[joined]
    assert first == {OLD: before[OLD], NEW: before[NEW] - 1, NEWER: 1}
    # The oldest revision keeps its share for as long as the newer older one has any.
    assert all(s[OLD] == before[OLD] for s in splits[joined:] if NEW in s)
    assert splits[-1][NEWER] > 1


@pytest.mark.parametrize("rollout_cluster", [10], indirect=True)
@pytest.mark.parametrize(
    ("duration", "message"),
    [
        ("500ms", "rollout-duration=500ms is not at second precision"),
        ("-5s", "rollout-duration=-5s must be positive"),
        ("three hours", "invalid value: three hours"),
    ],
)
def test_a_duration_knative_cannot_take_is_refused_by_the_webhook(
    rollout_cluster: KnativeCluster, duration: str, message: str
) -> None:
    """metadata_validation.go (ValidateRolloutDurationAnnotation, under `metadata.annotations` from
    service_validation.go): a sub-second, negative or unparsable duration never reaches the Route
    reconciler, whose truncation (`int(r.RolloutDuration().Seconds())`) test_the_duration_in_whole_seconds
    covers."""
    with pytest.raises(ApiError) as refused:
        _start(rollout_cluster, duration)
    assert refused.value.code == 400
    assert refused.value.message == (
        'admission webhook "validation.webhook.serving.knative.dev" denied the request: validation failed: '
        f"{message}: metadata.annotations.serving.knative.dev/rollout-duration"
    )


@pytest.mark.parametrize("rollout_cluster", [5], indirect=True)
def test_status_traffic_shows_each_step_of_a_5s_rollout(rollout_cluster: KnativeCluster) -> None:
    """route.go (ReconcileKind: while the rollout is in progress, MarkIngressRolloutInProgress and
    status.traffic from GetRevisionTrafficTargets with the rollout, each entry latestRevision) and
    rollout.go (computeProperties' own example: "100% in 4 steps. 1% -> 26% -> 51% -> 76% -> 100%")."""
    _start(rollout_cluster, "5s")
    found = _watch(
        rollout_cluster,
        ROUTES,
        _new_image(rollout_cluster, 2, "5s"),
        lambda r: (
            r.get("status", {}).get("traffic")
            == [{"revisionName": NEW, "latestRevision": True, "percent": 100}]
        ),
    )
    traffic = _distinct([r["status"]["traffic"] for r in found if NEW in json.dumps(r["status"]["traffic"])])
    assert [[(t["revisionName"], t["percent"]) for t in entries] for entries in traffic] == [
        [(OLD, 99), (NEW, 1)],
        [(OLD, 74), (NEW, 26)],
        [(OLD, 49), (NEW, 51)],
        [(OLD, 24), (NEW, 76)],
        [(NEW, 100)],
    ]
    assert all(t["latestRevision"] is True and "tag" not in t for entries in traffic for t in entries)
    rolling = [r for r in found if len(r["status"]["traffic"]) == 2]
    assert {condition(r, "IngressReady")[1] for r in rolling} == {"RolloutInProgress"}
    assert rollout_cluster.settle()
    route = rollout_cluster.store.get(rollout_cluster.registry.get(ROUTES), NS, "roll")
    assert condition(route, "Ready") == ("True", "", "")


@pytest.mark.parametrize("rollout_cluster", [2], indirect=True)
def test_the_kingress_annotation_is_the_only_rollout_state(rollout_cluster: KnativeCluster) -> None:
    """reconcile_resources.go (reconcileRollout reads the previous state from the KIngress annotation
    alone; deserializeRollout drops one it cannot read, and Step without a previous state programs the
    traffic as asked) and resources/ingress.go (MakeIngressWithRollout writes it back)."""
    _start(rollout_cluster, "60s")
    routes: list[dict[str, Any]] = []
    found = _watch(
        rollout_cluster,
        KINGRESSES,
        lambda: routes.extend(
            _watch(
                rollout_cluster,
                ROUTES,
                _new_image(rollout_cluster, 2, "60s"),
                lambda r: len(r.get("status", {}).get("traffic", [])) == 2,
            )
        ),
        lambda k: "stepSize" in _state(k)["stepParams"],
    )
    assert _split(_state(found[-1])) == {OLD: 99, NEW: 1}
    service = rollout_cluster.store.get(rollout_cluster.registry.get(KNATIVE_SERVICES), NS, "roll")
    for route in routes:
        extra = set(route["metadata"].get("annotations") or {}) - set(service["metadata"]["annotations"])
        assert not extra, extra
    kingresses = rollout_cluster.registry.get(KINGRESSES)

    def forget() -> None:
        """Overwrite the state as a person might by hand (retrying if the reconciler wrote first)."""
        for _ in range(50):
            body = rollout_cluster.store.get(kingresses, NS, "roll")
            body["metadata"]["annotations"][ANNOTATION] = "not a rollout"
            try:
                rollout_cluster.store.update(kingresses, NS, "roll", body)
                return
            except ApiError as error:
                if error.code != 409:
                    raise
        raise AssertionError("the KIngress kept changing")

    after = _watch(
        rollout_cluster,
        ROUTES,
        forget,
        lambda r: [(t["revisionName"], t["percent"]) for t in r["status"]["traffic"]] == [(NEW, 100)],
    )
    assert rollout_cluster.settle()
    kingress = rollout_cluster.store.get(kingresses, NS, "roll")
    assert _state(kingress) == {
        "configurationName": "roll",
        "percent": 100,
        "revisions": [{"revisionName": NEW, "percent": 100}],
        "stepParams": {},
    }
    assert condition(after[-1], "IngressReady")[1] != "RolloutInProgress"
