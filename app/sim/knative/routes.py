"""The Route reconciler with net-istio folded in: traffic resolution, rollouts, KIngress,
VirtualServices, placeholder Services and the revisions' routing state.

Every shape comes from app.model.routing, the functions the dashboard's preview uses.
Upstream: knative/serving `pkg/reconciler/route`, `pkg/reconciler/labeler`; net-istio's ingress reconciler.
"""

from __future__ import annotations

import json
from typing import Any

from app.model.labels import (
    CONFIGURATION_LABEL,
    INGRESS_CLASS_ANNOTATION,
    INGRESS_LABEL,
    LAST_APPLIED_ANNOTATION,
    ROUTE_LABEL,
    ROUTE_NAMESPACE_LABEL,
    ROUTES_ANNOTATION,
    ROUTING_STATE_LABEL,
    ROUTING_STATE_MODIFIED_ANNOTATION,
    SERVICE_LABEL,
)
from app.model.naming import VISIBILITY_LABEL, address_url, is_cluster_local, route_url
from app.model.ownership import controlled_by, owner_reference
from app.model.routing import (
    KINGRESS_ROLLOUT_ANNOTATION,
    ROLLOUT_ANNOTATION,
    ROLLOUT_DURATION_ANNOTATION,
    TAG_TO_HOST_ANNOTATION,
    ConfigurationState,
    HostRule,
    ResolvedTarget,
    RevisionState,
    Rollout,
    advance_rollout,
    apply_rollouts,
    host_rules,
    ingress_hash,
    ingress_virtual_service_spec,
    kingress_rollout,
    kingress_spec,
    mesh_virtual_service_spec,
    parse_duration,
    placeholder_service_spec,
    resolve_traffic,
    rollout_key,
    rollout_split,
    route_service_names,
    status_traffic,
    tag_to_host,
)
from app.model.traffic import TrafficTarget, default_traffic, parse_traffic
from app.sim.copying import clone
from app.sim.knative.conditions import Condition, find, happy, render, status_of
from app.sim.knative.writing import Context, delete_quietly, ensure, relabel, write_status

ROLLOUT_IN_PROGRESS = Condition(
    "IngressReady",
    "Unknown",
    "RolloutInProgress",
    "A gradual rollout of the latest revision(s) is in progress.",
)
TLS_NOT_ENABLED = "external-domain-tls is not enabled"
KINGRESS_FINALIZER = "ingresses.networking.internal.knative.dev"
_NOT_PROPAGATED = {LAST_APPLIED_ANNOTATION, ROLLOUT_ANNOTATION}
"""Route annotations a KIngress does not copy: kubectl's, and the simulator's own rollout record."""
TLS_NOT_ENABLED_LOCAL = "TLS is not enabled for cluster-local"


def _states(
    ctx: Context, namespace: str, targets: list[TrafficTarget], owner: str | None
) -> tuple[dict[str, RevisionState], dict[str, ConfigurationState]]:
    revisions: dict[str, RevisionState] = {}
    configs: dict[str, ConfigurationState] = {}
    for target in targets:
        if target.revision_name:
            found = ctx.store.find(ctx.kinds.revision, namespace, target.revision_name, copy=False)
            if found is not None:
                labels = found["metadata"].get("labels") or {}
                revisions[target.revision_name] = RevisionState(
                    target.revision_name,
                    labels.get(SERVICE_LABEL),
                    status_of(found),
                )
            continue
        name = target.configuration_name or owner or ""
        config = ctx.store.find(ctx.kinds.configuration, namespace, name, copy=False)
        if config is not None:
            latest = (config.get("status") or {}).get("latestReadyRevisionName")
            configs[name] = ConfigurationState(name, latest, status_of(config) == "False")
    return revisions, configs


def _rollouts(route: dict[str, Any]) -> dict[tuple[str, str], Rollout]:
    raw = (route["metadata"].get("annotations") or {}).get(ROLLOUT_ANNOTATION)
    try:
        entries = json.loads(raw)["configurations"] if raw else []
        rollouts = [Rollout.from_dict(entry) for entry in entries]
    except (ValueError, KeyError, TypeError):
        return {}
    return {(r.configuration_name, r.tag): r for r in rollouts}


def _encode(rollouts: dict[tuple[str, str], Rollout]) -> str:
    entries = [rollouts[key].to_dict() for key in sorted(rollouts)]
    return json.dumps({"configurations": entries}, separators=(",", ":"))


def reconcile_route(ctx: Context, namespace: str, name: str) -> None:
    """Resolve the Route's traffic; program KIngress, VirtualServices and Services; report status."""
    route = ctx.store.find(ctx.kinds.route, namespace, name, copy=False)
    if route is None:
        _forget_route(ctx, namespace, name)
        return
    if route["metadata"].get("deletionTimestamp"):
        return
    meta = route["metadata"]
    labels = meta.get("labels") or {}
    owner = labels.get(SERVICE_LABEL)
    local = is_cluster_local(labels, ctx.domain)
    parsed, _ = parse_traffic((route.get("spec") or {}).get("traffic"))
    targets = default_traffic(parsed, in_service=False)
    revisions, configs = _states(ctx, namespace, targets, owner)
    resolved, problem = resolve_traffic(
        targets, owner_service=owner, revisions=revisions, configurations=configs
    )
    previous = route.get("status") or {}
    status: dict[str, Any] = {
        "observedGeneration": meta.get("generation", 1),
        "url": route_url(name, namespace, None, ctx.domain, cluster_local=local),
        "address": {"url": address_url(name, namespace)},
    }
    cert = Condition(
        "CertificateProvisioned", "True", "TLSNotEnabled", TLS_NOT_ENABLED_LOCAL if local else TLS_NOT_ENABLED
    )
    if problem is not None:
        if "traffic" in previous:
            status["traffic"] = previous["traffic"]
        assigned = Condition("AllTrafficAssigned", problem.status, problem.reason, problem.message)
        ingress = find(route, "IngressReady") or {}
        ingress_cond = Condition(
            "IngressReady",
            ingress.get("status", "Unknown"),
            ingress.get("reason", ""),
            ingress.get("message", ""),
        )
        _write(ctx, route, status, [assigned, ingress_cond, cert])
        return
    route, effective, rollouts = _roll(ctx, route, resolved)
    rolling = any(r.in_progress(ctx.now()) for r in rollouts.values())
    rollout = kingress_rollout(resolved, rollouts, ctx.now(), ctx.settings.rollout_step)
    _program(ctx, route, effective, local, rollout)
    _label_revisions(
        ctx, route, effective, {t.configuration_name for t in resolved if t.configuration_name}, owner
    )
    status["traffic"] = status_traffic(name, namespace, effective, ctx.domain, cluster_local=local)
    ingress_cond = ROLLOUT_IN_PROGRESS if rolling else Condition.true("IngressReady")
    _write(ctx, route, status, [Condition.true("AllTrafficAssigned"), ingress_cond, cert])


def _roll(
    ctx: Context, route: dict[str, Any], resolved: list[ResolvedTarget]
) -> tuple[dict[str, Any], list[ResolvedTarget], dict[tuple[str, str], Rollout]]:
    """Advance the rollouts of floating targets; the route (re-read if its annotation changed),
    the targets as they are split now, and the rollouts."""
    now, step = ctx.now(), ctx.settings.rollout_step
    duration = parse_duration((route["metadata"].get("annotations") or {}).get(ROLLOUT_DURATION_ANNOTATION))
    before = _rollouts(route)
    after: dict[tuple[str, str], Rollout] = {}
    for target in resolved:
        if target.latest_revision:
            key = rollout_key(target)
            after[key] = advance_rollout(
                before.get(key),
                configuration_name=key[0],
                tag=key[1],
                percent=target.percent,
                latest=target.revision_name,
                now=now,
                duration=duration,
                step=step,
            )
    encoded = _encode(after) if after else None
    if encoded != (route["metadata"].get("annotations") or {}).get(ROLLOUT_ANNOTATION):
        route = relabel(ctx, ctx.kinds.route, route, {}, {ROLLOUT_ANNOTATION: encoded})
    rolling = [r for r in after.values() if r.in_progress(now)]
    for rollout in rolling:
        _, next_change = rollout_split(rollout, now, step)
        if next_change is not None:
            meta = route["metadata"]
            ctx.defer(("route", meta["namespace"], meta["name"]), max(0.0, next_change - now))
    return route, apply_rollouts(resolved, after, now, step), after


def _program(
    ctx: Context, route: dict[str, Any], targets: list[ResolvedTarget], local: bool, rollout: str
) -> None:
    """Write the KIngress, then what its ingress class makes of it (net-istio's VirtualServices; Kourier
    programs its proxies from the KIngress alone), and the placeholder Services."""
    profile = ctx.profile
    meta = route["metadata"]
    name, namespace = meta["name"], meta["namespace"]
    rules = host_rules(name, namespace, targets, ctx.domain, cluster_local=local)
    spec = kingress_spec(namespace, rules, profile)
    # The Route's labels plus its name and namespace; its annotations (kubectl's last-applied left out)
    # under the ingress class and the rollout state.
    labels: dict[str, str | None] = dict(meta.get("labels") or {})
    labels.update({ROUTE_LABEL: name, ROUTE_NAMESPACE_LABEL: namespace})
    annotations: dict[str, str | None] = {INGRESS_CLASS_ANNOTATION: profile.ingress_class}
    if profile.rollout_annotation:
        annotations[KINGRESS_ROLLOUT_ANNOTATION] = rollout
    annotations.update((k, v) for k, v in (meta.get("annotations") or {}).items() if k not in _NOT_PROPAGATED)
    if profile.tag_to_host_annotation:
        annotations[TAG_TO_HOST_ANNOTATION] = tag_to_host(rules) or None
    kingress = ensure(
        ctx,
        ctx.kinds.kingress,
        {
            "apiVersion": "networking.internal.knative.dev/v1alpha1",
            "kind": "Ingress",
            "metadata": {
                "name": name,
                "namespace": namespace,
                "labels": labels,
                "annotations": annotations,
                "ownerReferences": [owner_reference(route)],
                "finalizers": [KINGRESS_FINALIZER],
            },
            "spec": spec,
        },
    )
    _ingress_status(ctx, kingress)
    if ctx.kinds.virtualservice is not None and profile.istio:
        _virtual_services(ctx, kingress, rules)
    _placeholders(ctx, route, [t.tag for t in targets if t.tag])


def _virtual_services(ctx: Context, kingress: dict[str, Any], rules: list[HostRule]) -> None:
    """net-istio: the gateways' and the mesh VirtualService of a KIngress, owned by it."""
    assert ctx.kinds.virtualservice is not None
    profile = ctx.profile
    meta = kingress["metadata"]
    name, namespace = meta["name"], meta["namespace"]
    probe = ingress_hash(name, namespace, kingress["spec"], profile)
    if profile.virtual_service_route_labels:
        labels = {k: meta["labels"][k] for k in (ROUTE_LABEL, ROUTE_NAMESPACE_LABEL)}
    else:  # net-istio: the KIngress's labels but the route's two, and the KIngress's name
        labels = {
            k: v
            for k, v in (meta.get("labels") or {}).items()
            if k not in (ROUTE_LABEL, ROUTE_NAMESPACE_LABEL)
        }
        labels[INGRESS_LABEL] = name
    specs = (
        (
            profile.ingress_virtual_service_name(name),
            ingress_virtual_service_spec(namespace, rules, probe, profile),
        ),
        (
            profile.mesh_virtual_service_name(name),
            mesh_virtual_service_spec(namespace, rules, probe, profile),
        ),
    )
    for vs_name, vs_spec in specs:
        desired = {
            "apiVersion": profile.virtual_service_api_version,
            "kind": "VirtualService",
            "metadata": {
                "name": vs_name,
                "namespace": namespace,
                "labels": labels,
                "annotations": dict(meta.get("annotations") or {}),
                "ownerReferences": [owner_reference(kingress)],
            },
            "spec": vs_spec,
        }
        ensure(ctx, ctx.kinds.virtualservice, desired)


def _ingress_status(ctx: Context, kingress: dict[str, Any]) -> None:
    conditions = [Condition.true(t) for t in ("LoadBalancerReady", "NetworkConfigured")]
    gateways = ctx.profile.gateways
    status = {
        "observedGeneration": kingress["metadata"].get("generation", 1),
        "conditions": render(
            [*conditions, happy(conditions)],
            (kingress.get("status") or {}).get("conditions"),
            ctx.timestamp(),
        ),
        "publicLoadBalancer": {"ingress": [{"domainInternal": gateways.public_service}]},
        "privateLoadBalancer": {"ingress": [{"domainInternal": gateways.private_service}]},
    }
    write_status(ctx, ctx.kinds.kingress, kingress, status)


def _placeholders(ctx: Context, route: dict[str, Any], tags: list[str]) -> None:
    """The Route's Kubernetes Services (its own and one per tag): Knative's placeholders, named as the
    hosts, with the Route's labels (but visibility) and annotations."""
    meta = route["metadata"]
    name, namespace = meta["name"], meta["namespace"]
    wanted = route_service_names(name, tags, ctx.domain)
    labels = {k: v for k, v in (meta.get("labels") or {}).items() if k != VISIBILITY_LABEL}
    labels[ROUTE_LABEL] = name
    annotations = dict(meta.get("annotations") or {})
    for service_name in wanted:
        ensure(
            ctx,
            ctx.kinds.service,
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {
                    "name": service_name,
                    "namespace": namespace,
                    "labels": labels,
                    "annotations": annotations,
                    "ownerReferences": [owner_reference(route)],
                },
                "spec": placeholder_service_spec(ctx.profile),
            },
        )
    existing, _ = ctx.store.list(
        ctx.kinds.service, namespace, label_selector=f"{ROUTE_LABEL}={name}", copy=False
    )
    for service in existing:
        if service["metadata"]["name"] not in wanted and controlled_by(service, meta["uid"]):
            delete_quietly(ctx, ctx.kinds.service, namespace, service["metadata"]["name"])


def _label_revisions(
    ctx: Context, route: dict[str, Any], targets: list[ResolvedTarget], configs: set[str], owner: str | None
) -> None:
    """Knative's labeler: a revision lists the routes that send it traffic (`serving.knative.dev/routes`)
    and is `active` while one does, else `reserve` (a new one stays `pending` until it is ready)."""
    meta = route["metadata"]
    namespace = meta["namespace"]
    routed = {t.revision_name for t in targets}
    candidates: dict[str, dict[str, Any]] = {}
    for config in configs | ({owner} if owner else set()):
        found, _ = ctx.store.list(
            ctx.kinds.revision, namespace, label_selector=f"{CONFIGURATION_LABEL}={config}", copy=False
        )
        candidates.update((r["metadata"]["name"], r) for r in found)
    for name in routed - set(candidates):
        revision = ctx.store.find(ctx.kinds.revision, namespace, name, copy=False)
        if revision is not None:
            candidates[name] = revision
    for name, revision in sorted(candidates.items()):
        labels = revision["metadata"].get("labels") or {}
        annotations = revision["metadata"].get("annotations") or {}
        routes = {r for r in annotations.get(ROUTES_ANNOTATION, "").split(",") if r}
        routes = routes | {meta["name"]} if name in routed else routes - {meta["name"]}
        current = labels.get(ROUTING_STATE_LABEL)
        if routes:
            state = "active"
        elif current == "pending" and status_of(revision) == "Unknown":
            state = "pending"
        else:
            state = "reserve"
        changes: dict[str, str | None] = {ROUTES_ANNOTATION: ",".join(sorted(routes)) or None}
        if state != current:
            changes[ROUTING_STATE_MODIFIED_ANNOTATION] = ctx.timestamp()
        relabel(ctx, ctx.kinds.revision, revision, {ROUTING_STATE_LABEL: state}, changes)


def _forget_route(ctx: Context, namespace: str, name: str) -> None:
    """A deleted Route no longer routes the revisions that list it."""
    revisions, _ = ctx.store.list(ctx.kinds.revision, namespace, copy=False)
    for revision in revisions:
        routes = ((revision["metadata"].get("annotations") or {}).get(ROUTES_ANNOTATION) or "").split(",")
        if name in routes:
            left = ",".join(r for r in routes if r and r != name)
            state = "active" if left else "reserve"
            annotations = {
                ROUTES_ANNOTATION: left or None,
                ROUTING_STATE_MODIFIED_ANNOTATION: ctx.timestamp(),
            }
            relabel(ctx, ctx.kinds.revision, revision, {ROUTING_STATE_LABEL: state}, annotations)


def _write(ctx: Context, route: dict[str, Any], status: dict[str, Any], dependents: list[Condition]) -> None:
    previous = (route.get("status") or {}).get("conditions")
    status["conditions"] = render([*dependents, happy(dependents)], previous, ctx.timestamp())
    write_status(ctx, ctx.kinds.route, route, status)


def finalize_kingress(ctx: Context, namespace: str, name: str) -> None:
    """The ingress controller's finalizer: once a KIngress is being deleted (its Route is gone), what it
    programmed goes with it (the VirtualServices are owned by it) and the finalizer is dropped."""
    kingress = ctx.store.find(ctx.kinds.kingress, namespace, name, copy=False)
    if kingress is None or not kingress["metadata"].get("deletionTimestamp"):
        return
    finalizers = kingress["metadata"].get("finalizers") or []
    if KINGRESS_FINALIZER in finalizers:
        body = clone(kingress)
        body["metadata"]["finalizers"] = [f for f in finalizers if f != KINGRESS_FINALIZER]
        ctx.store.update(ctx.kinds.kingress, namespace, name, body)
