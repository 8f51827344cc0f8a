"""The Revision reconciler: its Deployment and Services, and its readiness after a delay.

Scaling hook: the Deployment's `spec.replicas` is set at creation (initial scale) and preserved
afterwards, as Knative's KPA owns it; an autoscaler scales the Deployment and the Revision's
`desiredReplicas` follows. With `SimSettings.simulate_pods`, `actualReplicas` is the Deployment's
`status.readyReplicas` (written by a pods controller); otherwise it equals the desired scale once ready.

Upstream: knative/serving `pkg/reconciler/revision`, `pkg/apis/serving/v1/revision_lifecycle.go`.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from app.model.labels import (
    CONFIGURATION_GENERATION_LABEL,
    CONFIGURATION_LABEL,
    CONFIGURATION_UID_LABEL,
    REVISION_LABEL,
    REVISION_UID_LABEL,
    SERVICE_LABEL,
    SERVICE_TYPE_LABEL,
    SERVICE_UID_LABEL,
    SKS_LABEL,
)
from app.model.naming import deployment_name, revision_service_names
from app.model.ownership import owner_reference
from app.model.routing import revision_private_service_spec, revision_public_service_spec
from app.sim.images import image_digest
from app.sim.knative.conditions import Condition, happy, render, status_of
from app.sim.knative.writing import Context, ensure, write_status
from app.sim.workloads.deployments import desired_replicas
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


def _cluster_ip(namespace: str, name: str) -> str:
    digest = hashlib.sha256(f"{namespace}/{name}".encode()).digest()
    return f"10.96.{digest[0]}.{max(2, digest[1])}"


def desired_services(revision: dict[str, Any]) -> list[dict[str, Any]]:
    """The revision's public and private Services."""
    meta = revision["metadata"]
    public, private = revision_service_names(meta["name"])
    out = []
    for name, kind, spec in (
        (public, "Public", revision_public_service_spec()),
        (private, "Private", revision_private_service_spec(meta["name"])),
    ):
        labels = revision_labels(revision) | {
            SKS_LABEL: meta["name"],
            SERVICE_TYPE_LABEL: kind,
            "app": meta["name"],
        }
        spec["clusterIP"] = _cluster_ip(meta["namespace"], name)
        out.append(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {
                    "name": name,
                    "namespace": meta["namespace"],
                    "labels": labels,
                    "ownerReferences": [owner_reference(revision)],
                },
                "spec": spec,
            }
        )
    return out


def reconcile_revision(ctx: Context, namespace: str, name: str) -> None:
    """Keep the Revision's Deployment and Services; report readiness (after the delay) and scale."""
    revision = ctx.store.find(ctx.kinds.revision, namespace, name, copy=False)
    if revision is None or revision["metadata"].get("deletionTimestamp"):
        return
    meta = revision["metadata"]
    # A revision already Ready (e.g. restored from a state file) does not go through its delay again.
    delay = ctx.settings.revision_ready_delay
    seen = ctx.first_seen.setdefault(
        meta["uid"], time.monotonic() - (delay if status_of(revision) == "True" else 0)
    )
    deployment = ensure(ctx, ctx.kinds.deployment, desired_deployment(revision), preserve=("replicas",))
    for service in desired_services(revision):
        ensure(ctx, ctx.kinds.service, service)
    desired = desired_replicas(deployment)
    missing = unresolvable_image(revision)
    remaining = seen + delay - time.monotonic()
    if missing is not None:
        message = f'Unable to fetch image "{missing}": failed to resolve image to digest: no such host'
        dependents = [
            Condition("ContainerHealthy", "False", "ContainerMissing", message),
            Condition("ResourcesAvailable", "Unknown", "Deploying"),
        ]
        actual = 0
    elif remaining > 0:
        dependents = [
            Condition("ContainerHealthy", "Unknown", "Deploying"),
            Condition("ResourcesAvailable", "Unknown", "Deploying"),
        ]
        actual = 0
        ctx.defer(("revision", namespace, name), remaining)
    else:
        dependents = [Condition.true("ContainerHealthy"), Condition.true("ResourcesAvailable")]
        if ctx.settings.simulate_pods:
            actual = int((deployment.get("status") or {}).get("readyReplicas") or 0)
        else:
            actual = desired
    ready = happy(dependents)
    if ready.status == "Unknown":
        active = Condition("Active", "Unknown", "Deploying", severity="Info")
    elif desired > 0 and ready.status == "True":
        active = Condition("Active", "True", severity="Info")
    else:
        active = Condition("Active", "False", *NO_TRAFFIC, severity="Info")
    containers = (revision.get("spec") or {}).get("containers") or []
    status: dict[str, Any] = {
        "observedGeneration": meta.get("generation", 1),
        "actualReplicas": actual,
        "desiredReplicas": desired,
        "conditions": render(
            [*dependents, active, ready], (revision.get("status") or {}).get("conditions"), ctx.timestamp()
        ),
    }
    if missing is None:
        status["containerStatuses"] = [
            {"name": c.get("name", ""), "imageDigest": image_digest(str(c.get("image", "")))}
            for c in containers
        ]
    write_status(ctx, ctx.kinds.revision, revision, status)
