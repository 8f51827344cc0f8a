"""The Route reconciler with net-istio folded in: traffic resolution, rollouts, KIngress,
VirtualServices, placeholder Services and the revisions' routing state.

Every shape comes from app.model.routing, the functions the dashboard's preview uses.
Upstream: knative/serving `pkg/reconciler/route`, `pkg/reconciler/labeler`; net-istio's ingress reconciler.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.model.labels import (
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
from app.model.naming import VISIBILITY_LABEL, address_url, is_cluster_local, route_host, route_url
from app.model.ownership import controlled_by, owner_reference
from app.model.rollouts import (
    KINGRESS_ROLLOUT_ANNOTATION,
    Rollout,
    observe_ready,
    read_rollout,
    rollout_duration,
    step,
)
from app.model.routing import (
    TAG_TO_HOST_ANNOTATION,
    ConfigurationState,
    HostRule,
    ResolvedTarget,
    RevisionState,
    TrafficProblem,
    current_rollout,
    host_rules,
    ingress_hash,
    ingress_virtual_service_spec,
    kingress_spec,
    local_names,
    mesh_virtual_service_spec,
    placeholder_service_spec,
    resolve_traffic,
    route_service_names,
    status_traffic,
    tag_to_host,
)
from app.model.traffic import TrafficTarget, default_traffic, parse_traffic
from app.sim.knative.conditions import Condition, find, happy, render, status_of
from app.sim.knative.writing import Context, delete_quietly, ensure, relabel, write_status
from app.sim.storage.copying import clone
from app.sim.storage.resources import ResourceType

ROLLOUT_IN_PROGRESS = Condition(
    "IngressReady",
    "Unknown",
    "RolloutInProgress",
    "A gradual rollout of the latest revision(s) is in progress.",
)
TLS_NOT_ENABLED = "external-domain-tls is not enabled"
"""CertificateProvisioned's message with external-domain-tls off (the default), cluster-local routes
included: serving only says "TLS is not enabled for cluster-local" when external TLS is on."""
INGRESS_NOT_CONFIGURED = Condition(
    "IngressReady", "Unknown", "IngressNotConfigured", "Ingress has not yet been reconciled."
)
KINGRESS_FINALIZER = "ingresses.networking.internal.knative.dev"
ROUTE_FINALIZER = "routes.serving.knative.dev"
_NOT_PROPAGATED = {LAST_APPLIED_ANNOTATION}
"""Route annotations a KIngress does not copy: kubectl's."""


def _states(
    ctx: Context, namespace: str, targets: list[TrafficTarget], owner: str | None
) -> tuple[dict[str, RevisionState], dict[str, ConfigurationState]]:
    revisions: dict[str, RevisionState] = {}
    configs: dict[str, ConfigurationState] = {}
    for target in targets:
        if target.revision_name:
            found = ctx.lister.get(ctx.kinds.revision, namespace, target.revision_name)
            if found is not None:
                labels = found["metadata"].get("labels") or {}
                revisions[target.revision_name] = RevisionState(
                    target.revision_name,
                    labels.get(SERVICE_LABEL),
                    status_of(found),
                )
            continue
        name = target.configuration_name or owner or ""
        config = ctx.lister.get(ctx.kinds.configuration, namespace, name)
        if config is not None:
            latest = (config.get("status") or {}).get("latestReadyRevisionName")
            configs[name] = ConfigurationState(name, latest, status_of(config) == "False")
    return revisions, configs


def reconcile_route(ctx: Context, namespace: str, name: str) -> None:
    """Resolve the Route's traffic; program KIngress, VirtualServices and Services; report status."""
    route = ctx.lister.get(ctx.kinds.route, namespace, name)
    if route is None:
        _forget_route(ctx, namespace, name)
        return
    if route["metadata"].get("deletionTimestamp"):
        _finalize_route(ctx, route)
        return
    route = _with_finalizer(ctx, route)
    plan = _plan(ctx, route)
    meta = route["metadata"]
    status: dict[str, Any] = {
        "observedGeneration": meta.get("generation", 1),
        "url": route_url(name, namespace, None, ctx.domain, cluster_local="" in plan.local_targets),
    }
    if plan.problem is not None:
        _report_unassigned(ctx, route, status, plan.problem)
    else:
        _program_and_report(ctx, route, status, plan)
    _sync_routing_meta(ctx, namespace, name)


@dataclass(frozen=True)
class _Plan:
    """What a Route's spec resolves to: its targets, or the problem that stops them being assigned."""

    resolved: list[ResolvedTarget]
    problem: TrafficProblem | None
    local: bool
    """Whether the Route is cluster-local as a whole."""
    local_targets: frozenset[str]
    """The tags (and "" for the Route itself) visible only inside the cluster."""


def _plan(ctx: Context, route: dict[str, Any]) -> _Plan:
    """Resolve the Route's traffic against the revisions and configurations it names."""
    meta = route["metadata"]
    namespace, name = meta["namespace"], meta["name"]
    labels = meta.get("labels") or {}
    owner = labels.get(SERVICE_LABEL)
    local = is_cluster_local(labels, ctx.domain)
    parsed, _ = parse_traffic((route.get("spec") or {}).get("traffic"))
    targets = default_traffic(parsed, in_service=False)
    revisions, configs = _states(ctx, namespace, targets, owner)
    resolved, problem = resolve_traffic(
        targets, owner_service=owner, revisions=revisions, configurations=configs
    )
    # Serving resolves visibility before it looks at whether the traffic can be assigned, so the URL
    # follows a placeholder's label even while a target is missing.
    local_targets = local_names(
        name,
        [t.tag for t in targets],
        _placeholder_labels(ctx, namespace, name),
        ctx.domain,
        cluster_local=local,
    )
    return _Plan(resolved, problem, local, local_targets)


def _new_generation(route: dict[str, Any]) -> bool:
    """A generation seen for the first time is not ready before its ingress is: serving marks the
    ingress unconfigured first, and only a reconciled KIngress changes that."""
    previous = route.get("status") or {}
    return bool(previous.get("observedGeneration") != route["metadata"].get("generation", 1))


def _report_unassigned(
    ctx: Context, route: dict[str, Any], status: dict[str, Any], problem: TrafficProblem
) -> None:
    """Serving stops before the placeholders, TLS and the ingress: everything else in the status
    stays as the last reconcile left it."""
    previous = route.get("status") or {}
    for key in ("address", "traffic"):
        if key in previous:
            status[key] = previous[key]
    assigned = Condition("AllTrafficAssigned", problem.status, problem.reason, problem.message)
    ingress_cond = INGRESS_NOT_CONFIGURED if _new_generation(route) else _kept(route, "IngressReady")
    _write(ctx, route, status, [assigned, ingress_cond, _kept(route, "CertificateProvisioned")])


def _program_and_report(ctx: Context, route: dict[str, Any], status: dict[str, Any], plan: _Plan) -> None:
    """Program the ingress for the resolved traffic (one rollout step at a time); report the split."""
    name, namespace = route["metadata"]["name"], route["metadata"]["namespace"]
    status["address"] = {"url": address_url(name, namespace)}
    cert = Condition("CertificateProvisioned", "True", "TLSNotEnabled", TLS_NOT_ENABLED)
    rollout = _rollout(ctx, route, plan.resolved)
    kingress = _program(ctx, route, plan.resolved, plan.local, plan.local_targets, rollout)
    rolling = not rollout.done
    # While traffic moves, status.traffic shows the split of the moment (Knative recomputes it with
    # the rollout only then; otherwise every target shows its own revision and percent).
    status["traffic"] = status_traffic(
        name,
        namespace,
        plan.resolved,
        ctx.domain,
        local_names=plan.local_targets,
        rollout=rollout if rolling else None,
    )
    if rolling:
        ingress_cond = ROLLOUT_IN_PROGRESS
    elif not _observed(kingress):
        ingress_cond = INGRESS_NOT_CONFIGURED
    else:
        ingress_cond = _kept(kingress, "Ready", "IngressReady")
    _write(ctx, route, status, [Condition.true("AllTrafficAssigned"), ingress_cond, cert])


def _kept(obj: dict[str, Any], source: str, type_: str | None = None) -> Condition:
    """A condition as `obj` has it now (Unknown without reason when it has none), under `type_`."""
    found = find(obj, source) or {}
    return Condition(
        type_ or source, found.get("status", "Unknown"), found.get("reason", ""), found.get("message", "")
    )


def _observed(kingress: dict[str, Any]) -> bool:
    """Whether the ingress controller has reconciled the KIngress's current generation."""
    observed = (kingress.get("status") or {}).get("observedGeneration")
    return observed is not None and observed == kingress["metadata"].get("generation", 1)


def _with_finalizer(ctx: Context, route: dict[str, Any]) -> dict[str, Any]:
    """The Route with serving's finalizer, which lets it withdraw the routing metadata it put on
    revisions and configurations before the Route goes."""
    finalizers = route["metadata"].get("finalizers") or []
    if ROUTE_FINALIZER in finalizers:
        return route
    body = clone(route)
    body["metadata"]["finalizers"] = [*finalizers, ROUTE_FINALIZER]
    meta = body["metadata"]
    return ctx.client.update(ctx.kinds.route, meta["namespace"], meta["name"], body)


def _finalize_route(ctx: Context, route: dict[str, Any]) -> None:
    meta = route["metadata"]
    _forget_route(ctx, meta["namespace"], meta["name"])
    finalizers = meta.get("finalizers") or []
    if ROUTE_FINALIZER in finalizers:
        body = clone(route)
        body["metadata"]["finalizers"] = [f for f in finalizers if f != ROUTE_FINALIZER]
        ctx.client.update(ctx.kinds.route, meta["namespace"], meta["name"], body)


def _rollout(ctx: Context, route: dict[str, Any], resolved: list[ResolvedTarget]) -> Rollout:
    """The rollout to program now: the traffic's own (every latestRevision target on its latest
    revision) when there is no KIngress yet, no rollout duration or no gradual rollout in this
    release; else the state kept in the KIngress's annotation stepped to now, its step parameters
    computed once the KIngress is first ready. The Route is reconciled again when the next step is due."""
    wanted = current_rollout(resolved)
    meta = route["metadata"]
    kingress = ctx.lister.get(ctx.kinds.kingress, meta["namespace"], meta["name"])
    duration = rollout_duration(meta.get("annotations") or {}, ctx.settings.rollout_duration)
    if kingress is None or duration <= 0 or not ctx.profile.rollout_annotation:
        return wanted
    previous = read_rollout((kingress["metadata"].get("annotations") or {}).get(KINGRESS_ROLLOUT_ANNOTATION))
    now = ctx.knative_now()
    # The first time the KIngress is seen ready since the Route last reported it ready (a rollout has
    # just begun, or the ingress was down): that is when the first 1% has taken effect.
    if previous is not None and _ready(kingress) and _kept(route, "IngressReady").status != "True":
        previous = observe_ready(previous, now, duration)
    effective, next_step = step(wanted, previous, now)
    if next_step > 0:
        ctx.defer(("route", meta["namespace"], meta["name"]), ctx.wall_delay(next_step - now))
    return effective


def _ready(kingress: dict[str, Any]) -> bool:
    """The ingress's IsReady: its current generation reconciled and Ready."""
    return _observed(kingress) and _kept(kingress, "Ready").status == "True"


def _placeholder_labels(ctx: Context, namespace: str, route: str) -> dict[str, dict[str, str]]:
    """The labels of the Services labelled with the Route, by name: where a user marks one tag (or the
    Route's own name) cluster-local."""
    found = ctx.lister.list(ctx.kinds.service, namespace, label_selector=f"{ROUTE_LABEL}={route}")
    return {s["metadata"]["name"]: dict(s["metadata"].get("labels") or {}) for s in found}


def _program(
    ctx: Context,
    route: dict[str, Any],
    targets: list[ResolvedTarget],
    local: bool,
    local_targets: frozenset[str],
    rollout: Rollout,
) -> dict[str, Any]:
    """Write the KIngress, then what its ingress class makes of it (net-istio's VirtualServices; Kourier
    programs its proxies from the KIngress alone), and the placeholder Services. `local` is the Route's
    own visibility, `local_targets` the names that are cluster-local (see local_names)."""
    profile = ctx.profile
    meta = route["metadata"]
    name, namespace = meta["name"], meta["namespace"]
    rules = host_rules(name, namespace, targets, ctx.domain, local_names=local_targets, rollout=rollout)
    spec = kingress_spec(namespace, rules, profile)
    # The Route's labels plus its name and namespace; its annotations (kubectl's last-applied left out)
    # under the ingress class and the rollout state.
    labels: dict[str, str | None] = dict(meta.get("labels") or {})
    labels.update({ROUTE_LABEL: name, ROUTE_NAMESPACE_LABEL: namespace})
    annotations: dict[str, str | None] = {INGRESS_CLASS_ANNOTATION: profile.ingress_class}
    if profile.rollout_annotation:
        annotations[KINGRESS_ROLLOUT_ANNOTATION] = rollout.annotation()
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
    if ctx.kinds.virtualservice is not None and profile.istio:
        _virtual_services(ctx, kingress, rules)
    _placeholders(ctx, route, [t.tag for t in targets if t.tag], local, kingress)
    return kingress


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


def _placeholders(
    ctx: Context, route: dict[str, Any], tags: list[str], local: bool, kingress: dict[str, Any]
) -> None:
    """The Route's Kubernetes Services (its own and one per tag): Knative's placeholders, named as the
    hosts, with the Route's labels (but visibility) and annotations. A new one is an ExternalName to
    its own domain (as the Route's visibility gives it); once the KIngress status names its private
    load balancer, every one points there. Labels are merged into the stored ones, never replaced: a
    visibility label a user put on a placeholder is how that name is kept cluster-local."""
    meta = route["metadata"]
    name, namespace = meta["name"], meta["namespace"]
    wanted = route_service_names(name, tags, ctx.domain)
    labels = {k: v for k, v in (meta.get("labels") or {}).items() if k != VISIBILITY_LABEL}
    labels[ROUTE_LABEL] = name
    annotations = dict(meta.get("annotations") or {})
    balancers = ((kingress.get("status") or {}).get("privateLoadBalancer") or {}).get("ingress") or []
    gateway = str(balancers[0].get("domainInternal") or "") if balancers else ""
    for tag, service_name in zip([None, *sorted(set(tags))], wanted, strict=True):
        desired = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {
                "name": service_name,
                "namespace": namespace,
                "labels": labels,
                "annotations": annotations,
                "ownerReferences": [owner_reference(route)],
            },
        }
        if ctx.lister.get(ctx.kinds.service, namespace, service_name) is None:
            host = route_host(name, namespace, tag, ctx.domain, cluster_local=local)
            first = {**desired, "spec": placeholder_service_spec(ctx.profile, external_name=host)}
            ensure(ctx, ctx.kinds.service, first)
        if gateway:
            ensure(
                ctx, ctx.kinds.service, {**desired, "spec": placeholder_service_spec(external_name=gateway)}
            )
    existing = ctx.lister.list(ctx.kinds.service, namespace, label_selector=f"{ROUTE_LABEL}={name}")
    for service in existing:
        if service["metadata"]["name"] not in wanted and controlled_by(service, meta["uid"]):
            delete_quietly(ctx, ctx.kinds.service, namespace, service["metadata"]["name"])


def _sync_routing_meta(ctx: Context, namespace: str, name: str) -> None:
    """Knative's labeler: the revisions and configurations a Route's spec or status names (and, for a
    latestRevision target, its configuration's latest created revision) list the Route in
    `serving.knative.dev/routes`, a revision turning `active`; once the Route is ready or failed for
    its generation, those it no longer names drop it (a revision left without routes is `reserve`).
    A revision no route ever named keeps the state it was created with."""
    route = ctx.lister.get(ctx.kinds.route, namespace, name)
    if route is None:
        return
    revisions: set[str] = set()
    configs: set[str] = set()
    status, spec = route.get("status") or {}, route.get("spec") or {}
    for target in [*(status.get("traffic") or []), *(spec.get("traffic") or [])]:
        if not isinstance(target, dict):
            continue
        config_name = target.get("configurationName")
        if target.get("revisionName"):
            revision = ctx.lister.get(ctx.kinds.revision, namespace, target["revisionName"])
            if revision is None:
                continue
            revisions.add(target["revisionName"])
            owner = next(
                (r for r in revision["metadata"].get("ownerReferences") or [] if r.get("controller")), None
            )
            if owner is not None and owner.get("kind") == "Configuration":
                config_name = owner["name"]
        if config_name:
            config = ctx.lister.get(ctx.kinds.configuration, namespace, config_name)
            if config is None:
                continue
            configs.add(config_name)
            latest = (config.get("status") or {}).get("latestCreatedRevisionName")
            if latest and target.get("latestRevision"):
                revisions.add(latest)
    settled = status.get("observedGeneration") == route["metadata"].get("generation") and status_of(
        route
    ) in ("True", "False")
    for rt, listed, routing_state in (
        (ctx.kinds.revision, revisions, True),
        (ctx.kinds.configuration, configs, False),
    ):
        if settled:
            for obj in _routed_by(ctx, rt, namespace, name, routing_state):
                if obj["metadata"]["name"] not in listed:
                    _set_routing_meta(ctx, rt, obj, name, remove=True, routing_state=routing_state)
        for obj_name in sorted(listed):
            named = ctx.lister.get(rt, namespace, obj_name)
            if named is not None:
                _set_routing_meta(ctx, rt, named, name, remove=False, routing_state=routing_state)


def _routes_of(obj: dict[str, Any]) -> set[str]:
    raw = (obj["metadata"].get("annotations") or {}).get(ROUTES_ANNOTATION) or ""
    return {r for r in raw.split(",") if r}


def _routed_by(
    ctx: Context, rt: ResourceType, namespace: str, route: str, routing_state: bool
) -> list[dict[str, Any]]:
    """The objects listing `route` (revisions: only the active ones, as the labeler selects them)."""
    selector = f"{ROUTING_STATE_LABEL}=active" if routing_state else ""
    found = ctx.lister.list(rt, namespace, label_selector=selector)
    return [obj for obj in found if route in _routes_of(obj)]


def _set_routing_meta(
    ctx: Context, rt: ResourceType, obj: dict[str, Any], route: str, *, remove: bool, routing_state: bool
) -> None:
    routes = _routes_of(obj) - {route} if remove else _routes_of(obj) | {route}
    annotations: dict[str, str | None] = {ROUTES_ANNOTATION: ",".join(sorted(routes)) or None}
    labels: dict[str, str | None] = {}
    if routing_state:
        state = "active" if routes else "reserve"
        if (obj["metadata"].get("labels") or {}).get(ROUTING_STATE_LABEL) != state:
            labels[ROUTING_STATE_LABEL] = state
            annotations[ROUTING_STATE_MODIFIED_ANNOTATION] = ctx.timestamp()
    relabel(ctx, rt, obj, labels, annotations)


def _forget_route(ctx: Context, namespace: str, name: str) -> None:
    """A Route going away no longer routes the revisions and configurations that list it."""
    for rt, routing_state in ((ctx.kinds.revision, True), (ctx.kinds.configuration, False)):
        found = ctx.lister.list(rt, namespace)
        for obj in found:
            if name in _routes_of(obj):
                _set_routing_meta(ctx, rt, obj, name, remove=True, routing_state=routing_state)


def _write(ctx: Context, route: dict[str, Any], status: dict[str, Any], dependents: list[Condition]) -> None:
    previous = (route.get("status") or {}).get("conditions")
    status["conditions"] = render([*dependents, happy(dependents)], previous, ctx.timestamp())
    write_status(ctx, ctx.kinds.route, route, status)


def reconcile_kingress(ctx: Context, namespace: str, name: str) -> None:
    """The ingress controller: it reports each new generation of a KIngress ready (with its load
    balancers) after the Route reconciler wrote it, and, once a KIngress is being deleted (its Route is
    gone), lets what it programmed go with it (the VirtualServices are owned by it) and drops the
    finalizer."""
    kingress = ctx.lister.get(ctx.kinds.kingress, namespace, name)
    if kingress is None:
        return
    if not kingress["metadata"].get("deletionTimestamp"):
        if not _observed(kingress) or find(kingress, "Ready") is None:
            _ingress_status(ctx, kingress)
        return
    finalizers = kingress["metadata"].get("finalizers") or []
    if KINGRESS_FINALIZER in finalizers:
        body = clone(kingress)
        body["metadata"]["finalizers"] = [f for f in finalizers if f != KINGRESS_FINALIZER]
        ctx.client.update(ctx.kinds.kingress, namespace, name, body)
