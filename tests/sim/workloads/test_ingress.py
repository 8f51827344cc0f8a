"""The ingress answers by Host header as Istio's gateways route and the lab's apps reply."""

from __future__ import annotations

import math
import re
import socket
import threading
import time
from collections import Counter

import httpx
import pytest

from tests.sim.workloads.conftest import NAMESPACE, Workloads, host, target
from tests.support.waiting import eventually

MIN_ONE = {"autoscaling.knative.dev/min-scale": "1"}


def _ready(workloads: Workloads, *revisions: str) -> None:
    for revision in revisions:
        eventually(lambda r=revision: any(p.status.phase == "Running" for p in workloads.pods(r)))  # type: ignore[misc]


def _revisions_hit(workloads: Workloads, host_header: str, count: int) -> Counter[str]:
    with httpx.Client(base_url=workloads.ingress.url, timeout=10) as client:
        return Counter(
            workloads.get(host_header, client).headers["Knative-Serving-Revision"] for _ in range(count)
        )


@pytest.fixture
def split(workloads: Workloads) -> Workloads:
    """customer-v3 and customer-v4 at 50/50, tagged current and candidate (the lab's split)."""
    workloads.revision("customer-v3", version="v3", annotations=MIN_ONE)
    workloads.revision("customer-v4", version="v4", annotations=MIN_ONE)
    workloads.route(
        "customer",
        [
            target("customer-v3", 50, "current"),
            target("customer-v4", 50, "candidate"),
            target("customer-v4", 0, "latest"),
        ],
    )
    _ready(workloads, "customer-v3", "customer-v4")
    return workloads


def test_a_50_50_split_is_50_50_within_four_sigma_over_1000_requests(split: Workloads) -> None:
    hits = _revisions_hit(split, host("customer"), 1000)
    assert set(hits) == {"customer-v3", "customer-v4"}
    sigma = math.sqrt(1000 * 0.5 * 0.5)
    assert abs(hits["customer-v3"] - 500) <= 4 * sigma


def test_100_0_sends_nothing_to_the_other_revision(split: Workloads) -> None:
    split.route("customer", [target("customer-v3", 100, "current"), target("customer-v4", 0, "candidate")])
    assert _revisions_hit(split, host("customer"), 200) == Counter({"customer-v3": 200})


@pytest.mark.parametrize(
    ("tag", "revision"), [("current", "customer-v3"), ("candidate", "customer-v4"), ("latest", "customer-v4")]
)
def test_a_tag_host_goes_to_its_revision_only(split: Workloads, tag: str, revision: str) -> None:
    assert _revisions_hit(split, host("customer", tag), 100) == Counter({revision: 100})


@pytest.mark.parametrize(
    "host_header",
    [
        "customer.labs-1",
        "customer.labs-1.svc",
        "customer.labs-1.svc.cluster.local",
        "CUSTOMER.labs-1.apps.example.com:80",
        "current-customer.labs-1.svc.cluster.local",
    ],
)
def test_local_hosts_and_ports_route_too(split: Workloads, host_header: str) -> None:
    assert split.get(host_header).status_code == 200


def test_a_revision_host_reaches_that_revision(split: Workloads) -> None:
    for host_header in ("customer-v4.labs-1", "customer-v4.labs-1.svc.cluster.local"):
        assert _revisions_hit(split, host_header, 20) == Counter({"customer-v4": 20})


def test_the_body_names_the_chain_version_and_pod_with_a_per_pod_count(split: Workloads) -> None:
    pods = {p.metadata.name for p in split.pods("customer-v4")}
    first = split.get(host("customer", "candidate"))
    second = split.get(host("customer", "candidate"))
    pattern = r"customer v4 from '(customer-v4-deployment-[a-z0-9]+-[a-z0-9]{5})': (\d+)\n"
    one, two = re.fullmatch(pattern, first.text), re.fullmatch(pattern, second.text)
    assert one is not None and two is not None
    assert one[1] in pods and one[1] == two[1]
    assert int(two[2]) == int(one[2]) + 1
    assert first.headers["Knative-Serving-Revision"] == "customer-v4"
    assert first.headers["Knative-Serving-Namespace"] == NAMESPACE
    assert first.headers["server"] == "istio-envoy"
    assert first.headers["content-type"] == "text/plain;charset=UTF-8"
    assert int(first.headers["x-envoy-upstream-service-time"]) >= 0


def test_the_lab_chain_calls_preference_and_recommendation(workloads: Workloads) -> None:
    for service in ("customer", "preference", "recommendation"):
        workloads.revision(f"{service}-v1", service=service, version="v1")
        workloads.route(service, [target(f"{service}-v1", 100)])
    eventually(lambda: workloads.replicas("recommendation-v1") == 0, timeout=5, message="all idle first")
    response = workloads.get(host("customer"))
    (pod,) = workloads.pods("customer-v1")
    assert response.text == f"customer => preference => recommendation v1 from '{pod.metadata.name}': 1\n"
    assert workloads.replicas("preference-v1") == 1
    assert workloads.replicas("recommendation-v1") == 1
    assert workloads.get(host("preference")).text.startswith("preference => recommendation v1 from ")


def test_a_pods_requests_are_balanced_round_robin(workloads: Workloads) -> None:
    workloads.revision("customer-v1", annotations={"autoscaling.knative.dev/min-scale": "3"})
    workloads.route("customer", [target("customer-v1", 100)])
    eventually(lambda: sum(p.status.phase == "Running" for p in workloads.pods("customer-v1")) == 3)
    bodies = [workloads.get(host("customer")).text for _ in range(9)]
    pods = Counter(re.findall(r"from '([^']+)'", "".join(bodies)))
    assert sorted(pods.values()) == [3, 3, 3]


def test_an_unknown_host_is_istios_empty_404(split: Workloads) -> None:
    for host_header in ("nothing.labs-1.apps.example.com", "customer.labs-2", "customer-v9.labs-1", ""):
        response = split.get(host_header)
        assert response.status_code == 404
        assert response.content == b""
        assert response.headers["server"] == "istio-envoy"


def test_the_ingress_keeps_its_port_across_a_restart(split: Workloads) -> None:
    url = split.ingress.url
    split.cluster.restart()
    assert split.ingress.url == url
    eventually(lambda: split.get(host("customer")).status_code == 200)


def test_a_waiting_request_gives_up_when_the_cluster_stops(patient_workloads: Workloads) -> None:
    workloads = patient_workloads
    workloads.revision("customer-v1", annotations={"autoscaling.knative.dev/max-scale": "0"})
    workloads.route("customer", [target("customer-v1", 100)])
    workloads.apps.delete_namespaced_deployment("customer-v1-deployment", NAMESPACE)
    answers: list[int] = []
    waiting = threading.Thread(target=lambda: answers.append(workloads.get(host("customer")).status_code))
    waiting.start()
    time.sleep(0.2)  # the request is waiting for a pod that will never come
    workloads.cluster.stop()
    waiting.join(timeout=20)  # well inside the request's 30 s: only the stop can have answered it
    assert not waiting.is_alive() and answers == [503]


def test_bodies_are_read_and_a_bad_length_is_a_400(split: Workloads) -> None:
    with httpx.Client(base_url=split.ingress.url, timeout=10) as client:
        posted = client.post("/", headers={"Host": host("customer")}, content=b"x" * 1000)
        assert posted.status_code == 200
        assert client.get("/", headers={"Host": host("customer")}).status_code == 200  # same connection
    with socket.create_connection((split.ingress.host, split.ingress.port), timeout=5) as raw:
        raw.sendall(
            b"POST / HTTP/1.1\r\nHost: " + host("customer").encode() + b"\r\nContent-Length: x\r\n\r\n"
        )
        assert raw.recv(100).startswith(b"HTTP/1.1 400 ")
