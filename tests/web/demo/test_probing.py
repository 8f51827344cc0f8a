"""Probes against the simulated cluster's ingress port, over real HTTP; their bounds and targets."""

from __future__ import annotations

import asyncio
import time
from typing import Any, cast

import httpx
import pytest
from kubernetes.client import ApiClient, CustomObjectsApi

from app.model.probestats import Answer, Attribution, configured_split, version_map
from app.model.routing import REVISION_HEADER
from app.settings import Settings
from app.web.demo.probing import (
    Probe,
    ProbeError,
    ProbeLimits,
    ProbeRegistry,
    ProbeSpec,
    StartLimiter,
    probe_limits,
    probe_spec,
    probe_target,
)
from tests.plugins.browser import run_async
from tests.support.serving import Dashboard
from tests.web.demo.conftest import API_TOKEN, NAMESPACE, DemoCluster

SERVING = ("serving.knative.dev", "v1", NAMESPACE)
FAST = ProbeLimits(max_rate=5000, concurrency=4, request_timeout=5.0)
"""As fast as the simulated ingress answers on two cores (more in flight only makes it scale up)."""


def _get(api: ApiClient, plural: str, name: str) -> dict[str, Any]:
    return cast(dict[str, Any], CustomObjectsApi(api).get_namespaced_custom_object(*SERVING, plural, name))


def _set_traffic(demo: DemoCluster, api: ApiClient, traffic: list[dict[str, Any]]) -> None:
    CustomObjectsApi(api).patch_namespaced_custom_object(
        *SERVING, "services", "customer", {"spec": {"traffic": traffic}}
    )
    assert demo.cluster.settle()


def _probe(
    demo: DemoCluster, api: ApiClient, count: int, tag: str | None = None, header: str = REVISION_HEADER
) -> Any:
    """Run one probe to the end on its own event loop; the finished Probe."""
    status = _get(api, "routes", "customer")["status"]
    urls = [status["url"]] + [t["url"] for t in status["traffic"] if "url" in t]
    url = status["url"] if tag is None else next(t["url"] for t in status["traffic"] if t.get("tag") == tag)
    configured = configured_split(status["traffic"], tag)
    listing = cast(dict[str, Any], CustomObjectsApi(api).list_namespaced_custom_object(*SERVING, "revisions"))
    revisions = cast(list[dict[str, Any]], listing["items"])
    names = frozenset(r["metadata"]["name"] for r in revisions)
    rule = Attribution(versions=version_map(revisions), revisions=names, header=header)
    spec = ProbeSpec(NAMESPACE, "customer", tag, count, rate=5000, duration=60)

    async def run() -> Any:
        registry = ProbeRegistry(FAST)
        probe = registry.start(spec, probe_target(url, urls, demo.ingress_url), configured, rule)
        assert probe.task is not None
        await probe.task
        await registry.aclose()
        return probe

    return run_async(run())


def test_a_50_50_split_is_within_its_interval_over_1000_requests(
    demo_cluster: DemoCluster, demo_api: ApiClient
) -> None:
    probe = _probe(demo_cluster, demo_api, 1000)
    assert probe.state == "done"
    assert probe.tally.errors == 0 and probe.tally.unattributed == 0
    comparison = probe.comparison()
    assert [(r.revision, r.configured) for r in comparison.rows] == [("customer-v3", 50), ("customer-v4", 50)]
    assert comparison.total == 1000
    for row in comparison.rows:
        assert row.interval.contains(0.5), row.wording
        assert row.expected[0] <= row.count <= row.expected[1]
    assert comparison.verdict == "expected"


def test_100_0_gives_none_to_the_other_revision(demo_cluster: DemoCluster, demo_api: ApiClient) -> None:
    _set_traffic(
        demo_cluster,
        demo_api,
        [
            {"tag": "current", "revisionName": "customer-v3", "percent": 100},
            {"tag": "candidate", "revisionName": "customer-v4", "percent": 0},
            {"tag": "latest", "latestRevision": True, "percent": 0},
        ],
    )
    probe = _probe(demo_cluster, demo_api, 300)
    rows = {r.revision: r for r in probe.comparison().rows}
    assert rows["customer-v3"].count == 300
    assert rows["customer-v4"].count == 0
    assert probe.comparison().verdict == "expected"


def test_a_tag_url_reaches_only_its_revision_told_by_the_body_s_version_token(
    demo_cluster: DemoCluster, demo_api: ApiClient
) -> None:
    probe = _probe(demo_cluster, demo_api, 40, tag="candidate", header="X-Not-Sent")
    assert dict(probe.tally.counts) == {"customer-v4": 40}
    assert probe.configured == [("customer-v4", 100)]


def test_a_probe_follows_the_split_through_the_labs_shift_without_a_false_alarm(
    demo_cluster: DemoCluster, demo_api: ApiClient
) -> None:
    """50/50, then 90/10 while the probe runs: the probe compares 90/10 with answers given at 90/10."""
    status = _get(demo_api, "routes", "customer")["status"]
    url = status["url"]
    urls = [url] + [t["url"] for t in status["traffic"] if "url" in t]
    names = frozenset({"customer-v3", "customer-v4"})
    rule = Attribution(versions={"v3": "customer-v3", "v4": "customer-v4"}, revisions=names)
    spec = ProbeSpec(NAMESPACE, "customer", None, 2000, rate=100, duration=60)

    def served() -> list[tuple[str, int]]:  # what the dashboard's cache gives a probe: the Route's status
        return configured_split(_get(demo_api, "routes", "customer")["status"]["traffic"])

    def answered(probe: Probe, count: int) -> Any:
        async def wait() -> None:
            while len(probe.window) < count:
                await asyncio.sleep(0.05)

        return wait()

    async def run() -> Probe:
        registry = ProbeRegistry(FAST)
        probe = registry.start(
            spec, probe_target(url, urls, demo_cluster.ingress_url), served(), rule, reader=served
        )
        await answered(probe, 60)
        assert probe.comparison().verdict != "unexpected"
        await asyncio.to_thread(
            _set_traffic,
            demo_cluster,
            demo_api,
            [
                {"tag": "current", "revisionName": "customer-v3", "percent": 90},
                {"tag": "candidate", "revisionName": "customer-v4", "percent": 10},
                {"tag": "latest", "latestRevision": True, "percent": 0},
            ],
        )
        while probe.split_changes == 0:
            await asyncio.sleep(0.05)
        changed = probe.window_since
        await answered(probe, 80)
        await registry.stop(probe)
        await registry.aclose()
        assert changed is not None and all(a.sent >= changed for a in probe.window)
        return probe

    probe = run_async(run())
    assert probe.configured == [("customer-v3", 90), ("customer-v4", 10)]
    assert probe.split_changes == 1
    comparison = probe.comparison()
    rows = {r.revision: r for r in comparison.rows}
    assert comparison.total >= 80
    assert rows["customer-v3"].count / comparison.total >= 0.75  # 90% served: far from 50/50
    assert probe.tally.attributed > comparison.total  # the answers before the shift still count as sent
    assert 0 < len(probe.recent) <= FAST.ticker
    assert {(a.status, a.ok) for a in probe.recent} == {("200", True)}
    assert {a.version for a in probe.recent} <= {"v3", "v4"}


def test_a_rolling_window_keeps_only_the_latest_answers() -> None:
    spec = ProbeSpec(NAMESPACE, "customer", None, 100, rate=10, duration=10, window=3)
    target = probe_target("http://127.0.0.1:9/", [], None)
    probe = Probe("1", spec, target, [("a", 100)], Attribution(), started=0.0)
    for i, revision in enumerate(["b", "b", "a", "a", "a"]):
        probe.record(Answer(float(i), "200", True, revision))
    assert [a.revision for a in probe.window] == ["a", "a", "a"]
    assert probe.comparison().verdict == "expected"
    assert dict(probe.tally.counts) == {"a": 3, "b": 2}
    assert probe.follow([("a", 100)], settles=10.0) is False  # the same split: nothing restarts
    assert probe.follow([("a", 50), ("b", 50)], settles=10.0) is True
    assert list(probe.window) == [] and probe.window_since == 10.0
    probe.record(Answer(9.5, "200", True, "a"))  # sent before the change settled: left out
    probe.record(Answer(10.5, "200", True, "b"))
    assert [a.revision for a in probe.window] == ["b"]


def test_a_probe_of_a_dead_address_counts_errors_and_ends(demo_cluster: DemoCluster) -> None:
    spec = ProbeSpec(NAMESPACE, "customer", None, 5, rate=100, duration=5)
    target = probe_target("http://127.0.0.1:9/", [], None)  # the discard port: nothing listens

    async def run() -> Any:
        registry = ProbeRegistry(ProbeLimits(request_timeout=1.0))
        probe = registry.start(spec, target, [("a", 100)], Attribution())
        assert probe.task is not None
        await probe.task
        return probe

    probe = run_async(run())
    assert (probe.state, probe.tally.errors, probe.tally.attributed) == ("done", 5, 0)
    assert probe.tally.last_error.startswith("ConnectError")


# --------------------------------------------------------------------------------------- bounds


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"count": "0"}, "count must be between 1 and 5000"),
        ({"count": "5001"}, "count must be between 1 and 5000"),
        ({"count": "2.5"}, "count must be a whole number"),
        ({"rate": "1000"}, "rate must be between 0.1 and 100"),
        ({"rate": "nan"}, "rate must be between"),
        ({"duration": "301"}, "duration must be between 1 and 300"),
        ({"count": "lots"}, "count must be a number"),
    ],
)
def test_probe_requests_are_bounded(fields: dict[str, str], message: str) -> None:
    with pytest.raises(ProbeError, match=message):
        probe_spec(NAMESPACE, "customer", fields, ProbeLimits())


def test_probe_defaults() -> None:
    spec = probe_spec(NAMESPACE, "customer", {"target": "current"}, ProbeLimits())
    assert (spec.tag, spec.count, spec.rate, spec.duration) == ("current", 100, 20.0, 300.0)
    assert spec.window == 0  # every answer since the split last changed
    assert probe_spec(NAMESPACE, "customer", {"window": "50"}, ProbeLimits()).window == 50
    with pytest.raises(ProbeError, match="window must be a whole number"):
        probe_spec(NAMESPACE, "customer", {"window": "2.5"}, ProbeLimits())


def test_starts_are_limited_per_client_over_a_sliding_window() -> None:
    now = [1000.0]
    limiter = StartLimiter(2, 60.0, clock=lambda: now[0], max_clients=3)
    limiter.record("a")
    now[0] += 10
    limiter.record("a")
    assert limiter.wait("b") == 0.0  # another client has its own allowance
    with pytest.raises(ProbeError, match=r"at most 2 per 60 seconds; try again in 50 s") as refused:
        limiter.check("a")
    assert (refused.value.status, refused.value.retry_after) == (429, 50)
    now[0] += 50  # the first start leaves the window
    limiter.check("a")
    for client in ("b", "c", "d"):
        limiter.record(client)
    assert limiter.wait("a") == 0.0  # more clients than remembered: the longest-known is forgotten
    unlimited = StartLimiter(0, 60.0)
    for _ in range(100):
        unlimited.record("a")
    unlimited.check("a")


def test_probe_settings_out_of_range_are_refused_by_name() -> None:
    assert probe_limits(Settings(probe_body_bytes=10, probe_starts_per_minute=0)).max_body_bytes == 10
    with pytest.raises(ValueError, match="SPLITBOARD_PROBE_BODY_BYTES must be at least 1, got 0"):
        probe_limits(Settings(probe_body_bytes=0))
    with pytest.raises(ValueError, match="SPLITBOARD_PROBE_STARTS_PER_MINUTE must be 0"):
        probe_limits(Settings(probe_starts_per_minute=-1))


def test_only_the_clusters_urls_and_loopback_may_be_probed() -> None:
    urls = ["http://customer.labs-1.example.com", "http://current-customer.labs-1.example.com"]
    through = probe_target(urls[1], urls, "http://127.0.0.1:8081")
    assert (through.connect, through.host) == (
        "http://127.0.0.1:8081/",
        "current-customer.labs-1.example.com",
    )
    direct = probe_target(urls[0] + "/path?q=1", urls, None)
    assert (direct.connect, direct.host) == (urls[0] + "/path?q=1", None)
    assert probe_target("http://localhost:8080/", [], None).connect == "http://localhost:8080/"
    for bad in ("http://169.254.169.254/latest", "file:///etc/passwd", "http://example.org/"):
        with pytest.raises(ProbeError, match="cannot probe"):
            probe_target(bad, urls, None)
    with pytest.raises(ProbeError, match="neither loopback nor"):
        probe_target(urls[0], urls, "http://10.0.0.1:80")


# ------------------------------------------------------------------------------------- JSON API


def _api(dashboard: Dashboard) -> str:
    return f"{dashboard.url}/api/namespaces/{NAMESPACE}/services/customer/probes"


def _wait_done(client: httpx.Client, url: str, timeout: float = 10.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body = cast(dict[str, Any], client.get(url).json())
        if body["state"] != "running" or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


def _client() -> httpx.Client:
    return httpx.Client(timeout=10, headers={"Authorization": f"Bearer {API_TOKEN}"})


def test_the_json_api_starts_reports_and_stops_probes(token_dashboard: Dashboard) -> None:
    demo_dashboard = token_dashboard
    with _client() as client:
        started = client.post(_api(demo_dashboard), json={"count": 60, "rate": 100, "target": "current"})
        assert started.status_code == 201, started.text
        body = started.json()
        assert body["target"].startswith("http://current-customer.labs-1.")
        done = _wait_done(client, f"{_api(demo_dashboard)}/{body['id']}")
        assert (done["state"], done["sent"], done["attributed"]) == ("done", 60, 60)
        assert [(r["revision"], r["configured"], r["count"]) for r in done["rows"]] == [
            ("customer-v3", 100, 60)
        ]

        slow = client.post(_api(demo_dashboard), json={"count": 1000, "rate": 5}).json()
        stopped = client.post(f"{_api(demo_dashboard)}/{slow['id']}/stop")
        assert stopped.status_code == 200
        assert stopped.json()["state"] == "stopped"
        assert stopped.json()["sent"] < 1000


def test_the_json_api_refuses_bad_probes_clearly(token_dashboard: Dashboard) -> None:
    demo_dashboard = token_dashboard
    with _client() as client:
        too_many = client.post(_api(demo_dashboard), json={"count": 100000})
        assert too_many.status_code == 400
        assert "count must be between 1 and 5000" in too_many.json()["detail"]
        no_tag = client.post(_api(demo_dashboard), json={"target": "nope"})
        assert no_tag.status_code == 400
        assert no_tag.json()["detail"] == "the Route customer serves no tag 'nope'"
        bad_pattern = client.post(_api(demo_dashboard), json={"pattern": "("})
        assert "not a valid regular expression" in bad_pattern.json()["detail"]
        assert client.get(f"{_api(demo_dashboard)}/404-none").status_code == 404
        unknown = client.post(
            f"{demo_dashboard.url}/api/namespaces/{NAMESPACE}/services/nope/probes", json={}
        )
        assert unknown.status_code == 404
