"""The Configuration reconciler: one Revision per generation of the template, and which is latest.

Upstream: knative/serving `pkg/reconciler/configuration/configuration.go`.
"""

from __future__ import annotations

from typing import Any

from app.model.labels import (
    CONFIGURATION_GENERATION_LABEL,
    CONFIGURATION_LABEL,
    CONFIGURATION_UID_LABEL,
    CREATOR_ANNOTATION,
    LAST_MODIFIER_ANNOTATION,
    ROUTES_ANNOTATION,
    ROUTING_STATE_LABEL,
    ROUTING_STATE_MODIFIED_ANNOTATION,
    SERVICE_LABEL,
    SERVICE_UID_LABEL,
)
from app.model.naming import revision_name
from app.model.ownership import controlled_by, owner_reference
from app.model.traffic import go_quote
from app.model.views import revision_generation
from app.sim.knative.conditions import Condition, find, render, status_of
from app.sim.knative.writing import Context, record_created, write_status
from app.sim.storage.errors import Conflict


def desired_revision(config: dict[str, Any], name: str, now: str) -> dict[str, Any]:
    """The Revision for the Configuration's current generation."""
    meta = config["metadata"]
    template = (config.get("spec") or {}).get("template") or {}
    template_meta = template.get("metadata") or {}
    labels = dict(template_meta.get("labels") or {})
    labels.update(
        {
            CONFIGURATION_LABEL: meta["name"],
            CONFIGURATION_UID_LABEL: meta["uid"],
            CONFIGURATION_GENERATION_LABEL: str(meta.get("generation", 1)),
            ROUTING_STATE_LABEL: "pending",
        }
    )
    config_labels = meta.get("labels") or {}
    for key in (SERVICE_LABEL, SERVICE_UID_LABEL):
        if key in config_labels:
            labels[key] = config_labels[key]
    annotations = dict(template_meta.get("annotations") or {})
    annotations[ROUTING_STATE_MODIFIED_ANNOTATION] = now
    config_annotations = meta.get("annotations") or {}
    # The revision's creator is whoever last changed the Configuration (its lastModifier), not the
    # Configuration's own creator.
    modifier = config_annotations.get(LAST_MODIFIER_ANNOTATION)
    if modifier is not None:
        annotations[CREATOR_ANNOTATION] = modifier
    # A Configuration some route already sends traffic to hands that on: the new revision starts
    # active instead of pending, so it is never taken for an unrouted one.
    routes = config_annotations.get(ROUTES_ANNOTATION)
    if routes is not None:
        annotations[ROUTES_ANNOTATION] = routes
        labels[ROUTING_STATE_LABEL] = "active"
    return {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Revision",
        "metadata": {
            "name": name,
            "namespace": meta["namespace"],
            "labels": labels,
            "annotations": annotations,
            "ownerReferences": [owner_reference(config)],
        },
        "spec": template.get("spec") or {},
    }


def _generation(revision: dict[str, Any]) -> int:
    """The Configuration generation that made the revision (0 when its label is missing or bad)."""
    return revision_generation(revision) or 0


def reconcile_configuration(ctx: Context, namespace: str, name: str) -> None:
    """Make this generation's Revision; report the latest created and the latest ready ones."""
    config = ctx.lister.get(ctx.kinds.configuration, namespace, name)
    if config is None or config["metadata"].get("deletionTimestamp"):
        return
    meta = config["metadata"]
    generation = int(meta.get("generation", 1))
    template = (config.get("spec") or {}).get("template") or {}
    wanted = revision_name(name, generation, (template.get("metadata") or {}).get("name"))
    revisions = ctx.client.list(ctx.kinds.revision, namespace, label_selector=f"{CONFIGURATION_LABEL}={name}")
    ours = [r for r in revisions if controlled_by(r, meta["uid"])]
    latest = next((r for r in ours if _generation(r) == generation), None)
    failure = ""
    if latest is None:
        try:
            latest = record_created(
                ctx,
                ctx.client.create(
                    ctx.kinds.revision, namespace, desired_revision(config, wanted, ctx.timestamp())
                ),
            )
            ours.append(latest)
        except Conflict as error:
            failure = error.message
    previous = config.get("status") or {}
    status: dict[str, Any] = {"observedGeneration": generation}
    if latest is not None:
        status["latestCreatedRevisionName"] = latest["metadata"]["name"]
    elif "latestCreatedRevisionName" in previous:
        status["latestCreatedRevisionName"] = previous["latestCreatedRevisionName"]
    ready = [r for r in ours if _generation(r) <= generation and status_of(r) == "True"]
    if ready:
        status["latestReadyRevisionName"] = max(ready, key=_generation)["metadata"]["name"]
    status["conditions"] = render([_ready(latest, failure)], previous.get("conditions"), ctx.timestamp())
    write_status(ctx, ctx.kinds.configuration, config, status)


def _ready(latest: dict[str, Any] | None, failure: str) -> Condition:
    if latest is None:
        return Condition(
            "Ready", "False", "RevisionFailed", f"Revision creation failed with message: {failure}."
        )
    state = status_of(latest)
    if state == "True":
        return Condition("Ready", "True")
    if state == "False":
        cause = find(latest, "Ready") or {}
        quoted = go_quote(latest["metadata"]["name"])
        message = f"Revision {quoted} failed with message: {cause.get('message', '')}."
        return Condition("Ready", "False", "RevisionFailed", message)
    return Condition("Ready", "Unknown")
