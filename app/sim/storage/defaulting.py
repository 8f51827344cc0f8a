"""The built-in kinds' defaults, applied on every create and update as kube-apiserver applies them.

The rules are those of Kubernetes' `pkg/apis/core/v1/defaults.go` and `pkg/apis/apps/v1/defaults.go`
(v1.37), plus what the Service REST storage allocates (`pkg/registry/core/service/storage/alloc.go`:
a cluster IP, its family and policy) and what the real server's JSON shows of empty structs
(`resources: {}`, `securityContext: {}`, an Event's null times). Everything here is pure but the
cluster-IP allocator, which remembers the addresses it gave.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
from collections.abc import Callable, Iterable
from typing import Any

from app.sim.storage import errors
from app.sim.storage.resources import DEPLOYMENTS, EVENTS, NAMESPACES, REPLICASETS, SERVICES, ResourceType

NAME_LABEL = "kubernetes.io/metadata.name"
SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/12")
"""The simulator's service range: kubeadm's default, wide enough for the thousands of Services a scale
scenario holds (the test control plane's /24 would be full; tests never compare the addresses)."""
_NEEDS_POLICY = ("ClusterIP", "NodePort", "LoadBalancer")


# --- pod templates ---------------------------------------------------------------------------------


def image_tag(image: str) -> str:
    """The tag of an image reference as Kubernetes' parser reads it: "latest" when it has neither tag
    nor digest, "" when it has a digest alone."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        return last.rsplit(":", 1)[1]
    return "" if digest else "latest"


def default_container(container: dict[str, Any]) -> None:
    """SetDefaults_Container and the defaults of what a container holds (ports, probes, env)."""
    if not container.get("imagePullPolicy"):
        tag = image_tag(str(container.get("image") or ""))
        container["imagePullPolicy"] = "Always" if tag == "latest" else "IfNotPresent"
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    container.setdefault("resources", {})
    for port in container.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
    for probe_name in ("livenessProbe", "readinessProbe", "startupProbe"):
        probe = container.get(probe_name)
        if isinstance(probe, dict):
            _default_probe(probe)
    for env in container.get("env") or []:
        field_ref = ((env or {}).get("valueFrom") or {}).get("fieldRef") if isinstance(env, dict) else None
        if isinstance(field_ref, dict):
            field_ref.setdefault("apiVersion", "v1")


def _default_probe(probe: dict[str, Any]) -> None:
    for key, value in (
        ("timeoutSeconds", 1),
        ("periodSeconds", 10),
        ("successThreshold", 1),
        ("failureThreshold", 3),
    ):
        if not probe.get(key):
            probe[key] = value
    http = probe.get("httpGet")
    if isinstance(http, dict):
        http.setdefault("path", "/")
        http.setdefault("scheme", "HTTP")


_VOLUME_SOURCES = ("secret", "configMap", "downwardAPI", "projected")


def default_pod_spec(spec: dict[str, Any]) -> None:
    """SetDefaults_PodSpec with its containers and volumes (what a pod template gets)."""
    if not spec.get("serviceAccountName") and spec.get("serviceAccount"):
        spec["serviceAccountName"] = spec["serviceAccount"]
    if spec.get("serviceAccountName"):
        spec["serviceAccount"] = spec["serviceAccountName"]
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("restartPolicy", "Always")
    if spec.get("securityContext") is None:
        spec["securityContext"] = {}
    if spec.get("terminationGracePeriodSeconds") is None:
        spec["terminationGracePeriodSeconds"] = 30
    spec.setdefault("schedulerName", "default-scheduler")
    for key in ("initContainers", "containers"):
        for container in spec.get(key) or []:
            if isinstance(container, dict):
                default_container(container)
    for volume in spec.get("volumes") or []:
        if not isinstance(volume, dict):
            continue
        if set(volume) <= {"name"}:
            volume["emptyDir"] = {}
        for source in _VOLUME_SOURCES:
            found = volume.get(source)
            if isinstance(found, dict):
                found.setdefault("defaultMode", 420)


def default_deployment(obj: dict[str, Any]) -> None:
    """SetDefaults_Deployment, and the pod template's defaults."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    strategy = spec.get("strategy")
    if not isinstance(strategy, dict):
        strategy = spec["strategy"] = {}
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.get("rollingUpdate")
        if not isinstance(rolling, dict):
            rolling = strategy["rollingUpdate"] = {}
        rolling.setdefault("maxUnavailable", "25%")
        rolling.setdefault("maxSurge", "25%")
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    if spec.get("progressDeadlineSeconds") is None:
        spec["progressDeadlineSeconds"] = 600
    default_template(spec)


def default_template(spec: dict[str, Any]) -> None:
    """The defaults of a workload's `spec.template.spec` (Deployments and ReplicaSets)."""
    template = spec.get("template")
    if not isinstance(template, dict):
        return
    meta = template.get("metadata")
    if isinstance(meta, dict) and "creationTimestamp" in meta and meta["creationTimestamp"] is None:
        # A null time decodes to the zero time, which the real server's JSON leaves out.
        del meta["creationTimestamp"]
    if isinstance(template.get("spec"), dict):
        default_pod_spec(template["spec"])


def default_replica_set(obj: dict[str, Any]) -> None:
    """SetDefaults_ReplicaSet: one replica unless told, and the pod template's defaults."""
    spec = obj.get("spec")
    if isinstance(spec, dict):
        if spec.get("replicas") is None:
            spec["replicas"] = 1
        default_template(spec)


# --- Services ----------------------------------------------------------------------------------------


def default_service_spec(obj: dict[str, Any]) -> None:
    """SetDefaults_Service: the fields every Service gets whatever its addresses."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        spec = obj["spec"] = {}
    if not spec.get("sessionAffinity"):
        spec["sessionAffinity"] = "None"
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    elif spec["sessionAffinity"] == "ClientIP":
        timeout = ((spec.get("sessionAffinityConfig") or {}).get("clientIP") or {}).get("timeoutSeconds")
        if timeout is None:
            spec["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": 10800}}
    if not spec.get("type"):
        spec["type"] = "ClusterIP"
    for port in spec.get("ports") or []:
        if not isinstance(port, dict):
            continue
        port.setdefault("protocol", "TCP")
        if port.get("targetPort") in (None, 0, ""):
            port["targetPort"] = port.get("port")
    kind = spec["type"]
    if kind in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
    if kind in _NEEDS_POLICY:
        spec.setdefault("internalTrafficPolicy", "Cluster")
    if kind == "LoadBalancer":
        spec.setdefault("allocateLoadBalancerNodePorts", True)


def carry_allocated(new: dict[str, Any], old: dict[str, Any] | None) -> None:
    """On update, what the server allocated stays unless the new spec names it (patchAllocatedValues):
    the cluster IPs, their families and policy, while neither spec is an ExternalName."""
    if old is None:
        return
    spec, before = new.get("spec"), old.get("spec") or {}
    if not isinstance(spec, dict) or "ExternalName" in (spec.get("type"), before.get("type")):
        return
    if not spec.get("clusterIP") and not spec.get("clusterIPs"):
        for key in ("clusterIP", "clusterIPs"):
            if key in before:
                spec[key] = list(before[key]) if isinstance(before[key], list) else before[key]
    for key in ("ipFamilies", "ipFamilyPolicy"):
        if not spec.get(key) and key in before:
            spec[key] = list(before[key]) if isinstance(before[key], list) else before[key]


def _families(spec: dict[str, Any]) -> None:
    """initIPFamilyFields on a single-stack IPv4 cluster."""
    headless_selectorless = spec.get("clusterIP") == "None" and not spec.get("selector")
    if not spec.get("ipFamilyPolicy"):
        spec["ipFamilyPolicy"] = "RequireDualStack" if headless_selectorless else "SingleStack"
    if not spec.get("ipFamilies"):
        spec["ipFamilies"] = ["IPv4"]
    if headless_selectorless and spec["ipFamilyPolicy"] != "SingleStack" and len(spec["ipFamilies"]) < 2:
        spec["ipFamilies"].append("IPv6" if spec["ipFamilies"][0] == "IPv4" else "IPv4")


class ClusterIPs:
    """Gives Services their cluster IP from SERVICE_CIDR, as the API server's allocator does.

    The address is chosen from a hash of the Service's namespace and name (the next free one on a
    clash), so a scenario's Services get the same addresses on every run. `services` lists the stored
    Services: it is read once, to learn the addresses given before this allocator was made.
    """

    def __init__(self, services: Callable[[], Iterable[dict[str, Any]]]) -> None:
        self._services = services
        self._taken: dict[str, tuple[str, str]] | None = None

    def forget(self) -> None:
        """Learn the taken addresses again from the stored Services (after a snapshot is loaded)."""
        self._taken = None

    def _holders(self) -> dict[str, tuple[str, str]]:
        if self._taken is None:
            self._taken = {}
            for svc in self._services():
                for ip in (svc.get("spec") or {}).get("clusterIPs") or []:
                    self._taken[ip] = _owner_key(svc)
        return self._taken

    def _free(self, ip: str, key: tuple[str, str], live: Callable[[str, tuple[str, str]], bool]) -> bool:
        holder = self._holders().get(ip)
        return holder is None or holder == key or not live(ip, holder)

    def assign(
        self,
        rt: ResourceType,
        obj: dict[str, Any],
        live: Callable[[str, tuple[str, str]], bool],
        *,
        take: bool = True,
    ) -> None:
        """Allocate (or check and take) the Service's cluster IP and fill its address fields.

        `live(ip, (namespace, name))` says whether that stored Service still holds the address."""
        spec = obj["spec"]
        if spec["type"] == "ExternalName":
            return
        if spec.get("clusterIPs") and not spec.get("clusterIP"):
            spec["clusterIP"] = spec["clusterIPs"][0]
        key = _owner_key(obj)
        ip = spec.get("clusterIP")
        if ip and ip != "None":
            try:
                address = ipaddress.ip_address(ip)
            except ValueError:
                address = None
            if address is None or address not in SERVICE_CIDR:
                cause = (
                    "spec.clusterIPs",
                    f'Invalid value: ["{ip}"]: failed to allocate IP {ip}: the provided IP ({ip}) '
                    f"is not in the valid range. The range of valid IPs is {SERVICE_CIDR}",
                )
                raise errors.invalid(rt, key[1], [cause])
            if not self._free(ip, key, live):
                cause = (
                    "spec.clusterIPs",
                    f'Invalid value: ["{ip}"]: failed to allocate IP {ip}: provided IP is already allocated',
                )
                raise errors.invalid(rt, key[1], [cause])
        elif not ip:
            ip = self._pick(key, live)
        spec["clusterIP"] = ip
        if not spec.get("clusterIPs"):
            spec["clusterIPs"] = [ip]
        _families(spec)
        if ip != "None" and take:
            self._holders()[ip] = key

    def _pick(self, key: tuple[str, str], live: Callable[[str, tuple[str, str]], bool]) -> str:
        digest = hashlib.sha256(f"{key[0]}/{key[1]}".encode()).digest()
        first = int(SERVICE_CIDR.network_address)
        size = SERVICE_CIDR.num_addresses
        start = (digest[0] << 8 | max(2, digest[1])) % size
        for step in range(size):
            offset = (start + step) % size
            if offset < 2 or offset == size - 1:  # the network, the kubernetes Service's, broadcast
                continue
            ip = str(ipaddress.ip_address(first + offset))
            if self._free(ip, key, live):
                return ip
        raise errors.ApiError(
            500, "InternalError", "Internal error occurred: failed to allocate a serviceIP: range is full"
        )


def _owner_key(obj: dict[str, Any]) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return (str(meta.get("namespace") or ""), str(meta.get("name") or ""))


# --- the rest ------------------------------------------------------------------------------------


def fold_string_data(secret: dict[str, Any]) -> None:
    """A Secret's stringData written into data, base64-encoded (it wins over data), as the v1
    conversion does; stringData itself is never stored."""
    strings = secret.pop("stringData", None)
    if isinstance(strings, dict) and strings:
        found = secret.get("data")
        data: dict[str, Any] = found if isinstance(found, dict) else {}
        for key, value in strings.items():
            data[key] = base64.b64encode(str(value).encode()).decode()
        secret["data"] = data


def default_event(event: dict[str, Any]) -> None:
    """What the real server's JSON shows of an Event's unset fields: null times, empty reporters."""
    for key in ("eventTime", "firstTimestamp", "lastTimestamp"):
        event.setdefault(key, None)
    for key in ("reportingComponent", "reportingInstance"):
        event.setdefault(key, "")


def default_namespace(namespace: dict[str, Any]) -> None:
    """SetDefaults_Namespace: the name label, on every write."""
    name = (namespace.get("metadata") or {}).get("name")
    if name:
        labels = namespace["metadata"].get("labels")
        if not isinstance(labels, dict):
            labels = namespace["metadata"]["labels"] = {}
        labels[NAME_LABEL] = name


def apply_defaults(rt: ResourceType, obj: dict[str, Any], old: dict[str, Any] | None = None) -> None:
    """Every default of a create (old None) or update that needs no allocation, in place."""
    if rt.key == SERVICES:
        carry_allocated(obj, old)
        default_service_spec(obj)
    elif rt.key == DEPLOYMENTS:
        default_deployment(obj)
    elif rt.key == REPLICASETS:
        default_replica_set(obj)
    elif rt.key == "secrets":
        fold_string_data(obj)
    elif rt.key == EVENTS:
        default_event(obj)
    elif rt.key == NAMESPACES:
        default_namespace(obj)


class Defaulter:
    """The store's defaulting step: the defaults above, and cluster IPs from one allocator."""

    def __init__(
        self,
        services: Callable[[], Iterable[dict[str, Any]]],
        stored: Callable[[str, str], dict[str, Any] | None],
    ) -> None:
        self._ips = ClusterIPs(services)
        self._stored = stored

    def forget(self) -> None:
        """The stored objects were replaced (a snapshot loaded)."""
        self._ips.forget()

    def _live(self, ip: str, holder: tuple[str, str]) -> bool:
        found = self._stored(*holder)
        return found is not None and ip in ((found.get("spec") or {}).get("clusterIPs") or [])

    def on_write(
        self, rt: ResourceType, obj: dict[str, Any], old: dict[str, Any] | None, *, dry_run: bool
    ) -> None:
        """Default `obj` (created when `old` is None, else replacing `old`) in place."""
        apply_defaults(rt, obj, old)
        if rt.key != SERVICES:
            return
        # An update's address was checked and carried over by validation (immutable fields).
        # A dry run shows the address the Service would get without taking it.
        self._ips.assign(rt, obj, self._live, take=not dry_run)
        if old is None:
            obj["status"] = {"loadBalancer": {}}
