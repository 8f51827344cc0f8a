"""/healthz, /readyz (latched once the cache synced), /metrics (requests, SSE clients, watch restarts,
patch outcomes) and JSON log lines."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import httpx
import pytest
from fastapi import Request
from prometheus_client.parser import text_string_to_metric_families

from app.kube.caching import ClusterCache
from app.kube.config import close_api_client, load_api_client
from app.kube.reflecting import ReflectorOptions
from app.sim.building import KnativeCluster
from app.sim.cluster import SimCluster
from app.web.observability import JsonFormatter, Readiness, log_config, record_patch
from tests.support.guarded import Served
from tests.support.waiting import wait_until


def sample(served: Served, name: str, **labels: str) -> float:
    """The value of one sample in /metrics (0 when absent)."""
    text = served.client.get("/metrics").text
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return 0.0


def test_health_and_readiness_answer(dashboard: Served) -> None:
    assert dashboard.client.get("/healthz").text == "ok"
    ready = dashboard.client.get("/readyz")
    assert (ready.status_code, ready.text) == (200, "ready")


def test_ready_only_once_the_namespace_list_synced_then_stays_ready(
    sim_cluster: SimCluster, sim_kubeconfig: Path
) -> None:
    sim_cluster.stop()
    client = load_api_client(sim_kubeconfig)
    cache = ClusterCache(
        client, sync_timeout=0.5, options=ReflectorOptions(backoff_initial=0.05, backoff_max=0.2)
    )
    try:
        cache.start()
        readiness = Readiness(lambda: cache)
        assert readiness.check() is False
        sim_cluster.restart()
        assert wait_until(readiness.check)
        sim_cluster.stop()
        assert readiness.check() is True
    finally:
        cache.stop()
        close_api_client(client)


def test_requests_are_counted_by_route_template(dashboard: Served) -> None:
    assert dashboard.client.get("/namespaces/labs-1").status_code == 200
    assert dashboard.client.get("/no/such/page/123").status_code == 404
    requests = "splitboard_http_requests_total"
    assert sample(dashboard, requests, method="GET", route="/namespaces/{namespace}", status="200") == 1
    assert sample(dashboard, requests, method="GET", route="unmatched", status="404") == 1
    assert (
        sample(dashboard, "splitboard_http_request_duration_seconds_count", route="/namespaces/{namespace}")
        == 1
    )


def test_open_event_streams_are_a_gauge(dashboard: Served) -> None:
    with (
        httpx.Client(base_url=dashboard.url, timeout=10) as viewer,
        viewer.stream("GET", "/namespaces/labs-1/events") as stream,
    ):
        assert stream.status_code == 200
        lines = stream.iter_lines()  # kept: a dropped iterator closes the connection
        assert next(lines) == "event: connection"
        assert sample(dashboard, "splitboard_sse_clients") == 1
    assert wait_until(lambda: sample(dashboard, "splitboard_sse_clients") == 0)


def test_watch_restarts_come_from_the_cache(dashboard: Served, knative_cluster: KnativeCluster) -> None:
    dashboard.client.get("/namespaces/labs-1")
    before = sample(dashboard, "splitboard_cache_watch_restarts_total")
    knative_cluster.faults.end_watches()
    assert wait_until(lambda: sample(dashboard, "splitboard_cache_watch_restarts_total") > before)
    assert sample(dashboard, "splitboard_cluster_connected") == 1


def test_patch_outcomes_are_counted(dashboard: Served) -> None:
    csrf = {"X-CSRF-Token": dashboard.csrf_token()}
    for outcome in ("applied", "applied", "conflict"):
        assert dashboard.client.post(f"/_test/patched/{outcome}", headers=csrf).status_code == 200
    assert sample(dashboard, "splitboard_traffic_patches_total", outcome="applied") == 2
    assert sample(dashboard, "splitboard_traffic_patches_total", outcome="conflict") == 1
    with pytest.raises(ValueError, match="unknown patch outcome"):
        record_patch(Request({"type": "http", "app": dashboard.app}), "exploded")


def test_json_logs_are_one_object_per_line() -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.LogRecord(
            "app.x", logging.ERROR, __file__, 1, "patch %s failed", ("customer",), sys.exc_info()
        )
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["level"] == "error" and entry["logger"] == "app.x"
    assert entry["message"] == "patch customer failed"
    assert "RuntimeError: boom" in entry["exception"]
    assert log_config(True)["formatters"]["default"] == {"()": "app.web.observability.JsonFormatter"}
