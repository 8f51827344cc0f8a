"""Pods as a Deployment's ReplicaSet creates them and the kubelet reports them: pure manifests.

Names follow Kubernetes: `<deployment>-<pod-template-hash>-<5 random characters>`, the hash being
the FNV-32a of the pod template, spelled with the API server's "safe" alphabet (no vowels, no 0/1/3).
The simulated kubelet shows deletion through a finalizer of its own: a deleted pod keeps its
`deletionTimestamp` (kubectl: Terminating) until the kubelet drops the finalizer.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Mapping
from typing import Any

from app.model.labels import REVISION_LABEL
from app.model.ownership import owner_reference
from app.sim.images import image_digest
from app.sim.storage.copying import clone

SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
HASH_LABEL = "pod-template-hash"
KUBELET_FINALIZER = "sim.splitboard.dev/kubelet"
NODE_NAME = "sim-node-1"
HOST_IP = "10.0.0.10"
USER_CONTAINER = "user-container"
QUEUE_PROXY = "queue-proxy"
QUEUE_IMAGE = "gcr.io/knative-releases/knative.dev/serving/cmd/queue:v1.15.0"


def safe_encode(text: str) -> str:
    """Kubernetes' rand.SafeEncodeString: each character mapped into the vowel-free alphabet."""
    return "".join(SAFE_ALPHABET[ord(ch) % len(SAFE_ALPHABET)] for ch in text)


def template_hash(template: Mapping[str, Any]) -> str:
    """The `pod-template-hash` of a pod template: stable for equal templates, like the controller's."""
    value = 0x811C9DC5
    for byte in json.dumps(template, sort_keys=True, separators=(",", ":")).encode():
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return safe_encode(str(value))


def pod_name(deployment: str, pod_hash: str, rng: random.Random) -> str:
    """`<deployment>-<hash>-<xxxxx>`, as the ReplicaSet's generateName gives."""
    return f"{deployment}-{pod_hash}-{''.join(rng.choices(SAFE_ALPHABET, k=5))}"


def pod_labels(deployment: Mapping[str, Any], pod_hash: str) -> dict[str, str]:
    """The template's labels (for a revision: its Knative labels and `app`) plus the template hash."""
    template = (deployment.get("spec") or {}).get("template") or {}
    return {**((template.get("metadata") or {}).get("labels") or {}), HASH_LABEL: pod_hash}


def new_pod(
    deployment: Mapping[str, Any], name: str, pod_hash: str, *, kubelet: bool = True
) -> dict[str, Any]:
    """A pod of `deployment` (a ReplicaSet: owned by it), with the revision's containers and Knative's
    queue-proxy; bound to the simulated node, with its kubelet's finalizer, unless no kubelet runs."""
    meta = deployment["metadata"]
    template = (deployment.get("spec") or {}).get("template") or {}
    spec = clone(template.get("spec") or {})
    containers: list[dict[str, Any]] = spec.setdefault("containers", [])
    if REVISION_LABEL in (meta.get("labels") or {}) and not any(
        c.get("name") == QUEUE_PROXY for c in containers
    ):
        containers.append(_queue_proxy(meta["labels"][REVISION_LABEL], meta["namespace"]))
    if kubelet:
        spec.setdefault("nodeName", NODE_NAME)
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 300)
    pod_meta: dict[str, Any] = {
        "name": name,
        "namespace": meta["namespace"],
        "labels": pod_labels(deployment, pod_hash),
        "ownerReferences": [owner_reference(deployment)],
    }
    if kubelet:
        pod_meta["finalizers"] = [KUBELET_FINALIZER]
    annotations = (template.get("metadata") or {}).get("annotations")
    if annotations:
        pod_meta["annotations"] = dict(annotations)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": pod_meta, "spec": spec}


def _queue_proxy(revision: str, namespace: str) -> dict[str, Any]:
    return {
        "name": QUEUE_PROXY,
        "image": QUEUE_IMAGE,
        "ports": [
            {"name": "http-queueadm", "containerPort": 8022, "protocol": "TCP"},
            {"name": "http-autometric", "containerPort": 9090, "protocol": "TCP"},
            {"name": "http-usermetric", "containerPort": 9091, "protocol": "TCP"},
            {"name": "queue-port", "containerPort": 8012, "protocol": "TCP"},
        ],
        "env": [
            {"name": "SERVING_NAMESPACE", "value": namespace},
            {"name": "SERVING_REVISION", "value": revision},
            {"name": "USER_PORT", "value": "8080"},
        ],
    }


def _condition(kind: str, status: bool, now: str, reason: str = "", message: str = "") -> dict[str, Any]:
    found: dict[str, Any] = {"type": kind, "status": "True" if status else "False", "lastTransitionTime": now}
    if reason:
        found["reason"] = reason
    if message:
        found["message"] = message
    return found


def scheduled(pod: Mapping[str, Any]) -> bool:
    """Whether the kubelet has taken the pod (a new pod is Pending too, but not yet started)."""
    return bool((pod.get("status") or {}).get("startTime"))


def pending_status(pod: Mapping[str, Any], now: str) -> dict[str, Any]:
    """Scheduled, containers being created (kubectl: ContainerCreating, 0/N)."""
    names = _container_names(pod)
    not_ready = f"containers with unready status: [{' '.join(names)}]"
    return {
        "phase": "Pending",
        "conditions": [
            _condition("Initialized", True, now),
            _condition("Ready", False, now, "ContainersNotReady", not_ready),
            _condition("ContainersReady", False, now, "ContainersNotReady", not_ready),
            _condition("PodScheduled", True, now),
        ],
        "hostIP": HOST_IP,
        "startTime": now,
        "qosClass": "Burstable",
        "containerStatuses": [
            {
                "name": c["name"],
                "image": c.get("image", ""),
                "imageID": "",
                "ready": False,
                "restartCount": 0,
                "started": False,
                "state": {"waiting": {"reason": "ContainerCreating"}},
                "lastState": {},
            }
            for c in _containers(pod)
        ],
    }


def running_status(pod: Mapping[str, Any], now: str, pod_ip: str) -> dict[str, Any]:
    """Every container running and ready (kubectl: Running, N/N)."""
    status = dict(pod.get("status") or {})
    started = status.get("startTime") or now
    status.update(
        phase="Running",
        podIP=pod_ip,
        podIPs=[{"ip": pod_ip}],
        startTime=started,
        hostIP=HOST_IP,
        qosClass="Burstable",
        conditions=[
            _condition("Initialized", True, started),
            _condition("Ready", True, now),
            _condition("ContainersReady", True, now),
            _condition("PodScheduled", True, started),
        ],
        containerStatuses=[
            {
                "name": c["name"],
                "image": c.get("image", ""),
                "imageID": image_digest(str(c.get("image", ""))),
                "containerID": "cri-o://" + hashlib.sha256((pod_ip + c["name"]).encode()).hexdigest(),
                "ready": True,
                "restartCount": 0,
                "started": True,
                "state": {"running": {"startedAt": now}},
                "lastState": {},
            }
            for c in _containers(pod)
        ],
    )
    return status


def stopping_status(pod: Mapping[str, Any], now: str) -> dict[str, Any]:
    """Containers being stopped: the pod is no longer ready (kubectl: Terminating, 0/N)."""
    status = dict(pod.get("status") or {})
    reason, message = "ContainersNotReady", "containers are terminating"
    status["conditions"] = [
        _condition(c["type"], False, now, reason, message) if c["type"] in ("Ready", "ContainersReady") else c
        for c in status.get("conditions") or []
    ]
    status["containerStatuses"] = [dict(c, ready=False) for c in status.get("containerStatuses") or []]
    return status


def _containers(pod: Mapping[str, Any]) -> list[dict[str, Any]]:
    return sorted((pod.get("spec") or {}).get("containers") or [], key=lambda c: str(c.get("name")))


def _container_names(pod: Mapping[str, Any]) -> list[str]:
    return [str(c.get("name")) for c in (pod.get("spec") or {}).get("containers") or []]


def is_terminating(pod: Mapping[str, Any]) -> bool:
    """Whether the pod has been deleted (it waits for its finalizers)."""
    return bool((pod.get("metadata") or {}).get("deletionTimestamp"))


def is_ready(pod: Mapping[str, Any]) -> bool:
    """Running, Ready condition True, and not being deleted."""
    status = pod.get("status") or {}
    ready = any(
        c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or []
    )
    return ready and status.get("phase") == "Running" and not is_terminating(pod)
