"""Gate sources on the demo cluster: readings of the candidate from a probe of the Service, and from the
simulated Prometheus over Knative's queue-proxy histogram, with the candidate failing or slow on demand."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from typing import Any

import httpx
import pytest
from kubernetes.client import ApiClient, CustomObjectsApi

from app.model.faults import FAULTS_ANNOTATION
from app.model.gates import Gate, Readings, evaluate
from app.settings import Settings
from app.web.dashboard import Dashboard as AppDashboard
from app.web.gating import (
    ProbeGateSource,
    PrometheusGateSource,
    count_query,
    gate_source,
    p95_query,
)
from tests.plugins.browser import run_async
from tests.support.serving import Dashboard
from tests.web.demo.conftest import NAMESPACE, DemoCluster

GATE = Gate(max_error_rate=0.05, max_p95_ms=200, min_requests=10)
HOST = f"customer.{NAMESPACE}.apps.cluster-kharon-ba75.kharon-ba75.example.opentlc.com"


def faults(api: ApiClient, revision: str, value: dict[str, Any] | None) -> None:
    CustomObjectsApi(api).patch_namespaced_custom_object(
        "serving.knative.dev",
        "v1",
        NAMESPACE,
        "revisions",
        revision,
        {"metadata": {"annotations": {FAULTS_ANNOTATION: json.dumps(value) if value else None}}},
    )


def traffic(demo: DemoCluster, count: int) -> None:
    """Requests through the simulated gateway, as the audience's browsers or a load test send them."""
    with httpx.Client(base_url=demo.ingress_url, timeout=10, trust_env=False) as http:
        for _ in range(count):
            http.get("/", headers={"Host": HOST})


def prometheus_readings(demo: DemoCluster, since: float, revision: str = "customer-v4") -> Readings | None:
    assert demo.cluster.prometheus_url is not None

    async def read() -> Readings | None:
        source = PrometheusGateSource(demo.cluster.prometheus_url or "")
        try:
            return await source.readings(NAMESPACE, "customer", revision, since)
        finally:
            await source.close()

    return run_async(read())


def test_prometheus_readings_show_a_failing_slow_candidate(
    demo_cluster: DemoCluster, demo_api: ApiClient
) -> None:
    since = time.time()
    faults(demo_api, "customer-v4", {"errorRate": 0.5, "delayMs": 300})
    assert demo_cluster.cluster.settle()
    traffic(demo_cluster, 60)
    readings = prometheus_readings(demo_cluster, since)
    assert readings is not None and readings.source == "prometheus"
    assert readings.requests >= 15  # about half of 60 at the lab's 50/50
    assert 0 < readings.errors < readings.requests
    assert readings.p95_ms is not None and 250 <= readings.p95_ms <= 500  # within the (0.25, 0.5] s bucket
    verdict = evaluate(GATE, readings)
    assert verdict.passed is False
    assert any(reason.startswith("p95 ") and " over 200 ms bound" in reason for reason in verdict.reasons)


def test_prometheus_readings_of_a_healthy_candidate_pass(demo_cluster: DemoCluster) -> None:
    since = time.time()
    traffic(demo_cluster, 60)
    readings = prometheus_readings(demo_cluster, since)
    assert readings is not None and readings.errors == 0 and readings.requests >= 15
    assert readings.p95_ms is not None and readings.p95_ms < 200
    assert evaluate(GATE, readings).passed is True
    # before any answer of the window, there is nothing to judge yet
    assert prometheus_readings(demo_cluster, time.time() + 5) == Readings(0, 0, None, "prometheus")


def test_an_unreachable_prometheus_gives_no_readings_and_says_why() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there

    async def read() -> tuple[Readings | None, str | None]:
        source = PrometheusGateSource(f"http://127.0.0.1:{port}")
        try:
            return await source.readings(
                NAMESPACE, "customer", "customer-v4", time.time() - 60
            ), source.problem(NAMESPACE, "customer")
        finally:
            await source.close()

    readings, problem = run_async(read())
    assert readings is None
    assert problem is not None and problem.startswith(
        f"Prometheus at http://127.0.0.1:{port} is unreachable: "
    )


def test_an_answer_that_is_not_prometheus_s_gives_no_readings(demo_cluster: DemoCluster) -> None:
    """The ingress gateway is no Prometheus: its 404 has no API JSON."""

    async def read() -> tuple[Readings | None, str | None]:
        source = PrometheusGateSource(demo_cluster.ingress_url)
        try:
            return await source.readings(
                NAMESPACE, "customer", "customer-v4", time.time() - 60
            ), source.problem(NAMESPACE, "customer")
        finally:
            await source.close()

    readings, problem = run_async(read())
    assert readings is None
    assert problem == (
        f"Prometheus at {demo_cluster.ingress_url} answered 404 with something that is not its API's JSON"
        " (is the URL a Prometheus?)"
    )


def test_the_queries_are_knative_s_histogram_by_revision() -> None:
    """Names and labels of Knative 1.18+'s queue-proxy metric as Prometheus exports them
    (knative/serving pkg/queue/request_metric.go, pkg/metrics/key.go)."""
    assert count_query("ns", "rev", 60, errors_only=True) == (
        "sum(increase(kn_serving_invocation_duration_seconds_count"
        '{k8s_namespace_name="ns",kn_revision_name="rev",http_response_status_code=~"5.."}[60s]))'
    )
    assert p95_query("ns", "rev", 60) == (
        "histogram_quantile(0.95, sum by (le) (increase(kn_serving_invocation_duration_seconds_bucket"
        '{k8s_namespace_name="ns",kn_revision_name="rev"}[60s])))'
    )
    with pytest.raises(ValueError, match="SPLITBOARD_PROMETHEUS_URL must be an http"):
        PrometheusGateSource("prometheus:9090")


def test_gate_source_picks_prometheus_when_configured(demo_dashboard: Dashboard) -> None:
    app_dashboard: AppDashboard = demo_dashboard.app.state.dashboard
    assert isinstance(gate_source(app_dashboard), ProbeGateSource)

    async def configured() -> object:
        with_prometheus = AppDashboard(
            Settings(prometheus_url="http://127.0.0.1:9090"), app_dashboard.connection, app_dashboard.renderer
        )
        source = gate_source(with_prometheus)
        await source.close()
        return source

    assert isinstance(run_async(configured()), PrometheusGateSource)


def test_the_probe_source_probes_while_asked_and_attributes_the_candidate_s_errors(
    demo_cluster: DemoCluster, demo_api: ApiClient, demo_dashboard: Dashboard
) -> None:
    app_dashboard: AppDashboard = demo_dashboard.app.state.dashboard
    faults(demo_api, "customer-v4", {"errorRate": 1})
    assert demo_cluster.cluster.settle()
    since = time.time()

    async def run() -> tuple[Readings | None, Readings | None, bool, int]:
        source = ProbeGateSource(app_dashboard, rate=50)
        first = await source.readings(NAMESPACE, "customer", "customer-v4", since)  # starts the probe
        deadline = time.monotonic() + 20
        readings = first
        while time.monotonic() < deadline:
            readings = await source.readings(NAMESPACE, "customer", "customer-v4", since)
            if readings is not None and readings.requests >= 20:
                break
            await asyncio.sleep(0.1)
        baseline = await source.readings(NAMESPACE, "customer", "customer-v3", since)
        (probe,) = source.probes(NAMESPACE, "customer")
        await source.close()
        return readings, baseline, probe.finished, len(app_dashboard.probes.running())

    readings, baseline, finished, running = run_async(run())
    assert readings is not None and readings.source == "probe"
    assert readings.requests >= 20 and readings.errors == readings.requests  # every v4 answer was a 503
    assert evaluate(GATE, readings).passed is False
    assert baseline is not None and baseline.requests > 0 and baseline.errors == 0
    assert finished and running == 0  # closing the source stopped its probe


def test_the_probe_source_says_why_it_cannot_probe(demo_dashboard: Dashboard) -> None:
    app_dashboard: AppDashboard = demo_dashboard.app.state.dashboard

    async def run() -> tuple[Readings | None, str | None]:
        source = ProbeGateSource(app_dashboard)
        readings = await source.readings(NAMESPACE, "nonesuch", "nonesuch-1", time.time())
        problem = source.problem(NAMESPACE, "nonesuch")
        await source.close()
        return readings, problem

    readings, problem = run_async(run())
    assert readings is None
    assert problem is not None and problem.startswith("cannot probe nonesuch: ")
