"""Faults on demand and the simulated Prometheus: a Revision annotated with `sim.splitboard.dev/faults`
fails or slows its answers at the gateway, and the Prometheus API counts what each revision answered as
Knative's queue-proxy histogram would (knative/serving pkg/queue/request_metric.go)."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.model.faults import FAULTS_ANNOTATION
from app.model.routing import REVISION_HEADER
from app.sim.building import KnativeCluster, build_cluster
from app.sim.ingress.metrics import LATENCY_BOUNDS, Observation, RequestMetrics, cumulative_buckets
from app.sim.prometheus import histogram_quantile
from tests.plugins.knative import FAST_WORKLOADS, TEST_SETTINGS
from tests.plugins.sim import official_client

NAMESPACE = "labs-1"
HOST = f"customer.{NAMESPACE}.apps.cluster-kharon-ba75.kharon-ba75.example.opentlc.com"
METRIC = "kn_serving_invocation_duration_seconds"


@pytest.fixture
def lab(tmp_path: Any) -> Iterator[tuple[KnativeCluster, Any]]:
    with build_cluster(scenario="labs", settings=TEST_SETTINGS, workloads=FAST_WORKLOADS) as cluster:
        assert cluster.wait_ready()
        with official_client(cluster.write_kubeconfig(tmp_path / "kubeconfig")) as api:
            yield cluster, api


def annotate(api: Any, revision: str, value: str | None) -> None:
    from kubernetes import client

    client.CustomObjectsApi(api).patch_namespaced_custom_object(
        "serving.knative.dev",
        "v1",
        NAMESPACE,
        "revisions",
        revision,
        {"metadata": {"annotations": {FAULTS_ANNOTATION: value}}},
    )


def requests(cluster: KnativeCluster, count: int) -> list[tuple[httpx.Response, float]]:
    assert cluster.ingress_url is not None
    answers = []
    with httpx.Client(base_url=cluster.ingress_url, timeout=10, trust_env=False) as http:
        for _ in range(count):
            started = time.monotonic()
            response = http.get("/", headers={"Host": HOST})
            answers.append((response, time.monotonic() - started))
    return answers


def query(cluster: KnativeCluster, promql: str) -> httpx.Response:
    assert cluster.prometheus_url is not None
    return httpx.post(f"{cluster.prometheus_url}/api/v1/query", data={"query": promql}, trust_env=False)


def selector(revision: str, extra: str = "") -> str:
    return f'{{k8s_namespace_name="{NAMESPACE}",kn_revision_name="{revision}"{extra}}}'


def test_a_faulty_revision_answers_errors_with_its_headers_and_waits(lab: tuple[KnativeCluster, Any]) -> None:
    cluster, api = lab
    annotate(api, "customer-v4", json.dumps({"errorRate": 1, "delayMs": 150}))
    assert cluster.settle()
    by_revision: dict[str, list[tuple[int, float]]] = {}
    for response, seconds in requests(cluster, 30):
        by_revision.setdefault(response.headers[REVISION_HEADER], []).append((response.status_code, seconds))
    assert set(by_revision) == {"customer-v3", "customer-v4"}  # the lab's 50/50 still routes both
    assert {status for status, _ in by_revision["customer-v4"]} == {503}
    assert min(seconds for _, seconds in by_revision["customer-v4"]) >= 0.15
    assert {status for status, _ in by_revision["customer-v3"]} == {200}
    assert max(seconds for _, seconds in by_revision["customer-v3"]) < 0.15

    # Removing the annotation heals the revision at once.
    annotate(api, "customer-v4", None)
    assert cluster.settle()
    statuses = Counter((r.headers[REVISION_HEADER], r.status_code) for r, _ in requests(cluster, 20))
    assert {status for (_, status) in statuses} == {200}


def test_the_prometheus_api_counts_each_revision_s_answers_by_status(lab: tuple[KnativeCluster, Any]) -> None:
    cluster, api = lab
    annotate(api, "customer-v4", json.dumps({"errorRate": 1, "delayMs": 300}))
    assert cluster.settle()
    served = Counter(r.headers[REVISION_HEADER] for r, _ in requests(cluster, 20))

    def value(promql: str) -> Any:
        answer = query(cluster, promql)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["status"] == "success" and body["data"]["resultType"] == "vector"
        return [sample["value"][1] for sample in body["data"]["result"]]

    count = f"sum(increase({METRIC}_count{{}}[60s]))"
    assert value(count.replace("{}", selector("customer-v4"))) == [str(served["customer-v4"])]
    errors = selector("customer-v4", ',http_response_status_code=~"5.."')
    assert value(count.replace("{}", errors)) == [str(served["customer-v4"])]
    assert value(count.replace("{}", selector("customer-v3"))) == [str(served["customer-v3"])]
    # customer-v3 never answered a 5xx: no such series, as Prometheus answers for a series never scraped
    assert value(count.replace("{}", selector("customer-v3", ',http_response_status_code=~"5.."'))) == []
    p95 = f"histogram_quantile(0.95, sum by (le) (increase({METRIC}_bucket{selector('customer-v4')}[60s])))"
    (seconds,) = value(p95)
    assert 0.25 <= float(seconds) <= 0.5  # the 300 ms answers fall in the (0.25, 0.5] bucket
    # a window with no answers: zero answers, and a quantile of nothing is NaN
    time.sleep(1.1)
    assert value(count.replace("{}", selector("customer-v4")).replace("[60s]", "[1s]")) == ["0"]
    assert value(p95.replace("[60s]", "[1s]")) == ["NaN"]


@pytest.mark.parametrize(
    "promql",
    [
        "up",
        f"sum(rate({METRIC}_count{{}}[60s]))",
        f'sum(increase({METRIC}_count{{kn_revision_name="x"}}[60s]))',
        f'sum(increase({METRIC}_count{{k8s_namespace_name="a",kn_revision_name="x",pod="p"}}[60s]))',
    ],
)
def test_other_queries_get_prometheus_s_bad_data_error(lab: tuple[KnativeCluster, Any], promql: str) -> None:
    answer = query(lab[0], promql)
    assert answer.status_code == 400
    body = answer.json()
    assert body["status"] == "error" and body["errorType"] == "bad_data"
    assert body["error"].startswith('invalid parameter "query": ')


def test_histogram_quantile_interpolates_as_prometheus_does() -> None:
    inf = float("inf")
    # 10 answers: 5 at or under 0.1 s, all 10 under 0.25 s; rank 9.5 lies 4.5/5 of the way through (0.1, 0.25]
    assert histogram_quantile(0.95, [(0.1, 5), (0.25, 10), (inf, 10)]) == pytest.approx(0.235)
    # the rank in the +Inf bucket: the highest finite bound
    assert histogram_quantile(0.95, [(0.1, 5), (0.25, 5), (inf, 10)]) == 0.25
    # the first bucket interpolates from 0
    assert histogram_quantile(0.5, [(0.1, 10), (inf, 10)]) == pytest.approx(0.05)
    assert str(histogram_quantile(0.95, [(0.1, 0), (inf, 0)])) == "nan"


def test_the_buckets_are_knative_s() -> None:
    metrics = RequestMetrics(clock=lambda: 5.0)
    metrics.record("ns", "r", 200, 0.004)
    metrics.record("ns", "r", 500, 12.0)
    seen = metrics.window("ns", "r", 0.0, 5.0)
    assert seen == [Observation(5.0, 200, 0.004), Observation(5.0, 500, 12.0)]
    buckets = cumulative_buckets(seen)
    assert [bound for bound, _ in buckets][:-1] == list(LATENCY_BOUNDS)
    assert buckets[0] == (0.005, 1) and buckets[-2] == (10.0, 1) and buckets[-1] == (float("inf"), 2)
    assert metrics.window("ns", "r", 5.0, 9.0) == []  # (start, end]: an answer at the start is out
