"""The dashboard under the simulated API server's faults: served by uvicorn, judged through its HTML, its
SSE stream and its JSON API. Each test also checks that nothing was logged at ERROR (no crash, no
unhandled exception in a request or a watch thread)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from app.sim.building import KnativeCluster
from tests.resilience.cluster import (
    core_service_names,
    create_core_service,
    delete_core_service,
    lost,
    namespace_page,
)
from tests.resilience.conftest import ErrorLog
from tests.support.forms import csrf_client
from tests.support.serving import Dashboard
from tests.support.waiting import eventually
from tests.web.cluster import NS
from tests.web.test_events import event_stream_of

BEFORE, AFTER = "made-by-hand-before", "made-by-hand-after"


@pytest.fixture
def http(resilient_dashboard: Dashboard) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=resilient_dashboard.url, timeout=10) as client:
        yield client


def fresh(core_services: str) -> bool:
    """A Kubernetes Services section showing the change made while away, not the object deleted."""
    return f'data-name="{AFTER}"' in core_services and f'data-name="{BEFORE}"' not in core_services


def current(html: str) -> bool:
    """Connected again, showing the change made while away and not the object deleted meanwhile."""
    names = core_service_names(html)
    return not lost(html) and AFTER in names and BEFORE not in names


def test_api_server_stopped_and_restarted(
    resilient_dashboard: Dashboard, knative_cluster: KnativeCluster, http: httpx.Client, error_log: ErrorLog
) -> None:
    create_core_service(knative_cluster, BEFORE)
    eventually(lambda: namespace_page(http), lambda html: BEFORE in core_service_names(html))
    with event_stream_of(resilient_dashboard, f"/namespaces/{NS}/events") as events:
        knative_cluster.stop()
        events.until(lambda e, data: e == "connection" and 'data-connection="lost"' in data)
        away = namespace_page(http)
        assert lost(away) and BEFORE in core_service_names(away)  # the last known state, said to be old
        delete_core_service(knative_cluster, BEFORE)  # changes the dashboard cannot see yet
        create_core_service(knative_cluster, AFTER)
        knative_cluster.start()
        # The relisted sections and the banner come in either order: the stream ends up current.
        seen = events.until(lambda e, data: e == "connection" and 'data-connection="back"' in data)
        sections = [data for e, data in seen if e == "core_services"]
        if not (sections and fresh(sections[-1])):
            events.until(lambda e, data: e == "core_services" and fresh(data))
    eventually(lambda: namespace_page(http), current)
    assert resilient_dashboard.cache.connected
    assert error_log.lines() == []


def test_compacted_history_is_relisted_without_missing_a_change(
    resilient_dashboard: Dashboard, knative_cluster: KnativeCluster, http: httpx.Client, error_log: ErrorLog
) -> None:
    create_core_service(knative_cluster, BEFORE)
    eventually(lambda: namespace_page(http), lambda html: BEFORE in core_service_names(html))
    expired = resilient_dashboard.cache.stats()["expired"]
    faults = knative_cluster.faults
    faults.set_latency(0.5)  # the watches about to reopen wait in the server...
    faults.end_watches()
    time.sleep(0.2)
    delete_core_service(knative_cluster, BEFORE)  # ...while the cluster changes...
    create_core_service(knative_cluster, AFTER)
    faults.compact()  # ...and forgets those changes' events: each watch gets 410 Expired
    faults.set_latency(0)
    eventually(lambda: resilient_dashboard.cache.stats()["expired"], lambda n: n > expired)
    eventually(lambda: namespace_page(http), current)
    assert error_log.lines() == []


def test_a_dropped_watch_event_is_healed_by_the_next_relist(
    relisting_dashboard: Dashboard, knative_cluster: KnativeCluster, error_log: ErrorLog
) -> None:
    with httpx.Client(base_url=relisting_dashboard.url, timeout=10) as http:
        namespace_page(http)  # the namespace's watches are open
        relists = relisting_dashboard.cache.stats()["relists"]
        knative_cluster.faults.drop_next_watch_events(1)
        create_core_service(knative_cluster, AFTER)  # its ADDED event never reaches the dashboard
        eventually(lambda: namespace_page(http), lambda html: AFTER in core_service_names(html))
    assert relisting_dashboard.cache.stats()["relists"] > relists
    assert error_log.lines() == []


def test_a_slow_api_server_still_serves_pages_and_writes(
    resilient_dashboard: Dashboard, knative_cluster: KnativeCluster, error_log: ErrorLog
) -> None:
    api = f"/api/namespaces/{NS}/services/customer/traffic"
    with csrf_client(resilient_dashboard.url) as client:
        state = client.get(api).json()
        knative_cluster.faults.set_latency(0.3)  # every API request now waits 0.3 s
        assert not lost(namespace_page(client))  # the page still comes from the cache
        traffic = [
            {"tag": "current", "revisionName": "customer-v3", "percent": 70},
            {"tag": "candidate", "revisionName": "customer-v4", "percent": 30},
        ]
        body = {"resourceVersion": state["resourceVersion"], "generation": state["generation"]}
        applied = client.post(f"{api}/apply", json={**body, "traffic": traffic})
        assert applied.status_code == 200, applied.text
        served = 'data-revision="customer-v3" data-percent="70"'
        eventually(lambda: namespace_page(client), lambda html: served in html, timeout=10)
        new = client.get(f"/api/namespaces/{NS}").json()  # a namespace read while slow
        assert new["namespace"] == NS and new["complete"] is True
    knative_cluster.faults.set_latency(0)
    assert resilient_dashboard.cache.connected
    assert error_log.lines() == []


def test_500s_on_list_are_retried_until_the_page_is_complete(
    resilient_dashboard: Dashboard, knative_cluster: KnativeCluster, http: httpx.Client, error_log: ErrorLog
) -> None:
    resilient_dashboard.cache.discovery()  # the kinds are known: the next requests are the lists
    knative_cluster.faults.fail_next(4, code=500)  # the namespace's first lists fail
    first = http.get(f"/namespaces/{NS}")
    assert first.status_code in (200, 503), first.text[:500]  # said, not crashed

    def complete(answer: httpx.Response) -> bool:
        html = answer.text
        return answer.status_code == 200 and not lost(html) and 'data-incomplete="true"' not in html

    eventually(lambda: http.get(f"/namespaces/{NS}"), complete)  # 503 "cannot read" meanwhile is fine
    services = [s["name"] for s in http.get(f"/api/namespaces/{NS}").json()["services"]]
    assert {"customer", "preference", "recommendation"} <= set(services)
    assert resilient_dashboard.cache.stats()["errors"] >= 1
    assert error_log.lines() == []
