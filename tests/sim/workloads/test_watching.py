"""Watching pods shows what `watch oc get pod` shows on a real cluster: Pending, Running, Terminating."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path
from typing import Any

from tests.plugins.sim import KUBECTL
from tests.sim.workloads.conftest import GRACE, NAMESPACE, Workloads
from tests.support.waiting import eventually


def _phase(event: dict[str, Any]) -> str:
    """What kubectl's STATUS column would say (roughly): Terminating, a waiting reason, or the phase."""
    pod = event["object"]
    if pod.metadata.deletion_timestamp:
        return "Terminating"
    status = pod.status
    waiting = [
        s.state.waiting.reason for s in (status and status.container_statuses) or [] if s.state.waiting
    ]
    return waiting[0] if waiting else str((status and status.phase) or "")


def test_a_pods_life_as_watch_events(workloads: Workloads) -> None:
    from kubernetes import watch

    seen: list[tuple[str, str]] = []
    stream = watch.Watch()  # type: ignore[no-untyped-call]
    selector = "serving.knative.dev/revision=customer-v1"

    since = workloads.core.list_namespaced_pod(NAMESPACE).metadata.resource_version

    def follow() -> None:
        for event in stream.stream(  # type: ignore[no-untyped-call]
            workloads.core.list_namespaced_pod,
            NAMESPACE,
            label_selector=selector,
            resource_version=since,
            timeout_seconds=10,
        ):
            seen.append((event["type"], "" if event["type"] == "ADDED" else _phase(event)))
            if event["type"] == "DELETED":
                stream.stop()  # type: ignore[no-untyped-call]

    follower = threading.Thread(target=follow)
    follower.start()
    workloads.revision("customer-v1")  # one pod (initial scale), then scale to zero after the grace
    follower.join(timeout=GRACE + 5)
    assert not follower.is_alive()
    compressed = [step for i, step in enumerate(seen) if i == 0 or step != seen[i - 1]]
    assert compressed[0][0] == "ADDED"
    assert [phase for _, phase in compressed[1:]] == [
        "ContainerCreating",
        "Running",
        "Terminating",
        "Terminating",
    ]
    assert compressed[-1][0] == "DELETED"


def test_kubectl_get_pods_watch_prints_the_status_column(workloads: Workloads, sim_kubeconfig: Path) -> None:
    from kubernetes import client

    sentinel = client.V1Pod(
        metadata=client.V1ObjectMeta(name="sentinel"),
        spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="busybox")]),
    )
    workloads.core.create_namespaced_pod(NAMESPACE, sentinel)
    command = [KUBECTL, "--kubeconfig", str(sim_kubeconfig), "get", "pods", "-n", NAMESPACE, "-w"]
    command += ["--output-watch-events", "--no-headers"]
    lines: list[str] = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as kubectl:
        assert kubectl.stdout is not None
        reader = threading.Thread(target=lambda: lines.extend(iter(kubectl.stdout.readline, "")))  # type: ignore[union-attr]
        reader.start()
        try:
            eventually(lambda: any("sentinel" in line for line in lines), message="kubectl is watching")
            workloads.revision("customer-v1")
            eventually(lambda: workloads.replicas("customer-v1") == 0, timeout=GRACE + 3)
            eventually(lambda: any(line.startswith("DELETED") for line in lines))
        finally:
            kubectl.terminate()
            reader.join(timeout=5)
    rows = [line.split() for line in lines if "customer-v1" in line]
    statuses = [(row[0], row[3]) for row in rows]
    compressed = [s for i, s in enumerate(statuses) if i == 0 or s != statuses[i - 1]]
    assert compressed[0][0] == "ADDED"
    assert ("MODIFIED", "ContainerCreating") in compressed
    assert ("MODIFIED", "Running") in compressed
    assert ("MODIFIED", "Terminating") in compressed
    assert compressed[-1][0] == "DELETED"
    assert next(row[2] for row in rows if row[3] == "Running") == "2/2"
