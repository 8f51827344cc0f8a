"""What Knative Serving and net-istio make of a traffic block: pure predictions.

The simulated reconciler builds its objects with these functions and the dashboard's editor previews
with them, so the two can never disagree. Covered: the Route a Service asks for, resolving targets
against revisions (with the Route reconciler's error conditions), `status.traffic` (during a gradual
rollout too; the stepping itself is app.model.rollouts), which target names are cluster-local (the
Route's label, or a tag's placeholder Service's), the KIngress rules and annotations, net-istio's two
VirtualServices and the Kubernetes Services that appear beside them. Where Knative releases differ, a
KnativeProfile (app.model.profiles) says how; the default is today's (`CURRENT`).

Upstream: knative/serving `pkg/reconciler/route/{traffic,resources,visibility}`, `pkg/apis/serving/v1/
route_lifecycle.go`; net-istio `pkg/reconciler/ingress/resources/virtual_service.go`; knative/networking
`pkg/ingress/ingress.go` (InsertProbe, ComputeHash, ExpandedHosts).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from app.model.labels import REVISION_UID_LABEL
from app.model.naming import (
    CLUSTER_DOMAIN,
    DEFAULT_DOMAIN_CONFIG,
    LOCAL_DOMAIN,
    DomainConfig,
    external_host,
    local_hosts,
    marks_local,
    route_service_name,
    route_url,
)
from app.model.profiles import CURRENT, KnativeProfile
from app.model.rollouts import KINGRESS_ROLLOUT_ANNOTATION as KINGRESS_ROLLOUT_ANNOTATION
from app.model.rollouts import ROLLOUT_DURATION_ANNOTATION as ROLLOUT_DURATION_ANNOTATION
from app.model.rollouts import ConfigurationRollout, Rollout, sorted_rollout
from app.model.rollouts import RevisionShare as RevisionShare
from app.model.traffic import TrafficTarget, go_quote

MESH_GATEWAY = "mesh"
HASH_HEADER = "K-Network-Hash"
PROBE_OVERRIDE = "override"
"""The K-Network-Hash value a prober sends so that only the probe routes match its request."""
NAMESPACE_HEADER = "Knative-Serving-Namespace"
REVISION_HEADER = "Knative-Serving-Revision"
TAG_TO_HOST_ANNOTATION = "networking.internal.knative.dev/tag-to-host"


# --- Inputs: what the Route reconciler knows about revisions and configurations ------------------------


@dataclass(frozen=True)
class RevisionState:
    """A Revision as the Route reconciler sees it; `ready` is its Ready condition's status."""

    name: str
    service: str | None = None
    ready: str = "Unknown"


@dataclass(frozen=True)
class ConfigurationState:
    """A Configuration's latest ready revision, and whether it failed (Ready False)."""

    name: str
    latest_ready: str | None = None
    failed: bool = False


@dataclass(frozen=True)
class TrafficProblem:
    """Why a Route's traffic cannot be assigned: its AllTrafficAssigned condition."""

    status: str  # "False" or "Unknown"
    reason: str
    message: str
    failure: bool = True
    """A true failure (a missing, foreign or failed target) rather than one still becoming ready: when
    several targets are bad, the Route reports the last failure, or else the first unready target."""


@dataclass(frozen=True)
class ResolvedTarget:
    """A traffic target bound to a concrete revision (what `status.traffic` lists)."""

    tag: str | None
    revision_name: str
    percent: int
    latest_revision: bool
    configuration_name: str | None = None


def route_traffic(service: str, targets: Sequence[TrafficTarget]) -> list[TrafficTarget]:
    """The Route's `spec.traffic` for a Service's (defaulted) block: floating targets name the
    Service's Configuration."""
    return [replace(t, configuration_name=service, revision_name=None) if t.floating else t for t in targets]


def resolve_traffic(
    targets: Sequence[TrafficTarget],
    *,
    owner_service: str | None,
    revisions: Mapping[str, RevisionState],
    configurations: Mapping[str, ConfigurationState],
) -> tuple[list[ResolvedTarget], TrafficProblem | None]:
    """Bind a Route's targets to revisions, or say why not. Every target is looked at (serving keeps
    going to learn every referenced object); the problem reported is the first one, replaced by any
    later failure, so a missing or failed target wins over one still becoming ready and the last
    failure wins over earlier ones. On a problem the Route keeps its previous `status.traffic`."""
    resolved: list[ResolvedTarget] = []
    problem: TrafficProblem | None = None
    for target in targets:
        found = _target_revision(target, owner_service, revisions, configurations)
        if isinstance(found, TrafficProblem):
            if problem is None or found.failure:
                problem = found
            continue
        floating = target.revision_name is None
        resolved.append(
            ResolvedTarget(
                tag=target.tag,
                revision_name=found,
                percent=target.percent or 0,
                latest_revision=floating,
                configuration_name=(target.configuration_name or owner_service) if floating else None,
            )
        )
    if problem is not None:
        return [], problem
    return resolved, None


def _target_revision(
    target: TrafficTarget,
    owner_service: str | None,
    revisions: Mapping[str, RevisionState],
    configurations: Mapping[str, ConfigurationState],
) -> str | TrafficProblem:
    """The revision a target sends traffic to, or the problem with it."""
    if target.revision_name:
        revision = revisions.get(target.revision_name)
        if revision is None:
            return _missing("Revision", target.revision_name)
        return _revision_problem(revision, owner_service) or revision.name
    config_name = target.configuration_name or owner_service or ""
    config = configurations.get(config_name)
    if config is None:
        return _missing("Configuration", config_name)
    if config.latest_ready is None:
        if config.failed:
            message = f"Configuration {go_quote(config_name)} does not have any ready Revision."
            return TrafficProblem("False", "RevisionMissing", message)
        message = f"Configuration {go_quote(config_name)} is waiting for a Revision to become ready."
        return TrafficProblem("Unknown", "RevisionMissing", message, failure=False)
    return config.latest_ready


def _missing(kind: str, name: str) -> TrafficProblem:
    message = f"{kind} {go_quote(name)} referenced in traffic not found."
    return TrafficProblem("False", f"{kind}Missing", message)


def _revision_problem(revision: RevisionState, owner_service: str | None) -> TrafficProblem | None:
    quoted = go_quote(revision.name)
    # A Service's Route may only send traffic to that Service's revisions; one of a standalone
    # Configuration (no service label) is as foreign as another Service's.
    if owner_service is not None and revision.service != owner_service:
        if revision.service is None:
            message = f"Revision {quoted} does not belong to Service {go_quote(owner_service)}."
        else:
            message = (
                f"Revision {quoted} belongs to Service {go_quote(revision.service)}, "
                f"not Service {go_quote(owner_service)}."
            )
        return TrafficProblem("False", "RevisionNotOwned", message)
    if revision.ready == "False":
        return TrafficProblem("False", "RevisionMissing", f"Revision {quoted} failed to become ready.")
    if revision.ready != "True":
        return TrafficProblem(
            "Unknown", "RevisionMissing", f"Revision {quoted} is not yet ready.", failure=False
        )
    return None


def status_traffic(
    route: str,
    namespace: str,
    targets: Sequence[ResolvedTarget],
    config: DomainConfig = DEFAULT_DOMAIN_CONFIG,
    *,
    cluster_local: bool = False,
    local_names: Collection[str] = frozenset(),
    rollout: Rollout | None = None,
) -> list[dict[str, Any]]:
    """A Route's `status.traffic`: spec order, latest resolved, `url` only on tagged entries (the
    cluster-local one for a tag in `local_names`, or for every tag of a cluster-local route).

    During a gradual rollout (`rollout`, which Knative passes only while one is in progress) each
    latestRevision target lists the revisions of its target name's rollout, oldest first, each with
    the target's tag, url and latestRevision: a tagged target shows its tag's own rollout (which
    carries 100%), whatever its share of the Route's split."""
    entries: list[dict[str, Any]] = []
    for target in targets:
        found = rollout.find(target.tag or "", target.configuration_name or "") if rollout else None
        shares = (
            found.revisions
            if found is not None and target.latest_revision
            else (RevisionShare(target.revision_name, target.percent),)
        )
        for share in shares:
            entry: dict[str, Any] = {}
            if target.tag:
                entry["tag"] = target.tag
            entry["revisionName"] = share.revision_name
            entry["latestRevision"] = target.latest_revision
            entry["percent"] = share.percent
            if target.tag:
                local = cluster_local or target.tag in local_names
                entry["url"] = route_url(route, namespace, target.tag, config, cluster_local=local)
            entries.append(entry)
    return entries


# --- What each target name routes, and its rollout -----------------------------------------------------


def traffic_groups(targets: Sequence[ResolvedTarget]) -> dict[str, list[ResolvedTarget]]:
    """The targets per target name as the Route reconciler groups them: "" holds every target, a tag
    its own; within a name, targets of one revision merge into the first (percents summed), and a
    name left with one target has all of that name's traffic (100%)."""
    named: dict[str, list[ResolvedTarget]] = {"": list(targets)}
    for target in targets:
        if target.tag:
            named.setdefault(target.tag, []).append(target)
    groups: dict[str, list[ResolvedTarget]] = {}
    for name, group in named.items():
        merged: dict[str, ResolvedTarget] = {}
        for target in group:
            first = merged.get(target.revision_name)
            merged[target.revision_name] = (
                target if first is None else replace(first, percent=first.percent + target.percent)
            )
        consolidated = list(merged.values())
        if len(consolidated) == 1:
            consolidated = [replace(consolidated[0], percent=100)]
        groups[name] = consolidated
    return groups


def current_rollout(targets: Sequence[ResolvedTarget]) -> Rollout:
    """The rollout the traffic asks for with every latestRevision target already on its latest
    revision (Knative's BuildRollout): per target name, each such target with traffic."""
    configurations = [
        ConfigurationRollout(
            configuration_name=target.configuration_name or "",
            tag=name,
            percent=target.percent,
            revisions=(RevisionShare(target.revision_name, target.percent),),
        )
        for name, group in traffic_groups(targets).items()
        for target in group
        if target.latest_revision and target.percent != 0
    ]
    return sorted_rollout(configurations)


# --- Visibility: which target names stay inside the cluster ----------------------------------------


def local_names(
    route: str,
    tags: Iterable[str | None],
    placeholders: Mapping[str, Mapping[str, str]],
    config: DomainConfig = DEFAULT_DOMAIN_CONFIG,
    *,
    cluster_local: bool = False,
) -> frozenset[str]:
    """Serving's visibility resolver: the target names ("" for the Route's own, else a tag of its spec)
    that are cluster-local. All of them when the Route is; otherwise a name is when the placeholder
    Service named as its host carries the visibility label, so one tag can be kept inside the cluster
    while the Route stays public. `placeholders`: the Services labelled with the Route, by name, with
    their labels. A tag whose placeholder does not exist yet is external."""
    names = {""} | {tag for tag in tags if tag}
    if cluster_local:
        return frozenset(names)
    return frozenset(
        name
        for name in names
        if marks_local(placeholders.get(route_service_name(route, name or None, config)))
    )


# --- KIngress and net-istio VirtualServices ----------------------------------------------------------


@dataclass(frozen=True)
class HostRule:
    """One routed host: the default target (tag None) or a tag, with its weighted revisions."""

    tag: str | None
    external_hosts: tuple[str, ...]
    local_hosts: tuple[str, ...]
    splits: tuple[RevisionShare, ...]


def host_rules(
    route: str,
    namespace: str,
    targets: Sequence[ResolvedTarget],
    config: DomainConfig = DEFAULT_DOMAIN_CONFIG,
    *,
    cluster_local: bool = False,
    local_names: Collection[str] = frozenset(),
    rollout: Rollout | None = None,
) -> list[HostRule]:
    """The default rule then one per tag, sorted: each name's merged targets with traffic, in order,
    a latestRevision target split over its rollout's revisions while one moves its traffic. A
    cluster-local name (every name of a cluster-local route, else those in `local_names`, "" for the
    default target) has no external host: serving writes only its ClusterLocal rule."""
    groups = traffic_groups(targets)

    def splits(name: str) -> tuple[RevisionShare, ...]:
        out: list[RevisionShare] = []
        for target in groups[name]:
            if target.percent == 0:
                continue
            found = rollout.find(name, target.configuration_name or "") if rollout else None
            if target.latest_revision and found is not None and not found.done:
                out.extend(found.revisions)
            else:
                out.append(RevisionShare(target.revision_name, target.percent))
        return tuple(out)

    def rule(tag: str | None) -> HostRule:
        """The hosts of the default target (tag None) or of a tag, with its splits."""
        local = cluster_local or (tag or "") in local_names
        external = () if local else (external_host(route, namespace, tag, config),)
        return HostRule(tag, external, tuple(local_hosts(route, namespace, tag, config)), splits(tag or ""))

    return [rule(None), *(rule(tag) for tag in sorted(name for name in groups if name))]


def _split(namespace: str, share: RevisionShare) -> dict[str, Any]:
    # Keys in the order of networking's Go struct (IngressBackend inline, then percent and the header
    # map, whose keys Go sorts): the probe hash is taken over exactly this serialization.
    return {
        "serviceNamespace": namespace,
        "serviceName": share.revision_name,
        "servicePort": 80,
        "percent": share.percent,
        "appendHeaders": {NAMESPACE_HEADER: namespace, REVISION_HEADER: share.revision_name},
    }


def _ingress_rule(hosts: Sequence[str], visibility: str, namespace: str, rule: HostRule) -> dict[str, Any]:
    paths = [{"splits": [_split(namespace, s) for s in rule.splits]}]
    return {"hosts": list(hosts), "visibility": visibility, "http": {"paths": paths}}


def kingress_spec(
    namespace: str, rules: Sequence[HostRule], profile: KnativeProfile = CURRENT
) -> dict[str, Any]:
    """The KIngress spec the Route reconciler writes: per target name (sorted, "" first) the
    ClusterLocal rule, then the ExternalIP one(s), one per external host since Knative 1.21."""
    out: list[dict[str, Any]] = []
    for rule in rules:
        out.append(_ingress_rule(rule.local_hosts, "ClusterLocal", namespace, rule))
        if not rule.external_hosts:
            continue
        if profile.external_rule_per_host:
            out.extend(_ingress_rule((h,), "ExternalIP", namespace, rule) for h in rule.external_hosts)
        else:
            out.append(_ingress_rule(rule.external_hosts, "ExternalIP", namespace, rule))
    return {"rules": out, "httpOption": "Enabled"}


def ingress_hash(
    name: str, namespace: str, spec: Mapping[str, Any], profile: KnativeProfile = CURRENT
) -> str:
    """The probe hash: sha256 over the KIngress spec as Go serializes it (struct field order, compact),
    then its namespace and name, in hex (the seed's era kept 32 hex digits)."""
    payload = json.dumps(spec, separators=(",", ":")) + namespace + name
    return hashlib.sha256(payload.encode()).hexdigest()[: profile.hash_hex_digits]


def tag_to_host(rules: Sequence[HostRule]) -> str:
    """The KIngress's `networking.internal.knative.dev/tag-to-host` annotation: each tag's primary
    hosts, the cluster-local one first, as Go serializes a map (keys sorted); "" without tags."""
    mapping = {
        rule.tag: [rule.local_hosts[-1], *rule.external_hosts] for rule in rules if rule.tag is not None
    }
    if not mapping:
        return ""
    return json.dumps(dict(sorted(mapping.items())), separators=(",", ":"))


def expanded_hosts(hosts: Sequence[str]) -> list[str]:
    """networking's ExpandedHosts, sorted: each host also without `.cluster.local` and `.svc.cluster.local`
    (a short form whose last label is all digits is not a valid name and is left out)."""
    out: set[str] = set()
    for host in hosts:
        for suffix in ("", f".{CLUSTER_DOMAIN}", f".{LOCAL_DOMAIN}"):
            if suffix and not host.endswith(suffix):
                continue
            short = host[: len(host) - len(suffix)] if suffix else host
            tld = short.rsplit(".", 1)[-1]
            if len(tld) <= 63 and any(c == "-" or c > "9" for c in tld):
                out.add(short)
    return sorted(out)


def _host_prefix(host: str) -> str:
    """A host as net-istio matches it: cluster-local names without `.svc.<cluster domain>`."""
    suffix = f".{LOCAL_DOMAIN}"
    return host[: -len(suffix)] if host.endswith(suffix) else host


def distinct_prefixes(hosts: Sequence[str]) -> list[str]:
    """The authority prefixes that match these hosts, none covered by a shorter one (sorted)."""
    out: list[str] = []
    for host in sorted(_host_prefix(h) for h in sorted(hosts)):
        if not any(host.startswith(kept) for kept in out):
            out.append(host)
    return sorted(out)


def _headers(profile: KnativeProfile, values: Mapping[str, str]) -> dict[str, Any]:
    return {"request": {profile.header_operation: dict(sorted(values.items()))}}


def _destinations(
    namespace: str, splits: Sequence[RevisionShare], profile: KnativeProfile
) -> list[dict[str, Any]]:
    return [
        {
            "destination": {"host": f"{s.revision_name}.{namespace}.{LOCAL_DOMAIN}", "port": {"number": 80}},
            "headers": _headers(profile, {NAMESPACE_HEADER: namespace, REVISION_HEADER: s.revision_name}),
            "weight": s.percent,
        }
        for s in splits
    ]


def _match(prefix: str, gateway: str, probe: bool = False) -> dict[str, Any]:
    match: dict[str, Any] = {"authority": {"prefix": prefix}, "gateways": [gateway]}
    if probe:
        match["headers"] = {HASH_HEADER: {"exact": PROBE_OVERRIDE}}
    return match


def _routes(
    matches: Sequence[tuple[str, str]], namespace: str, rule: HostRule, probe: str, profile: KnativeProfile
) -> list[dict[str, Any]]:
    """The http route(s) for one set of (prefix, gateway) matches: with split-out probes a probe copy
    first (it matches `K-Network-Hash: override` and answers with the hash) then the route itself;
    else one route that adds the hash to every request."""

    def route(is_probe: bool) -> dict[str, Any]:
        http: dict[str, Any] = {"match": [_match(p, g, is_probe) for p, g in matches]}
        if is_probe or not profile.probe_routes:
            http["headers"] = _headers(profile, {HASH_HEADER: probe})
        http["retries"] = dict(profile.retries)
        http["route"] = _destinations(namespace, rule.splits, profile)
        if profile.timeout:
            http["timeout"] = profile.timeout
        if profile.websocket_upgrade:
            http["websocketUpgrade"] = True
        return http

    return [route(True), route(False)] if profile.probe_routes else [route(False)]


def ingress_virtual_service_spec(
    namespace: str, rules: Sequence[HostRule], probe: str, profile: KnativeProfile = CURRENT
) -> dict[str, Any]:
    """The gateways' VirtualService: every host (cluster-local ones in their three spellings). Now: per
    KIngress rule (cluster-local, then external) a probe route and a route; the seed's era: one route
    per target name matching its external hosts on the ingress gateway and its local one."""
    gateways = profile.gateways
    hosts: set[str] = set()
    http: list[dict[str, Any]] = []
    for rule in rules:
        hosts.update(expanded_hosts([*rule.local_hosts, *rule.external_hosts]))
        local = [(p, gateways.local) for p in distinct_prefixes(rule.local_hosts)]
        if profile.route_per_visibility:
            http += _routes(local, namespace, rule, probe, profile)
            for host in rule.external_hosts:
                external = [(p, gateways.external) for p in distinct_prefixes([host])]
                http += _routes(external, namespace, rule, probe, profile)
        else:
            external = [(p, gateways.external) for p in distinct_prefixes(rule.external_hosts)]
            http += _routes([*external, *local], namespace, rule, probe, profile)
    used = sorted({g for route in http for m in route["match"] for g in m["gateways"]})
    return {"gateways": used, "hosts": sorted(hosts), "http": http}


def mesh_virtual_service_spec(
    namespace: str, rules: Sequence[HostRule], probe: str, profile: KnativeProfile = CURRENT
) -> dict[str, Any]:
    """The sidecars' VirtualService (gateway `mesh`): the cluster-local hosts in their three spellings,
    and the routes of the cluster-local rules only."""
    local = [h for rule in rules for h in rule.local_hosts if h.endswith(f".{LOCAL_DOMAIN}")]
    http: list[dict[str, Any]] = []
    for rule in rules:
        matches = [(p, MESH_GATEWAY) for p in distinct_prefixes(rule.local_hosts)]
        http += _routes(matches, namespace, rule, probe, profile)
    return {"gateways": [MESH_GATEWAY], "hosts": expanded_hosts(local), "http": http}


def virtual_service_specs(
    route: str,
    namespace: str,
    targets: Sequence[ResolvedTarget],
    config: DomainConfig = DEFAULT_DOMAIN_CONFIG,
    *,
    cluster_local: bool = False,
    local_names: Collection[str] = frozenset(),
    profile: KnativeProfile = CURRENT,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The specs of the gateways' and the mesh VirtualService for these resolved targets."""
    rules = host_rules(
        route, namespace, targets, config, cluster_local=cluster_local, local_names=local_names
    )
    probe = ingress_hash(route, namespace, kingress_spec(namespace, rules, profile), profile)
    return (
        ingress_virtual_service_spec(namespace, rules, probe, profile),
        mesh_virtual_service_spec(namespace, rules, probe, profile),
    )


# --- Kubernetes Services -----------------------------------------------------------------------------


def route_service_names(
    route: str, tags: Sequence[str], config: DomainConfig = DEFAULT_DOMAIN_CONFIG
) -> list[str]:
    """The placeholder Services of a route: its own, then one per tag (sorted)."""
    return [route_service_name(route, None, config)] + [
        route_service_name(route, t, config) for t in sorted(set(tags))
    ]


H2C = "kubernetes.io/h2c"


def placeholder_service_spec(
    profile: KnativeProfile = CURRENT, *, external_name: str | None = None
) -> dict[str, Any]:
    """A route's (or tag's) placeholder Service: an ExternalName, port `http2` with the h2c app protocol
    (Knative 1.14+). Serving creates it pointing at the name's own domain (`external_name`, the host
    the domain template gives) because the KIngress has no load balancer yet, and repoints it at the
    ingress's private load balancer once the KIngress status names one (the default)."""
    return {
        "type": "ExternalName",
        "externalName": external_name or profile.gateways.private_service,
        "ports": [{"name": "http2", "appProtocol": H2C, "port": 80, "protocol": "TCP", "targetPort": 80}],
        "sessionAffinity": "None",
    }


_PUBLIC_PORTS = [
    {"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8012},
    {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 8112},
]
_PRIVATE_EXTRA_PORTS = [
    {"name": "http-autometric", "port": 9090, "protocol": "TCP", "targetPort": "http-autometric"},
    {"name": "http-usermetric", "port": 9091, "protocol": "TCP", "targetPort": "http-usermetric"},
    {"name": "http-istio", "port": 8012, "protocol": "TCP", "targetPort": 8012},
]
ENDPOINT_PORTS = [
    {"name": "http", "port": 8012, "protocol": "TCP"},
    {"name": "https", "port": 8112, "protocol": "TCP"},
]
"""The ports of a revision's public Endpoints (the queue-proxy's, or the activator's, which match)."""


def revision_public_service_spec() -> dict[str, Any]:
    """The revision's public Service: ClusterIP without a selector (the ServerlessService writes its
    Endpoints: the pods', or the activator's while scaled to zero)."""
    return {"type": "ClusterIP", "ports": [dict(p) for p in _PUBLIC_PORTS], "sessionAffinity": "None"}


def revision_private_service_spec(revision_uid: str) -> dict[str, Any]:
    """The revision's private Service: selects the revision's pods by uid, with the metrics ports too."""
    return {
        "type": "ClusterIP",
        "ports": [dict(p) for p in _PUBLIC_PORTS + _PRIVATE_EXTRA_PORTS],
        "selector": {REVISION_UID_LABEL: revision_uid},
        "sessionAffinity": "None",
    }
