"""build_cluster with workloads: the lab's revisions get pods and the request simulator answers."""

from __future__ import annotations

import time

import httpx

from app.sim.building import WorkloadSettings, build_cluster
from app.sim.knative.conditions import status_of
from tests.plugins.knative import TEST_SETTINGS

FAST = WorkloadSettings(cold_start_delay=0.01, pod_stop_delay=0.01, scale_to_zero_grace=30.0, seed=1)
HOST = "current-customer.labs-1.apps.cluster-kharon-ba75.kharon-ba75.example.opentlc.com"


def test_revisions_get_pods_and_the_ingress_answers() -> None:
    cluster = build_cluster(scenario="labs", settings=TEST_SETTINGS, workloads=FAST)
    assert cluster.ingress_url is not None and cluster.workloads is not None
    cluster.start()
    try:
        store = cluster.store
        revisions = store.registry.get("revisions.serving.knative.dev")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            v3 = store.get(revisions, "labs-1", "customer-v3")
            if v3["status"].get("actualReplicas") == 1:
                break
            time.sleep(0.02)
        assert v3["status"]["actualReplicas"] == 1 and status_of(v3) == "True"
        pods, _ = store.list(
            store.registry.get("pods"), "labs-1", label_selector="serving.knative.dev/revision=customer-v3"
        )
        assert len(pods) == 1
        reply = httpx.get(cluster.ingress_url + "/", headers={"Host": HOST}, timeout=5)
        assert reply.status_code == 200
        assert "v3" in reply.text
    finally:
        cluster.stop()
