"""The kinds the simulated API server serves: names, versions, verbs and printer columns.

A ResourceType is the data a real cluster keeps about one resource (its CRD, or the built-in
registration): everything discovery, OpenAPI and server-side tables need. Storage is per
(group, plural); every served version is a view of the same objects.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

ALL_VERBS: tuple[str, ...] = (
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
)

BUILT_IN_GROUPS = frozenset({"", "apps", "batch", "policy", "autoscaling"})
"""Kubernetes' own groups besides the *.k8s.io ones."""
KNATIVE_CATEGORIES = ("all", "knative", "serving")
ISTIO_CATEGORIES = ("istio-io", "networking-istio-io")
READY = ".status.conditions[?(@.type=='Ready')]"
RBAC_GROUP = "rbac.authorization.k8s.io"

# Registry keys (ResourceType.key) of the kinds the simulator's own controllers look up by name.
NAMESPACES = "namespaces"
SERVICES = "services"
PODS = "pods"
EVENTS = "events"
DEPLOYMENTS = "deployments.apps"
REPLICASETS = "replicasets.apps"
KNATIVE_SERVICES = "services.serving.knative.dev"
CONFIGURATIONS = "configurations.serving.knative.dev"
REVISIONS = "revisions.serving.knative.dev"
ROUTES = "routes.serving.knative.dev"
KINGRESSES = "ingresses.networking.internal.knative.dev"
SERVERLESS_SERVICES = "serverlessservices.networking.internal.knative.dev"
POD_AUTOSCALERS = "podautoscalers.autoscaling.internal.knative.dev"
VIRTUAL_SERVICES = "virtualservices.networking.istio.io"
ENDPOINTS = "endpoints"
LEASES = "leases.coordination.k8s.io"


@dataclass(frozen=True)
class PrinterColumn:
    """One column of `kubectl get`: a CRD's additionalPrinterColumn or a built-in kind's column.

    Built-in kinds compute their cells in code (`json_path` is then empty); CRD columns are
    JSONPath expressions evaluated against the object.
    """

    name: str
    type: str
    json_path: str = ""
    priority: int = 0
    description: str = ""
    format: str = ""


@dataclass(frozen=True)
class ResourceType:
    """One resource (group + plural) with every version it is served at."""

    group: str
    versions: tuple[str, ...]
    kind: str
    plural: str
    singular: str
    namespaced: bool = True
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    printer_columns: tuple[PrinterColumn, ...] = ()

    def __post_init__(self) -> None:
        if not self.versions:
            raise ValueError(f"{self.plural}: a resource needs at least one served version")
        if self.plural != self.plural.lower() or not self.plural:
            raise ValueError(f"invalid plural {self.plural!r}: must be a non-empty lower-case name")

    def api_version(self, version: str) -> str:
        """The apiVersion field for objects read at `version`: "v1" or "group/version"."""
        return f"{self.group}/{version}" if self.group else version

    @property
    def key(self) -> str:
        """The resource's unique name: "services" (core) or "services.serving.knative.dev"."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def preferred_version(self) -> str:
        """The version discovery advertises as preferred."""
        return self.versions[0]

    @property
    def is_custom(self) -> bool:
        """True for kinds a real cluster gets from a CustomResourceDefinition (not a built-in group)."""
        return not (self.group in BUILT_IN_GROUPS or self.group.endswith(".k8s.io"))


class ResourceRegistry:
    """The set of resource types a simulated cluster serves, in registration order."""

    def __init__(self, types: Iterable[ResourceType] = ()) -> None:
        self._by_key: dict[str, ResourceType] = {}
        for rt in types:
            self.add(rt)

    def add(self, rt: ResourceType) -> None:
        """Register a kind; a kind already registered under the same key is refused."""
        if rt.key in self._by_key:
            raise ValueError(f"resource {rt.key} is already registered")
        clash = self.by_kind(rt.group, rt.kind)
        if clash is not None:
            raise ValueError(f"kind {rt.kind} of group {rt.group!r} is already served by {clash.key}")
        self._by_key[rt.key] = rt

    def lookup(self, group: str, version: str, plural: str) -> ResourceType | None:
        """The type served at /apis/group/version/plural, or None."""
        rt = self._by_key.get(f"{plural}.{group}" if group else plural)
        return rt if rt is not None and version in rt.versions else None

    def by_kind(self, group: str, kind: str) -> ResourceType | None:
        """The type of objects of `kind` in `group`, or None."""
        return next((rt for rt in self._by_key.values() if rt.group == group and rt.kind == kind), None)

    def get(self, key: str) -> ResourceType:
        """The type with this key; KeyError if unknown."""
        try:
            return self._by_key[key]
        except KeyError:
            raise KeyError(f"unknown resource {key!r}") from None

    def all(self) -> list[ResourceType]:
        """Every registered type, in registration order."""
        return list(self._by_key.values())

    def groups(self) -> dict[str, list[str]]:
        """Each named group (not core) with its served versions, most preferred first."""
        found: dict[str, list[str]] = {}
        for rt in self._by_key.values():
            if rt.group:
                versions = found.setdefault(rt.group, [])
                versions.extend(v for v in rt.versions if v not in versions)
        return {group: sorted(versions, key=version_priority) for group, versions in found.items()}


def version_priority(version: str) -> tuple[int, int, int, str]:
    """Sort key giving Kubernetes' version order: v2 > v1 > v1beta2 > v1beta1 > v1alpha1 > others.

    Lower keys sort first, so `sorted(versions, key=version_priority)` puts the preferred first.
    """
    match = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if match is None:
        return (3, 0, 0, version)
    major, stage, minor = int(match[1]), match[2], int(match[3] or 0)
    level = {None: 0, "beta": 1, "alpha": 2}[stage]
    return (level, -major, -minor, version)


def _name_column() -> PrinterColumn:
    return PrinterColumn(
        "Name",
        "string",
        ".metadata.name",
        description="Name must be unique within a namespace. Is required when creating resources, although "
        "some resources may allow a client to request the generation of an appropriate name automatically. "
        "Name is primarily intended for creation idempotence and configuration definition. "
        "Cannot be updated.",
        format="name",
    )


_AGE_DESCRIPTION = (
    "CreationTimestamp is a timestamp representing the server time when this object was created. "
    "It is not guaranteed to be set in happens-before order across separate operations. "
    "Clients may not set this value. It is represented in RFC3339 form and is in UTC."
)


def _age_column() -> PrinterColumn:
    return PrinterColumn("Age", "string", ".metadata.creationTimestamp", description=_AGE_DESCRIPTION)


def _col(name: str, type_: str = "string", description: str = "", priority: int = 0) -> PrinterColumn:
    """A built-in kind's computed column (no JSONPath)."""
    return PrinterColumn(name, type_, priority=priority, description=description)


def _crd_col(name: str, json_path: str, type_: str = "string", description: str = "") -> PrinterColumn:
    return PrinterColumn(name, type_, json_path, description=description)


def _core_types() -> list[ResourceType]:
    name, age = _name_column(), _age_column()
    no_collection = tuple(v for v in ALL_VERBS if v != "deletecollection")
    return [
        ResourceType(
            "",
            ("v1",),
            "Namespace",
            "namespaces",
            "namespace",
            namespaced=False,
            short_names=("ns",),
            subresources=("status",),
            verbs=no_collection,
            printer_columns=(name, _col("Status", description="The status of the namespace"), age),
        ),
        ResourceType(
            "",
            ("v1",),
            "Service",
            "services",
            "service",
            short_names=("svc",),
            categories=("all",),
            subresources=("status",),
            verbs=no_collection,
            printer_columns=(
                name,
                _col("Type", description="The type of service."),
                _col("Cluster-IP", description="The IP address of the service."),
                _col("External-IP", description="The external IP addresses of the service."),
                _col("Port(s)", description="The ports the service listens on."),
                age,
                _col("Selector", description="Route service traffic to pods with these labels.", priority=1),
            ),
        ),
        ResourceType(
            "",
            ("v1",),
            "Endpoints",
            "endpoints",
            "endpoints",
            short_names=("ep",),
            printer_columns=(name, _col("Endpoints", description="The endpoints of the service."), age),
        ),
        ResourceType(
            "",
            ("v1",),
            "Pod",
            "pods",
            "pod",
            short_names=("po",),
            categories=("all",),
            subresources=("status",),
            printer_columns=(
                name,
                _col("Ready", description="The aggregate readiness state of this pod for accepting traffic."),
                _col("Status", description="The aggregate status of the containers in this pod."),
                _col(
                    "Restarts",
                    description="The number of times the containers in this pod have been "
                    "restarted and when the last container in this pod has restarted.",
                ),
                age,
                _col("IP", description="IP address allocated to the pod.", priority=1),
                _col("Node", description="Name of the Node this pod is scheduled on.", priority=1),
                _col(
                    "Nominated Node",
                    description="Name of the node where the pod is nominated to run.",
                    priority=1,
                ),
                _col("Readiness Gates", description="Pod readiness gates.", priority=1),
            ),
        ),
        ResourceType(
            "",
            ("v1",),
            "Event",
            "events",
            "event",
            short_names=("ev",),
            printer_columns=(
                _col("Last Seen", description="The time the event was last seen."),
                _col("Type", description="The type of the event."),
                _col("Reason", description="The reason of the event."),
                _col("Object", description="The object the event is about."),
                _col("Subobject", description="The field of the object the event is about.", priority=1),
                _col("Source", description="The component reporting the event.", priority=1),
                _col("Message", description="A human-readable description of the event."),
                _col("First Seen", description="The time the event was first seen.", priority=1),
                _col("Count", description="How many times the event was seen.", priority=1),
                PrinterColumn(
                    "Name",
                    "string",
                    ".metadata.name",
                    priority=1,
                    format="name",
                    description=name.description,
                ),
            ),
        ),
        ResourceType(
            "",
            ("v1",),
            "ConfigMap",
            "configmaps",
            "configmap",
            short_names=("cm",),
            printer_columns=(name, _col("Data", description="The number of entries in data."), age),
        ),
        ResourceType(
            "",
            ("v1",),
            "Secret",
            "secrets",
            "secret",
            printer_columns=(
                name,
                _col("Type", description="The type of the secret."),
                _col("Data", description="The number of entries in data."),
                age,
            ),
        ),
        ResourceType(
            "",
            ("v1",),
            "ServiceAccount",
            "serviceaccounts",
            "serviceaccount",
            short_names=("sa",),
            printer_columns=(name, _col("Secrets", description="The number of secrets of the account."), age),
        ),
    ]


def _apps_types() -> list[ResourceType]:
    return [
        ResourceType(
            "apps",
            ("v1",),
            "Deployment",
            "deployments",
            "deployment",
            short_names=("deploy",),
            categories=("all",),
            subresources=("status", "scale"),
            printer_columns=(
                _name_column(),
                _col("Ready", description="Number of the pod with ready state."),
                _col(
                    "Up-to-date",
                    "string",
                    "Total number of non-terminated pods targeted by this "
                    "deployment that have the desired template spec.",
                ),
                _col(
                    "Available",
                    "string",
                    "Total number of available pods (ready for at least "
                    "minReadySeconds) targeted by this deployment.",
                ),
                _age_column(),
                _col("Containers", description="Names of each container in the template.", priority=1),
                _col(
                    "Images", description="Images referenced by each container in the template.", priority=1
                ),
                _col(
                    "Selector",
                    description="Label query over pods that should match the replicas count.",
                    priority=1,
                ),
            ),
        ),
        ResourceType(
            "apps",
            ("v1",),
            "ReplicaSet",
            "replicasets",
            "replicaset",
            short_names=("rs",),
            categories=("all",),
            subresources=("status", "scale"),
            printer_columns=(
                _name_column(),
                _col("Desired", "integer", "Number of desired pods."),
                _col("Current", "integer", "Number of actual replicas."),
                _col("Ready", "integer", "Number of ready replicas."),
                _age_column(),
                _col("Containers", description="Names of each container in the template.", priority=1),
                _col(
                    "Images", description="Images referenced by each container in the template.", priority=1
                ),
                _col(
                    "Selector",
                    description="Label query over pods that should match the replicas count.",
                    priority=1,
                ),
            ),
        ),
    ]


def _rbac_types() -> list[ResourceType]:
    group, name = RBAC_GROUP, _name_column()
    created = _col("Created At", "date", _AGE_DESCRIPTION)
    binding_columns = (
        name,
        _col("Role", description="Role referenced by this binding."),
        _age_column(),
        _col("Users", description="Users in the binding.", priority=1),
        _col("Groups", description="Groups in the binding.", priority=1),
        _col("ServiceAccounts", description="ServiceAccounts in the binding.", priority=1),
    )
    return [
        ResourceType(group, ("v1",), "Role", "roles", "role", printer_columns=(name, created)),
        ResourceType(
            group, ("v1",), "RoleBinding", "rolebindings", "rolebinding", printer_columns=binding_columns
        ),
        ResourceType(
            group,
            ("v1",),
            "ClusterRole",
            "clusterroles",
            "clusterrole",
            namespaced=False,
            printer_columns=(name, created),
        ),
        ResourceType(
            group,
            ("v1",),
            "ClusterRoleBinding",
            "clusterrolebindings",
            "clusterrolebinding",
            namespaced=False,
            printer_columns=binding_columns,
        ),
    ]


def _coordination_types() -> list[ResourceType]:
    """Leases (coordination.k8s.io/v1), which clients take to coordinate (leader election, and a
    dashboard running a rollout plan); columns from k8s.io/kubernetes pkg/printers/internalversion."""
    holder = (
        "holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader "
        "Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name "
        "field."
    )
    return [
        ResourceType(
            "coordination.k8s.io",
            ("v1",),
            "Lease",
            "leases",
            "lease",
            printer_columns=(_name_column(), _col("Holder", description=holder), _age_column()),
        ),
    ]


def _authentication_types() -> list[ResourceType]:
    """Who am I (`kubectl auth whoami`): nothing stored, the answer is the caller."""
    return [
        ResourceType(
            "authentication.k8s.io",
            ("v1",),
            "SelfSubjectReview",
            "selfsubjectreviews",
            "selfsubjectreview",
            namespaced=False,
            verbs=("create",),
        ),
    ]


def _authorization_types() -> list[ResourceType]:
    """What may I do (`kubectl auth can-i`, `--list`): nothing stored, answered from RBAC."""
    return [
        ResourceType(
            "authorization.k8s.io",
            ("v1",),
            "SelfSubjectAccessReview",
            "selfsubjectaccessreviews",
            "selfsubjectaccessreview",
            namespaced=False,
            verbs=("create",),
        ),
        ResourceType(
            "authorization.k8s.io",
            ("v1",),
            "SelfSubjectRulesReview",
            "selfsubjectrulesreviews",
            "selfsubjectrulesreview",
            namespaced=False,
            verbs=("create",),
        ),
    ]


def _apiextensions_types() -> list[ResourceType]:
    """The CustomResourceDefinitions of the custom kinds: read-only, made from the registry on each read
    (app/sim/apiserver/definitions.py). Columns as apiextensions-apiserver's CRD table convertor
    (pkg/registry/customresourcedefinition/tableconvertor) gives them."""
    created_at = PrinterColumn("Created At", "date", description=_AGE_DESCRIPTION)
    return [
        ResourceType(
            "apiextensions.k8s.io",
            ("v1",),
            "CustomResourceDefinition",
            "customresourcedefinitions",
            "customresourcedefinition",
            namespaced=False,
            short_names=("crd", "crds"),
            categories=("api-extensions",),
            verbs=("get", "list", "watch"),
            printer_columns=(
                _name_column(),
                _col("Scope", description="Cluster/Namespaced"),
                _col("Versions", description="Served versions"),
                created_at,
                _col("Group", description="API group", priority=1),
                _col("Kind", description="CustomResource kind", priority=1),
                _col("ShortNames", description="Short names", priority=1),
                _col("Established", "boolean", "Established status", priority=1),
            ),
        ),
    ]


def _knative_types(versions: tuple[str, ...]) -> list[ResourceType]:
    group = "serving.knative.dev"
    latest_created = _crd_col("LatestCreated", ".status.latestCreatedRevisionName")
    latest_ready = _crd_col("LatestReady", ".status.latestReadyRevisionName")
    ready = _crd_col("Ready", f"{READY}.status")
    reason = _crd_col("Reason", f"{READY}.reason")
    url = _crd_col("URL", ".status.url")
    return [
        ResourceType(
            group,
            versions,
            "Service",
            "services",
            "service",
            short_names=("kservice", "ksvc"),
            printer_columns=(url, latest_created, latest_ready, ready, reason),
            categories=KNATIVE_CATEGORIES,
            subresources=("status",),
        ),
        ResourceType(
            group,
            versions,
            "Configuration",
            "configurations",
            "configuration",
            short_names=("config", "cfg"),
            printer_columns=(latest_created, latest_ready, ready, reason),
            categories=KNATIVE_CATEGORIES,
            subresources=("status",),
        ),
        ResourceType(
            group,
            versions,
            "Revision",
            "revisions",
            "revision",
            short_names=("rev",),
            printer_columns=(
                _crd_col("Config Name", ".metadata.labels['serving\\.knative\\.dev/configuration']"),
                _crd_col("Generation", ".metadata.labels['serving\\.knative\\.dev/configurationGeneration']"),
                ready,
                reason,
                _crd_col("Actual Replicas", ".status.actualReplicas", "integer"),
                _crd_col("Desired Replicas", ".status.desiredReplicas", "integer"),
            ),
            categories=KNATIVE_CATEGORIES,
            subresources=("status",),
        ),
        ResourceType(
            group,
            versions,
            "Route",
            "routes",
            "route",
            short_names=("rt",),
            printer_columns=(url, ready, reason),
            categories=KNATIVE_CATEGORIES,
            subresources=("status",),
        ),
        ResourceType(
            "networking.internal.knative.dev",
            ("v1alpha1",),
            "Ingress",
            "ingresses",
            "ingress",
            short_names=("kingress", "king"),
            categories=("knative-internal", "networking"),
            subresources=("status",),
            printer_columns=(ready, reason),
        ),
        # Knative's internal kinds between a Revision and its Services (served as CRDs, v1alpha1 only).
        ResourceType(
            "networking.internal.knative.dev",
            ("v1alpha1",),
            "ServerlessService",
            "serverlessservices",
            "serverlessservice",
            short_names=("sks",),
            categories=("knative-internal", "networking"),
            subresources=("status",),
            printer_columns=(
                _crd_col("Mode", ".spec.mode"),
                _crd_col("Activators", ".spec.numActivators", "integer"),
                _crd_col("ServiceName", ".status.serviceName"),
                _crd_col("PrivateServiceName", ".status.privateServiceName"),
                ready,
                reason,
            ),
        ),
        ResourceType(
            "autoscaling.internal.knative.dev",
            ("v1alpha1",),
            "PodAutoscaler",
            "podautoscalers",
            "podautoscaler",
            short_names=("kpa", "pa"),
            categories=("knative-internal", "autoscaling"),
            subresources=("status",),
            printer_columns=(
                _crd_col("DesiredScale", ".status.desiredScale", "integer"),
                _crd_col("ActualScale", ".status.actualScale", "integer"),
                ready,
                reason,
            ),
        ),
    ]


def _istio_types(versions: tuple[str, ...]) -> list[ResourceType]:
    return [
        ResourceType(
            "networking.istio.io",
            versions,
            "VirtualService",
            "virtualservices",
            "virtualservice",
            short_names=("vs",),
            categories=ISTIO_CATEGORIES,
            subresources=("status",),
            printer_columns=(
                _crd_col(
                    "Gateways",
                    ".spec.gateways",
                    description="The names of gateways and sidecars that should apply these routes",
                ),
                _crd_col(
                    "Hosts", ".spec.hosts", description="The destination hosts to which traffic is being sent"
                ),
                _crd_col("Age", ".metadata.creationTimestamp", "date", _AGE_DESCRIPTION),
            ),
        ),
    ]


def default_registry(
    serving_versions: tuple[str, ...] = ("v1", "v1alpha1"),
    virtual_service_versions: tuple[str, ...] = ("v1", "v1beta1", "v1alpha3"),
) -> ResourceRegistry:
    """A fresh registry: built-in kinds, Knative Serving at `serving_versions` (preferred first) with its
    internal kinds, and, on a cluster with Istio (some `virtual_service_versions`), the VirtualService."""
    return ResourceRegistry(
        [
            *_core_types(),
            *_apps_types(),
            *_rbac_types(),
            *_coordination_types(),
            *_authentication_types(),
            *_authorization_types(),
            *_apiextensions_types(),
            *_knative_types(serving_versions),
            *(_istio_types(virtual_service_versions) if virtual_service_versions else []),
        ]
    )
