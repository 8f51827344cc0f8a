"""The Service reconciler: a Service owns a Configuration and a Route and reports their state.

Upstream: knative/serving `pkg/reconciler/service/service.go` and `pkg/apis/serving/v1/service_lifecycle.go`.
"""

from __future__ import annotations

from typing import Any

from app.model.labels import (
    CONFIGURATION_GENERATION_LABEL,
    LAST_APPLIED_ANNOTATION,
    ROUTES_ANNOTATION,
    SERVICE_LABEL,
    SERVICE_UID_LABEL,
)
from app.model.ownership import controlled_by, owner_reference
from app.model.rollouts import ROLLOUT_DURATION_KEYS
from app.model.routing import route_traffic
from app.model.traffic import default_traffic, go_quote, parse_traffic
from app.sim.knative.conditions import Condition, find, happy, render
from app.sim.knative.writing import Context, ensure, write_status

TRAFFIC_NOT_MIGRATED = Condition(
    "RoutesReady", "Unknown", "TrafficNotMigrated", "Traffic is not yet migrated to the latest revision."
)
CONFIG_OUT_OF_DATE = Condition(
    "ConfigurationsReady",
    "Unknown",
    "OutOfDate",
    "The Configuration is still working to reflect the latest desired specification.",
)
ROUTE_OUT_OF_DATE = Condition(
    "RoutesReady",
    "Unknown",
    "OutOfDate",
    "The Route is still working to reflect the latest desired specification.",
)


def _child_meta(ksvc: dict[str, Any]) -> dict[str, Any]:
    meta = ksvc["metadata"]
    labels = dict(meta.get("labels") or {})
    labels.update({SERVICE_LABEL: meta["name"], SERVICE_UID_LABEL: meta["uid"]})
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k != LAST_APPLIED_ANNOTATION}
    return {
        "name": meta["name"],
        "namespace": meta["namespace"],
        "labels": labels,
        "annotations": annotations,
        "ownerReferences": [owner_reference(ksvc)],
    }


def desired_configuration(ksvc: dict[str, Any], existing: dict[str, Any] | None = None) -> dict[str, Any]:
    """The Configuration a Service asks for: its template, the Service's annotations without the
    rollout duration, and `serving.knative.dev/routes` naming the Service's Route beside any route the
    labeler already listed there (`existing`)."""
    meta = _child_meta(ksvc)
    # The rollout duration is the Route's business, not the Configuration's.
    for key in ROLLOUT_DURATION_KEYS:
        meta["annotations"].pop(key, None)
    meta["annotations"].update(dict.fromkeys(ROLLOUT_DURATION_KEYS))  # gone with the Service's
    meta["annotations"][LAST_APPLIED_ANNOTATION] = None
    have = ((existing or {}).get("metadata") or {}).get("annotations") or {}
    routes = {r for r in str(have.get(ROUTES_ANNOTATION) or "").split(",") if r}
    meta["annotations"][ROUTES_ANNOTATION] = ",".join(sorted(routes | {ksvc["metadata"]["name"]}))
    return {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Configuration",
        "metadata": meta,
        "spec": {"template": (ksvc.get("spec") or {}).get("template") or {}},
    }


def desired_route(ksvc: dict[str, Any]) -> dict[str, Any]:
    """The Route a Service asks for: its traffic, floating targets naming its Configuration."""
    targets, _ = parse_traffic((ksvc.get("spec") or {}).get("traffic"))
    traffic = route_traffic(ksvc["metadata"]["name"], default_traffic(targets))
    meta = _child_meta(ksvc)
    # Knative replaces the Route's annotations with the Service's (service.go, reconcileRoute): a
    # rollout duration the Service dropped, in either spelling, goes from the Route too.
    for key in ROLLOUT_DURATION_KEYS:
        meta["annotations"].setdefault(key, None)
    # Knative labels a Route with its Service's name only (the Configuration also gets the uid).
    meta["labels"][SERVICE_UID_LABEL] = None
    return {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Route",
        "metadata": meta,
        "spec": {"traffic": [t.to_dict() for t in traffic]},
    }


def _mirrored(obj: dict[str, Any], source: str, type_: str) -> Condition:
    """`obj`'s `source` condition under the name `type_` (Unknown when `obj` has none)."""
    found = find(obj, source)
    if found is None:
        return Condition(type_, "Unknown")
    return Condition(type_, found.get("status", "Unknown"), found.get("reason", ""), found.get("message", ""))


def _not_owned(type_: str, kind: str, name: str) -> Condition:
    message = f"There is an existing {kind} {go_quote(name)} that we do not own."
    return Condition(type_, "False", "NotOwned", message)


def name_taken(ctx: Context, config: dict[str, Any]) -> bool:
    """knative's CheckNameAvailability: a BYO name used by a revision that is not this generation's."""
    template = (config.get("spec") or {}).get("template") or {}
    name = (template.get("metadata") or {}).get("name")
    if not name:
        return False
    meta = config["metadata"]
    revision = ctx.lister.get(ctx.kinds.revision, meta["namespace"], name)
    if revision is None:
        return False
    generation = (revision["metadata"].get("labels") or {}).get(CONFIGURATION_GENERATION_LABEL)
    return not controlled_by(revision, meta["uid"]) or generation != str(meta.get("generation"))


def traffic_migrated(route: dict[str, Any], config: dict[str, Any]) -> bool:
    """knative's checkRoutesNotReady: does the Route's status show its spec, latest targets resolved to
    the Configuration's latest ready revision?"""
    spec = (route.get("spec") or {}).get("traffic") or []
    got = (route.get("status") or {}).get("traffic") or []
    if len(spec) != len(got):
        return False
    latest = (config.get("status") or {}).get("latestReadyRevisionName")
    for want, have in zip(spec, got, strict=True):
        revision = (
            latest
            if want.get("configurationName") == config["metadata"]["name"]
            else want.get("revisionName")
        )
        if (want.get("tag"), revision, want.get("percent")) != (
            have.get("tag"),
            have.get("revisionName"),
            have.get("percent"),
        ):
            return False
    return True


def reconcile_service(ctx: Context, namespace: str, name: str) -> None:
    """Keep the Service's Configuration and Route as it asks; report their state as its own."""
    ksvc = ctx.lister.get(ctx.kinds.ksvc, namespace, name)
    if ksvc is None or ksvc["metadata"].get("deletionTimestamp"):
        return
    status: dict[str, Any] = {"observedGeneration": ksvc["metadata"].get("generation", 1)}
    _write(ctx, ksvc, status, _configuration_and_route(ctx, ksvc, status))


def _reconciled(obj: dict[str, Any]) -> bool:
    """Whether the object's controller has seen its latest generation."""
    return bool((obj.get("status") or {}).get("observedGeneration") == obj["metadata"].get("generation"))


def _configuration_and_route(ctx: Context, ksvc: dict[str, Any], status: dict[str, Any]) -> list[Condition]:
    """Ensure the Configuration, then the Route, stopping at the first that cannot go on; their
    conditions, with what they report copied into `status`."""
    meta = ksvc["metadata"]
    existing = ctx.lister.get(ctx.kinds.configuration, meta["namespace"], meta["name"])
    if existing is not None and not controlled_by(existing, meta["uid"]):
        return [
            _not_owned("ConfigurationsReady", "Configuration", meta["name"]),
            Condition("RoutesReady", "Unknown"),
        ]
    config = ensure(ctx, ctx.kinds.configuration, desired_configuration(ksvc, existing))
    config_cond = _configuration_condition(config, status)
    byo = bool(((config["spec"].get("template") or {}).get("metadata") or {}).get("name"))
    if byo and not _reconciled(config):
        # A BYO name serializes Configuration and Route: wait for the Configuration first.
        return [config_cond, _mirrored(ksvc, "RoutesReady", "RoutesReady")]
    return [config_cond, _route_condition(ctx, ksvc, config, status)]


def _configuration_condition(config: dict[str, Any], status: dict[str, Any]) -> Condition:
    """ConfigurationsReady; the latest revision names go into `status` once the generation is seen."""
    if not _reconciled(config):
        return CONFIG_OUT_OF_DATE
    config_status = config.get("status") or {}
    for key in ("latestCreatedRevisionName", "latestReadyRevisionName"):
        if key in config_status:
            status[key] = config_status[key]
    return _mirrored(config, "Ready", "ConfigurationsReady")


def _route_condition(
    ctx: Context, ksvc: dict[str, Any], config: dict[str, Any], status: dict[str, Any]
) -> Condition:
    """RoutesReady, after ensuring the Route; its URL, address and traffic go into `status` once seen."""
    meta = ksvc["metadata"]
    if name_taken(ctx, config):
        template_name = config["spec"]["template"]["metadata"]["name"]
        return Condition(
            "RoutesReady",
            "False",
            "RevisionNameTaken",
            f"The revision name {go_quote(template_name)} is taken by a conflicting Revision, "
            "so traffic will not be migrated",
        )
    existing = ctx.lister.get(ctx.kinds.route, meta["namespace"], meta["name"])
    if existing is not None and not controlled_by(existing, meta["uid"]):
        return _not_owned("RoutesReady", "Route", meta["name"])
    route = ensure(ctx, ctx.kinds.route, desired_route(ksvc))
    if not _reconciled(route):
        return ROUTE_OUT_OF_DATE
    route_status = route.get("status") or {}
    for key in ("url", "address", "traffic"):
        if key in route_status:
            status[key] = route_status[key]
    route_cond = _mirrored(route, "Ready", "RoutesReady")
    if route_cond.status == "True" and not traffic_migrated(route, config):
        return TRAFFIC_NOT_MIGRATED
    return route_cond


def _write(ctx: Context, ksvc: dict[str, Any], status: dict[str, Any], dependents: list[Condition]) -> None:
    previous = (ksvc.get("status") or {}).get("conditions")
    # Keep fields an earlier reconcile reported when this one could not look (e.g. the url).
    for key in ("url", "address", "traffic", "latestCreatedRevisionName", "latestReadyRevisionName"):
        if key not in status and key in (ksvc.get("status") or {}):
            status[key] = ksvc["status"][key]
    status["conditions"] = render([*dependents, happy(dependents)], previous, ctx.timestamp())
    write_status(ctx, ctx.kinds.ksvc, ksvc, dict(sorted(status.items())))
