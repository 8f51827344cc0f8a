"""The Revision reconciler: its Deployment and Services, and its readiness after a delay.

Scaling hook: the Deployment's `spec.replicas` is set at creation (initial scale) and preserved
afterwards, as Knative's KPA owns it; an autoscaler scales the Deployment and the Revision's
`desiredReplicas` follows. With `SimSettings.simulate_pods`, `actualReplicas` is the Deployment's
`status.readyReplicas` (written by a pods controller); otherwise it equals the desired scale once ready.

Upstream: knative/serving `pkg/reconciler/revision`, `pkg/apis/serving/v1/revision_lifecycle.go`.
"""

from __future__ import annotations

import math
import time
from typing import Any

from app.model.labels import (
    CONFIGURATION_GENERATION_LABEL,
    CONFIGURATION_LABEL,
    CONFIGURATION_UID_LABEL,
    REVISION_LABEL,
    REVISION_UID_LABEL,
    ROUTE_LABEL,
    ROUTES_ANNOTATION,
    ROUTING_STATE_LABEL,
    ROUTING_STATE_MODIFIED_ANNOTATION,
    SERVICE_LABEL,
    SERVICE_TYPE_LABEL,
    SERVICE_UID_LABEL,
    SKS_LABEL,
)
from app.model.naming import deployment_name, revision_service_names
from app.model.ownership import owner_reference
from app.model.routing import ENDPOINT_PORTS, revision_private_service_spec, revision_public_service_spec
from app.sim.images import image_digest
from app.sim.knative.conditions import Condition, happy, render, status_of
from app.sim.knative.writing import Context, ensure, write_status
from app.sim.storage.copying import clone
from app.sim.workloads.deployments import desired_replicas
from app.sim.workloads.pods import is_ready, is_terminating
from app.sim.workloads.scaling import ScalePolicy

NO_TRAFFIC = ("NoTraffic", "The target is not receiving traffic.")
_OWNER_LABELS = (
    CONFIGURATION_LABEL,
    CONFIGURATION_UID_LABEL,
    CONFIGURATION_GENERATION_LABEL,
    SERVICE_LABEL,
    SERVICE_UID_LABEL,
)


def revision_labels(revision: dict[str, Any]) -> dict[str, str]:
    """The labels a revision's Deployment, Services and pods carry."""
    meta = revision["metadata"]
    labels = {k: v for k, v in (meta.get("labels") or {}).items() if k in _OWNER_LABELS}
    labels.update({REVISION_LABEL: meta["name"], REVISION_UID_LABEL: meta["uid"]})
    return labels


def unresolvable_image(revision: dict[str, Any]) -> str | None:
    """The first image whose registry cannot resolve: a host under the reserved `.invalid` TLD."""
    for container in (revision.get("spec") or {}).get("containers") or []:
        image = str(container.get("image", ""))
        host = image.split("/", 1)[0] if "/" in image else ""
        if host.split(":", 1)[0].endswith(".invalid"):
            return image
    return None


def desired_deployment(revision: dict[str, Any]) -> dict[str, Any]:
    """The Deployment running a revision: its containers, labels, and the initial scale as replicas."""
    meta = revision["metadata"]
    labels = revision_labels(revision) | {"app": meta["name"]}
    spec = revision.get("spec") or {}
    pod_spec = {k: v for k, v in spec.items() if k not in ("containerConcurrency", "timeoutSeconds")}
    pod_spec["terminationGracePeriodSeconds"] = spec.get("timeoutSeconds", 300)
    pod_spec.setdefault("enableServiceLinks", False)
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k.startswith("autoscaling.")}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": deployment_name(meta["name"]),
            "namespace": meta["namespace"],
            "labels": labels,
            "ownerReferences": [owner_reference(revision)],
        },
        "spec": {
            "replicas": ScalePolicy.from_annotations(meta.get("annotations")).initial_scale,
            "selector": {"matchLabels": {REVISION_UID_LABEL: meta["uid"]}},
            "progressDeadlineSeconds": 600,
            "template": {"metadata": {"labels": labels, "annotations": annotations}, "spec": pod_spec},
        },
    }


_NOT_COPIED = {ROUTES_ANNOTATION, ROUTING_STATE_MODIFIED_ANNOTATION}
"""Revision annotations its PodAutoscaler does not carry (the labeler's), as Knative filters them."""
KPA_CLASS = "kpa.autoscaling.knative.dev"
CLASS_ANNOTATION = "autoscaling.knative.dev/class"
METRIC_ANNOTATION = "autoscaling.knative.dev/metric"
MIN_ACTIVATORS = 2
ACTIVATOR_IPS = ("10.244.0.201", "10.244.0.202")
"""The simulated activator pods in knative-serving: the public Endpoints of a revision at zero."""


def _autoscaler_meta(revision: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """The PodAutoscaler's labels (the revision's, without route and routing state, plus the revision,
    its uid and `app`) and annotations (the revision's, without the labeler's, with the KPA defaults)."""
    meta = revision["metadata"]
    labels = {
        k: v for k, v in (meta.get("labels") or {}).items() if k not in (ROUTE_LABEL, ROUTING_STATE_LABEL)
    }
    labels.update({REVISION_LABEL: meta["name"], REVISION_UID_LABEL: meta["uid"]})
    labels.setdefault("app", meta["name"])
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k not in _NOT_COPIED}
    annotations.setdefault(CLASS_ANNOTATION, KPA_CLASS)
    annotations.setdefault(METRIC_ANNOTATION, "concurrency")
    return labels, annotations


def desired_pod_autoscaler(revision: dict[str, Any]) -> dict[str, Any]:
    """The revision's PodAutoscaler (KPA): it scales the Deployment and owns the ServerlessService."""
    meta = revision["metadata"]
    labels, annotations = _autoscaler_meta(revision)
    state = (meta.get("labels") or {}).get(ROUTING_STATE_LABEL)
    reachability = {"active": "Reachable", "reserve": "Unreachable"}.get(state or "", "")
    spec: dict[str, Any] = {
        "containerConcurrency": (revision.get("spec") or {}).get("containerConcurrency", 0),
        "scaleTargetRef": {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": deployment_name(meta["name"]),
        },
        "protocolType": "http1",
    }
    if reachability:
        spec["reachability"] = reachability
    return {
        "apiVersion": "autoscaling.internal.knative.dev/v1alpha1",
        "kind": "PodAutoscaler",
        "metadata": {
            "name": meta["name"],
            "namespace": meta["namespace"],
            "labels": labels,
            "annotations": annotations,
            "ownerReferences": [owner_reference(revision)],
        },
        "spec": spec,
    }


TARGET_BURST_CAPACITY_ANNOTATION = "autoscaling.knative.dev/target-burst-capacity"
TARGET_ANNOTATION = "autoscaling.knative.dev/target"
DEFAULT_TARGET_BURST_CAPACITY = 200.0
"""config-autoscaler's `target-burst-capacity`: the spare concurrency a revision must have before the
activator leaves its request path."""
DEFAULT_CONTAINER_CONCURRENCY_TARGET = 100.0
"""config-autoscaler's `container-concurrency-target-default`: one pod's capacity when the revision
sets neither containerConcurrency nor a target."""


def _number(raw: str | None) -> float | None:
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None


def pod_capacity(pa: dict[str, Any]) -> float:
    """One pod's concurrency capacity as the KPA's decider counts it (its TotalValue): the target
    annotation (capped by containerConcurrency), else containerConcurrency, else the default 100."""
    concurrency = float((pa.get("spec") or {}).get("containerConcurrency") or 0)
    total = concurrency or DEFAULT_CONTAINER_CONCURRENCY_TARGET
    target = _number((pa["metadata"].get("annotations") or {}).get(TARGET_ANNOTATION))
    if target is not None:
        total = min(target, concurrency) if concurrency else target
    return total


def target_burst_capacity(pa: dict[str, Any]) -> float:
    """The PodAutoscaler's target burst capacity: its annotation, else the cluster default (200)."""
    found = _number((pa["metadata"].get("annotations") or {}).get(TARGET_BURST_CAPACITY_ANNOTATION))
    return DEFAULT_TARGET_BURST_CAPACITY if found is None else found


def excess_burst_capacity(ready_pods: int, capacity: float, burst: float, panic_concurrency: float) -> float:
    """The decider's excess burst capacity: what the ready pods can take beyond the requests in flight
    and the burst to absorb; a burst of 0 never needs the activator, a negative one always does."""
    if burst == 0:
        return 0.0
    if burst < 0:
        return -1.0
    return math.floor(ready_pods * capacity - burst - panic_concurrency)


def sks_mode(want: int, excess: float) -> str:
    """The KPA's choice: the activator leaves the request path (Serve) only when the revision should
    have pods and they have spare capacity for a burst; otherwise it stays in front (Proxy), which is
    why a one-pod revision under the default burst capacity of 200 is proxied."""
    return "Serve" if want > 0 and excess >= 0 else "Proxy"


def desired_serverless_service(pa: dict[str, Any], mode: str) -> dict[str, Any]:
    """The PodAutoscaler's ServerlessService in the KPA's mode (`sks_mode`); its labels are the
    PodAutoscaler's, its annotations without the metric."""
    meta = pa["metadata"]
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k != METRIC_ANNOTATION}
    return {
        "apiVersion": "networking.internal.knative.dev/v1alpha1",
        "kind": "ServerlessService",
        "metadata": {
            "name": meta["name"],
            "namespace": meta["namespace"],
            "labels": dict(meta.get("labels") or {}),
            "annotations": annotations,
            "ownerReferences": [owner_reference(pa)],
        },
        "spec": {
            "mode": mode,
            "objectRef": pa["spec"]["scaleTargetRef"],
            "protocolType": "http1",
            "numActivators": MIN_ACTIVATORS,
        },
    }


def desired_services(revision: dict[str, Any], owner: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The revision's public and private Services, owned by its ServerlessService (`owner`, whose labels
    and annotations they carry) or, without one, by the revision."""
    meta = revision["metadata"]
    public, private = revision_service_names(meta["name"])
    if owner is not None:
        base_labels = dict(owner["metadata"].get("labels") or {})
        annotations = dict(owner["metadata"].get("annotations") or {})
    else:
        base_labels, annotations = revision_labels(revision) | {"app": meta["name"]}, {}
    out = []
    for name, kind, spec in (
        (public, "Public", revision_public_service_spec()),
        (private, "Private", revision_private_service_spec(meta["uid"])),
    ):
        labels = base_labels | {SKS_LABEL: meta["name"], SERVICE_TYPE_LABEL: kind}
        out.append(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {
                    "name": name,
                    "namespace": meta["namespace"],
                    "labels": labels,
                    "annotations": annotations,
                    "ownerReferences": [owner_reference(owner or revision)],
                },
                "spec": spec,
            }
        )
    return out


def _address(pod: dict[str, Any]) -> dict[str, Any]:
    meta = pod["metadata"]
    address: dict[str, Any] = {"ip": (pod.get("status") or {}).get("podIP", "")}
    node = (pod.get("spec") or {}).get("nodeName")
    if node:
        address["nodeName"] = node
    address["targetRef"] = {
        "kind": "Pod",
        "name": meta["name"],
        "namespace": meta["namespace"],
        "uid": meta["uid"],
    }
    return address


def private_endpoints(service: dict[str, Any], pods: list[dict[str, Any]]) -> dict[str, Any]:
    """What the endpoints controller writes for the private Service: its ready pods' IPs (the others
    as not ready) on every port of the Service."""
    meta = service["metadata"]
    with_ip = [p for p in pods if (p.get("status") or {}).get("podIP") and not is_terminating(p)]
    ready = sorted((_address(p) for p in with_ip if is_ready(p)), key=lambda a: a["ip"])
    waiting = sorted((_address(p) for p in with_ip if not is_ready(p)), key=lambda a: a["ip"])
    ports = [
        {
            "name": p["name"],
            "port": p["targetPort"] if isinstance(p["targetPort"], int) else p["port"],
            "protocol": "TCP",
        }
        for p in service["spec"]["ports"]
    ]
    subset: dict[str, Any] = {}
    if ready:
        subset["addresses"] = ready
    if waiting:
        subset["notReadyAddresses"] = waiting
    return _endpoints(meta, [{**subset, "ports": ports}] if subset else [])


def public_endpoints(
    service: dict[str, Any], sks: dict[str, Any], ready: list[dict[str, Any]]
) -> dict[str, Any]:
    """What the ServerlessService writes for the public Service: the ready pods (Serve), or the
    activator's pods (Proxy, and also in Serve mode while no pod is ready: the public Endpoints are
    what the ingress routes to, so serving never leaves them empty), on the queue-proxy's ports."""
    meta = service["metadata"]
    serve = sks["spec"]["mode"] == "Serve" and bool(ready)
    addresses = ready if serve else [{"ip": ip} for ip in ACTIVATOR_IPS]
    subsets = [{"addresses": addresses, "ports": [dict(p) for p in ENDPOINT_PORTS]}] if addresses else []
    return _endpoints(
        meta,
        subsets,
        annotations=dict(meta.get("annotations") or {}),
        ownerReferences=[owner_reference(sks)],
    )


def _endpoints(service_meta: dict[str, Any], subsets: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """Endpoints named and labelled as their Service, with `extra` metadata (the writer's own marks)."""
    metadata = {
        "name": service_meta["name"],
        "namespace": service_meta["namespace"],
        "labels": dict(service_meta.get("labels") or {}),
        **extra,
    }
    return {"apiVersion": "v1", "kind": "Endpoints", "metadata": metadata, "subsets": subsets}


def _write_endpoints(ctx: Context, desired: dict[str, Any]) -> dict[str, Any]:
    """Create or replace Endpoints when their subsets, labels or owners differ."""
    meta = desired["metadata"]
    current = ctx.lister.get(ctx.kinds.endpoints, meta["namespace"], meta["name"])
    if current is None:
        return ctx.client.create(ctx.kinds.endpoints, meta["namespace"], clone(desired))
    have = current["metadata"]
    same = (
        current.get("subsets", []) == desired["subsets"]
        and (have.get("labels") or {}) == meta.get("labels", {})
        and (have.get("ownerReferences") or []) == meta.get("ownerReferences", [])
    )
    if same:
        return current
    body = clone(current)
    body["subsets"] = clone(desired["subsets"])
    for key in ("labels", "annotations", "ownerReferences"):
        if key in meta:
            body["metadata"][key] = clone(meta[key])
    return ctx.client.update(ctx.kinds.endpoints, meta["namespace"], meta["name"], body)


def _networking(ctx: Context, revision: dict[str, Any], desired: int, ready_now: bool) -> None:
    """The revision's PodAutoscaler, ServerlessService, Services and Endpoints (the profile decides
    whether the first two exist)."""
    meta = revision["metadata"]
    namespace = meta["namespace"]
    pods = ctx.lister.list(ctx.kinds.pod, namespace, label_selector=f"{REVISION_UID_LABEL}={meta['uid']}")
    sks: dict[str, Any] | None = None
    pa: dict[str, Any] | None = None
    ready_pods = sum(1 for p in pods if is_ready(p))
    if not ctx.settings.simulate_pods:
        # Without simulated pods the revision's replicas count as ready once the revision is.
        ready_pods = desired if ready_now else 0
    if ctx.profile.serverless_services:
        pa = ensure(ctx, ctx.kinds.podautoscaler, desired_pod_autoscaler(revision))
        # The simulated autoscaler keeps its request counts to itself: the decider's panic concurrency
        # is taken as 0, so only the ready pods and the burst capacity decide the mode.
        excess = excess_burst_capacity(ready_pods, pod_capacity(pa), target_burst_capacity(pa), 0.0)
        mode = sks_mode(desired, excess)
        sks = ensure(ctx, ctx.kinds.serverlessservice, desired_serverless_service(pa, mode))
    services = [ensure(ctx, ctx.kinds.service, s) for s in desired_services(revision, sks)]
    public, private = services
    private_eps = _write_endpoints(ctx, private_endpoints(private, pods))
    ready_addresses = [a for s in private_eps.get("subsets") or [] for a in s.get("addresses") or []]
    if sks is not None:
        _write_endpoints(ctx, public_endpoints(public, sks, ready_addresses))
        sks = _sks_status(ctx, sks, bool(ready_addresses))
    if pa is not None and sks is not None:
        _pa_status(ctx, pa, sks, desired, len(ready_addresses), ready_now)


ACTIVATOR_BACKED = ("ActivatorEndpointsPopulated", "Revision is backed by Activator")


def _sks_status(ctx: Context, sks: dict[str, Any], populated: bool) -> dict[str, Any]:
    """The ServerlessService's conditions as its reconciler marks them: EndpointsPopulated True with a
    ready pod behind the private Service, else Unknown; the activator (an Info condition, same reason
    and message either way) backs the revision in Proxy mode or while no pod is ready."""
    name = sks["metadata"]["name"]
    proxy = sks["spec"]["mode"] == "Proxy"
    endpoints = (
        Condition.true("EndpointsPopulated")
        if populated
        else Condition("EndpointsPopulated", "Unknown", "NoHealthyBackends", "K8s Service is not ready")
    )
    backed = "True" if proxy or not populated else "False"
    activator = Condition("ActivatorEndpointsPopulated", backed, *ACTIVATOR_BACKED, severity="Info")
    status = {
        "observedGeneration": sks["metadata"].get("generation", 1),
        "serviceName": name,
        "privateServiceName": revision_service_names(name)[1],
        "conditions": render(
            [endpoints, activator, happy([endpoints])],
            (sks.get("status") or {}).get("conditions"),
            ctx.timestamp(),
        ),
    }
    return write_status(ctx, ctx.kinds.serverlessservice, sks, status)


def _pa_status(
    ctx: Context, pa: dict[str, Any], sks: dict[str, Any], desired: int, actual: int, initialized: bool
) -> None:
    active = Condition.true("Active") if desired > 0 else Condition("Active", "False", *NO_TRAFFIC)
    dependents = [
        active,
        Condition.true("ScaleTargetInitialized")
        if initialized
        else Condition("ScaleTargetInitialized", "Unknown"),
        Condition("SKSReady", status_of(sks)),
    ]
    status = {
        "observedGeneration": pa["metadata"].get("generation", 1),
        "serviceName": (sks.get("status") or {}).get("serviceName", sks["metadata"]["name"]),
        "metricsServiceName": revision_service_names(sks["metadata"]["name"])[1],
        "desiredScale": desired,
        "actualScale": actual,
        "conditions": render(
            [*dependents, happy(dependents)], (pa.get("status") or {}).get("conditions"), ctx.timestamp()
        ),
    }
    write_status(ctx, ctx.kinds.podautoscaler, pa, status)


def reconcile_revision(ctx: Context, namespace: str, name: str) -> None:
    """Keep the Revision's Deployment and Services; report readiness (after the delay) and scale."""
    revision = ctx.lister.get(ctx.kinds.revision, namespace, name)
    if revision is None or revision["metadata"].get("deletionTimestamp"):
        return
    remaining = _remaining_delay(ctx, revision)
    deployment = ensure(ctx, ctx.kinds.deployment, desired_deployment(revision), preserve=("replicas",))
    desired = desired_replicas(deployment)
    missing = unresolvable_image(revision)
    dependents, actual = _health(ctx, revision, deployment, missing, remaining)
    ready = happy(dependents)
    status: dict[str, Any] = {
        "observedGeneration": revision["metadata"].get("generation", 1),
        "actualReplicas": actual,
        "desiredReplicas": desired,
        "conditions": render(
            [*dependents, _active(ready, desired), ready],
            (revision.get("status") or {}).get("conditions"),
            ctx.timestamp(),
        ),
    }
    if missing is None:
        containers = (revision.get("spec") or {}).get("containers") or []
        status["containerStatuses"] = [
            {"name": c.get("name", ""), "imageDigest": image_digest(str(c.get("image", "")))}
            for c in containers
        ]
    write_status(ctx, ctx.kinds.revision, revision, status)
    _networking(ctx, revision, desired, ready.status == "True")


def _remaining_delay(ctx: Context, revision: dict[str, Any]) -> float:
    """Seconds until the revision's containers are up, counted from when this control plane first
    saw it; a revision already Ready (e.g. restored from a state file) does not wait again."""
    delay = ctx.settings.revision_ready_delay
    seen = ctx.first_seen.setdefault(
        revision["metadata"]["uid"], time.monotonic() - (delay if status_of(revision) == "True" else 0)
    )
    return seen + delay - time.monotonic()


def _health(
    ctx: Context, revision: dict[str, Any], deployment: dict[str, Any], missing: str | None, remaining: float
) -> tuple[list[Condition], int]:
    """ContainerHealthy and ResourcesAvailable, and how many replicas are up; while the containers
    start (`remaining` seconds more), the revision is reconciled again when they should be up."""
    if missing is not None:
        message = f'Unable to fetch image "{missing}": failed to resolve image to digest: no such host'
        return [
            Condition("ContainerHealthy", "False", "ContainerMissing", message),
            Condition("ResourcesAvailable", "Unknown", "Deploying"),
        ], 0
    if remaining > 0:
        meta = revision["metadata"]
        ctx.defer(("revision", meta["namespace"], meta["name"]), remaining)
        return [
            Condition("ContainerHealthy", "Unknown", "Deploying"),
            Condition("ResourcesAvailable", "Unknown", "Deploying"),
        ], 0
    if ctx.settings.simulate_pods:
        actual = int((deployment.get("status") or {}).get("readyReplicas") or 0)
    else:
        actual = desired_replicas(deployment)
    return [Condition.true("ContainerHealthy"), Condition.true("ResourcesAvailable")], actual


def _active(ready: Condition, desired: int) -> Condition:
    """Active: whether the revision has pods to take traffic."""
    if ready.status == "Unknown":
        return Condition("Active", "Unknown", "Deploying", severity="Info")
    if desired > 0 and ready.status == "True":
        return Condition("Active", "True", severity="Info")
    return Condition("Active", "False", *NO_TRAFFIC, severity="Info")
