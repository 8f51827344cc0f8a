"""Row cells of the built-in kinds, computed as the API server's printers compute them.

Each function takes the object and `now` and returns the cells for every column of the kind's
ResourceType.printer_columns, in order (the server always includes the wide, priority-1 columns;
kubectl hides them unless `-o wide`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from app.model.bodies import maps, meta, name_of, part
from app.model.timestamps import parse_time, rfc3339
from app.model.views import age

Cells = list[Any]
CellFunction = Callable[[Mapping[str, Any], datetime], Cells]
NONE = "<none>"


def _strings(value: Any) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []


def _age(obj: Mapping[str, Any], now: datetime) -> str:
    return age(meta(obj).get("creationTimestamp"), now)


def _int(value: Any, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def format_labels(labels: Mapping[str, Any]) -> str:
    """`a=b,c=d` sorted by key, or <none>, as labels.FormatLabels prints a map."""
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels)) or NONE


def format_label_selector(selector: Mapping[str, Any]) -> str:
    """A metav1.LabelSelector as a selector string sorted by key (`app=x,tier in (a,b)`); empty: all."""
    parts = [(str(k), f"{k}={v}") for k, v in part(selector, "matchLabels").items()]
    for expression in maps(selector.get("matchExpressions")):
        key, operator = str(expression.get("key", "")), expression.get("operator", "")
        values = ",".join(sorted(_strings(expression.get("values"))))
        texts = {
            "In": f"{key} in ({values})",
            "NotIn": f"{key} notin ({values})",
            "Exists": key,
            "DoesNotExist": f"!{key}",
        }
        parts.append((key, texts.get(str(operator), f"{key} {operator} ({values})")))
    return ",".join(text for _, text in sorted(parts))


def namespace_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    """NAME STATUS AGE."""
    return [name_of(obj), str(part(obj, "status").get("phase", "")), _age(obj, now)]


def service_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    """NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE SELECTOR."""
    spec = part(obj, "spec")
    kind = str(spec.get("type") or "ClusterIP")
    cluster_ips = _strings(spec.get("clusterIPs")) or _strings(
        [spec["clusterIP"]] if spec.get("clusterIP") else []
    )
    ports = ",".join(_port_text(port) for port in maps(spec.get("ports")))
    return [
        name_of(obj),
        kind,
        cluster_ips[0] if cluster_ips else NONE,
        _external_ip(kind, spec, part(obj, "status")),
        ports or NONE,
        _age(obj, now),
        format_labels(part(spec, "selector")),
    ]


def _port_text(port: Mapping[str, Any]) -> str:
    protocol = port.get("protocol") or "TCP"
    node_port = _int(port.get("nodePort"))
    if node_port > 0:
        return f"{port.get('port')}:{node_port}/{protocol}"
    return f"{port.get('port')}/{protocol}"


def _external_ip(kind: str, spec: Mapping[str, Any], status: Mapping[str, Any]) -> str:
    external = _strings(spec.get("externalIPs"))
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(external) or NONE
    if kind == "LoadBalancer":
        ingress = maps(part(status, "loadBalancer").get("ingress"))
        balancers = [
            str(i.get("ip") or i.get("hostname")) for i in ingress if i.get("ip") or i.get("hostname")
        ]
        return ",".join(external + balancers) or "<pending>"
    if kind == "ExternalName":
        return str(spec.get("externalName", ""))
    return "<unknown>"


def endpoints_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    """NAME ENDPOINTS AGE: at most three ip:port pairs, then "+ N more..."."""
    return [name_of(obj), _endpoints_text(maps(obj.get("subsets"))), _age(obj, now)]


def _endpoints_text(subsets: list[Mapping[str, Any]], shown: int = 3) -> str:
    if not subsets:
        return NONE
    listed: list[str] = []
    count = 0
    for subset in subsets:
        addresses = [str(a.get("ip", "")) for a in maps(subset.get("addresses"))]
        ports: list[Mapping[str, Any] | None] = [*maps(subset.get("ports"))] or [None]
        for port in ports:
            count += len(addresses)
            for ip in addresses:
                if len(listed) < shown:
                    listed.append(ip if port is None else _host_port(ip, port.get("port")))
    text = ",".join(listed)
    return f"{text} + {count - shown} more..." if count > shown else text


def _host_port(ip: str, port: Any) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def pod_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    """NAME READY STATUS RESTARTS AGE IP NODE NOMINATED-NODE READINESS-GATES."""
    spec, status = part(obj, "spec"), part(obj, "status")
    reason, ready, restarts, last_restart = _pod_state(obj)
    restarts_text = str(restarts)
    if restarts and last_restart is not None:
        restarts_text = f"{restarts} ({age(last_restart, now)} ago)"
    pod_ips = [str(i.get("ip", "")) for i in maps(status.get("podIPs"))]
    gates = maps(spec.get("readinessGates"))
    return [
        name_of(obj),
        f"{ready}/{len(maps(spec.get('containers')))}",
        reason,
        restarts_text,
        _age(obj, now),
        (pod_ips[0] if pod_ips else str(status.get("podIP") or "")) or NONE,
        str(spec.get("nodeName") or NONE),
        str(status.get("nominatedNodeName") or NONE),
        _readiness_gates(gates, maps(status.get("conditions"))) if gates else NONE,
    ]


def _pod_state(obj: Mapping[str, Any]) -> tuple[str, int, int, str | None]:
    """(STATUS, ready containers, restarts, last restart time) as kubectl's printPod derives them."""
    status = part(obj, "status")
    reason = str(status.get("reason") or status.get("phase") or "")
    ready = restarts = 0
    last_restart: str | None = None
    running = False
    for container in reversed(maps(status.get("containerStatuses"))):
        restarts += _int(container.get("restartCount"))
        finished = part(part(container, "lastState"), "terminated").get("finishedAt")
        if finished and (last_restart is None or str(finished) > last_restart):
            last_restart = str(finished)
        state = part(container, "state")
        waiting, terminated = part(state, "waiting"), state.get("terminated")
        if waiting.get("reason"):
            reason = str(waiting["reason"])
        elif isinstance(terminated, Mapping):
            reason = str(terminated.get("reason") or _exit_text(terminated))
        elif container.get("ready") and "running" in state:
            running = True
            ready += 1
    if reason == "Completed" and running:
        ready_condition = any(c.get("type") == "Ready" for c in maps(status.get("conditions")))
        reason = "Running" if ready_condition else "NotReady"
    if meta(obj).get("deletionTimestamp"):
        if status.get("reason") == "NodeLost":
            reason = "Unknown"
        elif status.get("phase") not in ("Succeeded", "Failed"):
            reason = "Terminating"
    return reason, ready, restarts, last_restart


def _exit_text(terminated: Mapping[str, Any]) -> str:
    signal = _int(terminated.get("signal"))
    return f"Signal:{signal}" if signal else f"ExitCode:{_int(terminated.get('exitCode'))}"


def _readiness_gates(gates: list[Mapping[str, Any]], conditions: list[Mapping[str, Any]]) -> str:
    true_conditions = {c.get("type") for c in conditions if c.get("status") == "True"}
    met = sum(1 for gate in gates if gate.get("conditionType") in true_conditions)
    return f"{met}/{len(gates)}"


def event_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    """LAST-SEEN TYPE REASON OBJECT SUBOBJECT SOURCE MESSAGE FIRST-SEEN COUNT NAME."""
    first_seen = age(obj.get("firstTimestamp") or obj.get("eventTime"), now)
    last_seen = age(obj["lastTimestamp"], now) if obj.get("lastTimestamp") else first_seen
    count = _int(obj.get("count"))
    series = part(obj, "series")
    if series:
        last_seen, count = age(series.get("lastObservedTime"), now), _int(series.get("count"))
    involved = part(obj, "involvedObject")
    kind = str(involved.get("kind", "")).lower()
    target = f"{kind}/{involved['name']}" if involved.get("name") else kind
    return [
        last_seen,
        str(obj.get("type", "")),
        str(obj.get("reason", "")),
        target,
        str(involved.get("fieldPath", "")),
        _event_source(obj),
        str(obj.get("message", "")).strip(),
        first_seen,
        count or 1,
        name_of(obj),
    ]


def _event_source(obj: Mapping[str, Any]) -> str:
    source = part(obj, "source")
    component = str(source.get("component") or obj.get("reportingComponent") or "")
    host = str(source.get("host") or obj.get("reportingInstance") or "")
    if not component:
        return ""
    return f"{component}, {host}" if host else component


def configmap_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    """NAME DATA AGE."""
    return [name_of(obj), len(part(obj, "data")) + len(part(obj, "binaryData")), _age(obj, now)]


def secret_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    """NAME TYPE DATA AGE."""
    return [name_of(obj), str(obj.get("type") or "Opaque"), len(part(obj, "data")), _age(obj, now)]


def serviceaccount_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    """NAME SECRETS AGE."""
    return [name_of(obj), len(maps(obj.get("secrets"))), _age(obj, now)]


def lease_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    """NAME HOLDER AGE."""
    return [name_of(obj), str(part(obj, "spec").get("holderIdentity") or ""), _age(obj, now)]


def deployment_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    """NAME READY UP-TO-DATE AVAILABLE AGE CONTAINERS IMAGES SELECTOR."""
    spec, status = part(obj, "spec"), part(obj, "status")
    containers = maps(part(part(spec, "template"), "spec").get("containers"))
    return [
        name_of(obj),
        f"{_int(status.get('readyReplicas'))}/{_int(spec.get('replicas'), 1)}",
        _int(status.get("updatedReplicas")),
        _int(status.get("availableReplicas")),
        _age(obj, now),
        ",".join(str(c.get("name", "")) for c in containers),
        ",".join(str(c.get("image", "")) for c in containers),
        format_label_selector(part(spec, "selector")),
    ]


def replica_set_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    """NAME DESIRED CURRENT READY AGE CONTAINERS IMAGES SELECTOR."""
    spec, status = part(obj, "spec"), part(obj, "status")
    containers = maps(part(part(spec, "template"), "spec").get("containers"))
    return [
        name_of(obj),
        _int(spec.get("replicas"), 1),
        _int(status.get("replicas")),
        _int(status.get("readyReplicas")),
        _age(obj, now),
        ",".join(str(c.get("name", "")) for c in containers),
        ",".join(str(c.get("image", "")) for c in containers),
        format_label_selector(part(spec, "selector")),
    ]


def role_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    """NAME CREATED-AT (an RFC 3339 timestamp, not an age)."""
    created = parse_time(meta(obj).get("creationTimestamp"))
    return [name_of(obj), rfc3339(created) if created else ""]


def binding_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    """NAME ROLE AGE USERS GROUPS SERVICEACCOUNTS."""
    role = part(obj, "roleRef")
    subjects = maps(obj.get("subjects"))

    def named(kind: str) -> str:
        return ", ".join(str(s.get("name", "")) for s in subjects if s.get("kind") == kind)

    accounts = ", ".join(
        f"{s.get('namespace', '')}/{s.get('name', '')}" for s in subjects if s.get("kind") == "ServiceAccount"
    )
    return [
        name_of(obj),
        f"{role.get('kind', '')}/{role.get('name', '')}",
        _age(obj, now),
        named("User"),
        named("Group"),
        accounts,
    ]


def definition_cells(obj: Mapping[str, Any], now: datetime) -> Cells:
    """NAME SCOPE VERSIONS CREATED-AT, then (wide) GROUP KIND SHORTNAMES ESTABLISHED; served versions
    sorted, the stored one marked, as apiextensions-apiserver's CRD table convertor writes them."""
    spec = part(obj, "spec")
    versions = sorted(
        str(v.get("name", "")) + ("(storage)" if v.get("storage") else "")
        for v in maps(spec.get("versions"))
        if v.get("served")
    )
    names = part(spec, "names")
    established = any(
        c.get("type") == "Established" and c.get("status") == "True"
        for c in maps(part(obj, "status").get("conditions"))
    )
    return [
        name_of(obj),
        str(spec.get("scope", "")),
        ",".join(versions),
        str(meta(obj).get("creationTimestamp", "")),
        str(spec.get("group", "")),
        str(names.get("kind", "")),
        ",".join(_strings(names.get("shortNames"))),
        established,
    ]


CELLS: dict[str, CellFunction] = {
    "namespaces": namespace_cells,
    "services": service_cells,
    "endpoints": endpoints_cells,
    "pods": pod_cells,
    "events": event_cells,
    "configmaps": configmap_cells,
    "secrets": secret_cells,
    "serviceaccounts": serviceaccount_cells,
    "deployments.apps": deployment_cells,
    "replicasets.apps": replica_set_cells,
    "roles.rbac.authorization.k8s.io": role_cells,
    "clusterroles.rbac.authorization.k8s.io": role_cells,
    "rolebindings.rbac.authorization.k8s.io": binding_cells,
    "clusterrolebindings.rbac.authorization.k8s.io": binding_cells,
    "customresourcedefinitions.apiextensions.k8s.io": definition_cells,
    "leases.coordination.k8s.io": lease_cells,
}
"""Cell functions of the built-in kinds, by ResourceType.key."""
