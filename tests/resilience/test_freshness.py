"""Old data is never shown as live: a watch that silently missed changes is found by the periodic check
and the pages say "stale" until the kind is read again; during an outage the JSON API answers what
the dashboard last saw, dated and marked disconnected, never a 404; and when the API server comes
back the pages are current within seconds even though each watch had backed off for longer."""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from kubernetes.client import ApiClient

from app.kube.reflecting import Backoff, ReflectorOptions
from app.sim.building import KnativeCluster
from tests.resilience.cluster import (
    RECOVERY_SECONDS,
    core_service_names,
    create_core_service,
    delete_core_service,
    lost,
    namespace_page,
)
from tests.resilience.conftest import ErrorLog
from tests.support.serving import FAST, Dashboard, serve
from tests.support.waiting import eventually
from tests.web.cluster import NS, knative_service, patch_service
from tests.web.test_events import EventReader

BEFORE, AFTER = "made-by-hand-before", "made-by-hand-after"
CHECKING: dict[str, Any] = {"check_seconds": 0.5, "check_grace": 0.2}
"""Watches compared with a list every half second (the default is 30 s), a change on its way for
0.2 s at most (the default is 5 s)."""


@pytest.fixture
def checked_dashboard(resilient_api: ApiClient) -> Iterator[Dashboard]:
    """The dashboard with quick watch checks and no periodic relist: only the check can find a
    missed change."""
    with serve(resilient_api, options=FAST, **CHECKING) as dashboard:
        yield dashboard


def split_of(cluster: KnativeCluster, name: str) -> dict[str, int]:
    """The percent per revision in the Route's status, as the simulated cluster holds it."""
    routes = cluster.registry.get("routes.serving.knative.dev")
    route = cluster.store.get(routes, NS, name)
    return {t["revisionName"]: t.get("percent", 0) for t in route.get("status", {}).get("traffic", [])}


def served(revision: str, percent: int, html: str) -> bool:
    """The Route's status as the page shows it sends `percent` to `revision`."""
    pattern = rf'data-side="status".*?data-revision="{revision}">.*?<td class="num">{percent}%</td>'
    return re.search(pattern, html, re.S) is not None


def change_split_unseen(cluster: KnativeCluster, api: ApiClient, first: str, second: str) -> None:
    """Send 80/20 to `first`/`second` with every watch event lost from now on (until the faults are
    cleared), and wait for the Route."""
    traffic: list[dict[str, Any]] = knative_service(api, "customer")["spec"]["traffic"]
    for target in traffic:
        target["percent"] = {first: 80, second: 20}.get(target.get("revisionName", ""), 0)
    cluster.faults.drop_next_watch_events(1_000_000)
    patch_service(api, "customer", {"spec": {"traffic": traffic}})
    eventually(lambda: split_of(cluster, "customer"), lambda split: split.get(first) == 80, timeout=30)


def healed(revision: str) -> Callable[[str, str], bool]:
    """Accepts the SSE event after which the stream has shown the banner saying the page was read
    again, and the Route sending 80% to `revision` (at any point: a controller touching the Route again
    may bring its new split by a plain event, while the other kinds' changes stay missed).

    The cache says "read again" only after a check found a watch that missed changes and that watch's
    kind was listed anew, so this banner is the proof that the miss was found. The "stale" banner
    before it is not required here: a stream that falls behind shows only the last banner of what
    it catches up on, and "stale" then "read again" in one batch is just "read again"."""
    seen = {"resynced": False, "split": False}

    def accept(event: str, data: str) -> bool:
        if event == "routes" and served(revision, 80, data):
            seen["split"] = True
        if event == "connection" and 'data-connection="resynced"' in data:
            seen["resynced"] = True
        return all(seen.values())

    return accept


@contextmanager
def stream(dashboard: Dashboard, path: str) -> Iterator[EventReader]:
    """An SSE stream whose first batch has been read (reads wait long: a quiet spell is expected)."""
    with (
        httpx.Client(base_url=dashboard.url, timeout=httpx.Timeout(30.0)) as client,
        client.stream("GET", path) as response,
    ):
        reader = EventReader(response)
        reader.until(lambda event, _: event == "pods")
        yield reader


def test_missed_watch_events_show_stale_then_the_fresh_split(
    checked_dashboard: Dashboard,
    knative_cluster: KnativeCluster,
    resilient_api: ApiClient,
    error_log: ErrorLog,
) -> None:
    traffic = knative_service(resilient_api, "customer")["spec"]["traffic"]
    first, second = sorted({t["revisionName"] for t in traffic if t.get("revisionName")})[:2]
    with stream(checked_dashboard, f"/namespaces/{NS}/events") as events:
        change_split_unseen(knative_cluster, resilient_api, first, second)
        # Every watch event stays lost until the page has healed, so only the check can heal it: a
        # watch that was slow to send the change's events would otherwise deliver the last of them
        # once the switch was off, and there would be no miss left to find.
        events.until(healed(first), timeout=60)
        knative_cluster.faults.clear()
    with httpx.Client(base_url=checked_dashboard.url, timeout=10) as http:
        # Each kind's missed change may be found in a later round: in the end none is left stale.
        eventually(lambda: http.get(f"/api/namespaces/{NS}").json()["stale"], lambda s: s is False, 30)
        page = namespace_page(http)
        assert served(first, 80, page) and 'data-connection="stale"' not in page
    assert error_log.lines() == []


@pytest.mark.parametrize("cluster_watches", [False, True], ids=["namespace-watches", "cluster-watches"])
def test_an_outage_answers_the_last_seen_service_not_a_404(
    resilient_api: ApiClient, knative_cluster: KnativeCluster, error_log: ErrorLog, cluster_watches: bool
) -> None:
    with (
        serve(resilient_api, options=FAST, idle_seconds=0.3, cluster_watches=cluster_watches) as dashboard,
        httpx.Client(base_url=dashboard.url, timeout=30) as http,
    ):
        api = f"/api/namespaces/{NS}/services/customer"
        seen = http.get(api).json()
        assert seen["connected"] is True and seen["observedAt"]
        if not cluster_watches:
            eventually(dashboard.cache.active_namespaces, lambda active: NS not in active, timeout=10)
        stopped_at = datetime.now(UTC)
        # With watches of its own the namespace's are idle (stopped) when the outage begins, so the next
        # read finds the server gone at once; a cluster-wide watch runs on and learns of the outage when
        # its stream breaks, a moment later.
        knative_cluster.stop()
        if cluster_watches:
            eventually(lambda: http.get(api).json()["connected"], lambda connected: connected is False, 30)
        answer = http.get(api)
        assert answer.status_code == 200, answer.text
        away = answer.json()
        assert away["connected"] is False
        assert datetime.fromisoformat(away["observedAt"]) <= stopped_at  # dated before the outage
        assert away["sections"]["routes"] == seen["sections"]["routes"]  # the last seen split
        overview = http.get(f"/api/namespaces/{NS}").json()
        assert overview["connected"] is False and overview["observedAt"] is not None
        knative_cluster.start()
        eventually(lambda: http.get(api).json()["connected"], lambda connected: connected is True, timeout=30)
    assert error_log.lines() == []


def test_an_outage_says_unreachable_for_a_namespace_never_read(
    resilient_api: ApiClient, knative_cluster: KnativeCluster, error_log: ErrorLog
) -> None:
    # A namespace is never read only where each namespace gets watches of its own (an identity that may
    # not watch everywhere): cluster-wide watches read every namespace at once.
    with (
        serve(resilient_api, options=FAST, cluster_watches=False) as resilient_dashboard,
        httpx.Client(base_url=resilient_dashboard.url, timeout=30) as http,
    ):
        assert NS in resilient_dashboard.cache.namespaces()  # listed; its own kinds never read
        resilient_dashboard.cache.discovery()
        knative_cluster.stop()
        answer = http.get(f"/api/namespaces/{NS}/services/customer")
        assert answer.status_code == 503, answer.text
        assert "No such Knative Service" not in answer.text
        knative_cluster.start()
    assert error_log.lines() == []


def test_the_api_servers_return_shows_within_seconds_after_a_long_backoff(
    resilient_api: ApiClient, knative_cluster: KnativeCluster, error_log: ErrorLog
) -> None:
    slow = dataclasses.replace(FAST, backoff_initial=60.0, backoff_max=60.0, jitter=0.0)
    with (
        serve(resilient_api, options=slow, reconnect_seconds=0.2) as dashboard,
        httpx.Client(base_url=dashboard.url, timeout=30) as http,
    ):
        create_core_service(knative_cluster, BEFORE)
        eventually(lambda: namespace_page(http), lambda html: BEFORE in core_service_names(html))
        knative_cluster.stop()
        eventually(lambda: namespace_page(http), lost)  # every watch now waits 60 s before retrying
        delete_core_service(knative_cluster, BEFORE)
        create_core_service(knative_cluster, AFTER)
        knative_cluster.start()

        def current(html: str) -> bool:
            names = core_service_names(html)
            return not lost(html) and AFTER in names and BEFORE not in names

        eventually(lambda: namespace_page(http), current, timeout=RECOVERY_SECONDS)
    assert error_log.lines() == []


def test_the_retry_delays_grow_to_the_cap_and_start_over_after_a_lasting_success() -> None:
    options = ReflectorOptions(backoff_initial=1.0, backoff_max=8.0, jitter=0.0, backoff_reset=10.0)
    backoff = Backoff(options, random.Random(1))
    assert [backoff.failed(float(t)) for t in range(6)] == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    backoff.succeeded(100.0)  # a good list...
    assert backoff.failed(100.5) == 8.0  # ...whose watch fails at once: the delays keep growing
    backoff.succeeded(200.0)  # back, and healthy for as long as `backoff_reset`
    assert [backoff.failed(210.0), backoff.failed(211.0)] == [1.0, 2.0]
    backoff.reset()  # the server was heard again
    assert backoff.failed(212.0) == 1.0
