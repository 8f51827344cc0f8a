"""What server-side apply needs to know of each kind's fields: list types, atomic maps, zero values.

Field ownership (app.sim.storage.ownership) walks objects with these facts, as structured-merge-diff
walks them with the kinds' OpenAPI schemas:

- a list is atomic (owned, replaced and compared whole) unless its type says otherwise: built-in
  lists marked `+listType=map` with their `+listMapKey`s (containers by name, ports by
  containerPort/port and protocol, ...) or `+listType=set` (finalizers), transcribed from
  k8s.io/api (core/v1, apps/v1, rbac/v1 types.go) and k8s.io/apimachinery (meta/v1 types.go);
  custom resources' lists from their CRD's `x-kubernetes-list-type` (none means atomic: Knative's
  `spec.traffic` and its template's `containers`, knative.dev/serving config/core/300-resources);
- a map marked `+mapType=atomic` or `+structType=atomic` (a Service's selector, a LabelSelector,
  a RoleRef) is a single field;
- `zero`: the struct fields a built-in kind's empty Go object already holds (non-pointer structs and
  lists without omitempty). A write that fills them in changes their fields but does not add the
  struct itself, so managedFields list them without the "." of a newly added map.

Fields not described here are maps of fields and atomic lists, which is what a CRD without list
types has. Only the kinds the simulator serves are described, and only as deep as their lists go.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldType:
    """One field's facts; `fields` the known children of a map, `items` the type of list elements."""

    fields: Mapping[str, FieldType] = field(default_factory=dict)
    items: FieldType | None = None
    keys: tuple[str, ...] | None = None  # list of maps merged by these keys; () a set of scalars
    key_defaults: Mapping[str, Any] = field(default_factory=dict)
    atomic: bool = False
    zero: bool = False

    def child(self, name: str) -> FieldType:
        return self.fields.get(name, ANY)

    @property
    def granular_list(self) -> bool:
        return self.keys is not None


ANY = FieldType()
ATOMIC = FieldType(atomic=True)
SET = FieldType(items=ANY, keys=())  # a set of scalars: each member its own `v:` field


def struct(zero: bool = False, **fields: FieldType) -> FieldType:
    return FieldType(fields=fields, zero=zero)


def keyed(*keys: str, defaults: Mapping[str, Any] | None = None, **fields: FieldType) -> FieldType:
    return FieldType(items=FieldType(fields=fields), keys=keys, key_defaults=defaults or {})


OWNER_REFERENCES = keyed("uid")
OBJECT_META = struct(finalizers=SET, ownerReferences=OWNER_REFERENCES)
TEMPLATE_META = struct(zero=True, finalizers=SET, ownerReferences=OWNER_REFERENCES)
TCP = {"protocol": "TCP"}

CONTAINER = struct(
    ports=keyed("containerPort", "protocol", defaults=TCP),
    env=keyed("name"),
    volumeMounts=keyed("mountPath"),
    volumeDevices=keyed("devicePath"),
    resources=struct(zero=True),
)
CONTAINERS = FieldType(items=CONTAINER, keys=("name",), zero=True)
POD_SPEC = struct(
    zero=True,
    containers=CONTAINERS,
    initContainers=FieldType(items=CONTAINER, keys=("name",)),
    ephemeralContainers=FieldType(items=CONTAINER, keys=("name",)),
    volumes=keyed("name"),
    imagePullSecrets=keyed("name"),
    hostAliases=keyed("ip"),
    topologySpreadConstraints=keyed("topologyKey", "whenUnsatisfiable"),
    resourceClaims=keyed("name"),
    schedulingGates=keyed("name"),
)
POD_TEMPLATE = struct(zero=True, metadata=TEMPLATE_META, spec=POD_SPEC)
CONDITIONS = keyed("type")


def _built_in() -> dict[str, FieldType]:
    """Built-in kinds by resource key (the ResourceType.key)."""
    workload = {
        "selector": ATOMIC,
        "template": POD_TEMPLATE,
    }
    return {
        "deployments.apps": struct(
            spec=struct(zero=True, strategy=struct(zero=True), **workload),
            status=struct(zero=True, conditions=CONDITIONS),
        ),
        "replicasets.apps": struct(
            spec=struct(zero=True, **workload), status=struct(zero=True, conditions=CONDITIONS)
        ),
        "pods": struct(spec=POD_SPEC, status=struct(zero=True, conditions=CONDITIONS)),
        "services": struct(
            spec=struct(
                zero=True,
                ports=keyed("port", "protocol", defaults=TCP),
                selector=ATOMIC,
            ),
            status=struct(zero=True, loadBalancer=struct(zero=True), conditions=CONDITIONS),
        ),
        "namespaces": struct(spec=struct(zero=True), status=struct(zero=True, conditions=CONDITIONS)),
        "events": struct(involvedObject=FieldType(atomic=True, zero=True), source=struct(zero=True)),
        "selfsubjectaccessreviews.authorization.k8s.io": struct(spec=struct(zero=True)),
        "roles.rbac.authorization.k8s.io": struct(rules=FieldType(zero=True)),
        "clusterroles.rbac.authorization.k8s.io": struct(rules=FieldType(zero=True)),
        "rolebindings.rbac.authorization.k8s.io": struct(roleRef=FieldType(atomic=True, zero=True)),
        "clusterrolebindings.rbac.authorization.k8s.io": struct(roleRef=FieldType(atomic=True, zero=True)),
        "serviceaccounts": struct(secrets=keyed("name")),
        "leases.coordination.k8s.io": struct(spec=struct(zero=True)),
    }


def _knative_template() -> FieldType:
    """A Knative revision template: containers atomic, volumes and pull secrets by name."""
    return struct(
        metadata=OBJECT_META,
        spec=struct(volumes=keyed("name"), imagePullSecrets=keyed("name")),
    )


def _custom() -> dict[str, FieldType]:
    template = _knative_template()
    return {
        "services.serving.knative.dev": struct(spec=struct(template=template)),
        "configurations.serving.knative.dev": struct(spec=struct(template=template)),
        "revisions.serving.knative.dev": struct(
            spec=struct(volumes=keyed("name"), imagePullSecrets=keyed("name"))
        ),
    }


_KINDS: dict[str, FieldType] = {}


def kind_type(rt_key: str) -> FieldType:
    """The facts of one kind's objects (metadata included)."""
    if not _KINDS:
        _KINDS.update({key: _with_meta(kind) for key, kind in {**_built_in(), **_custom()}.items()})
    found = _KINDS.get(rt_key)
    if found is None:
        found = _KINDS[rt_key] = _with_meta(ANY)
    return found


def _with_meta(kind: FieldType) -> FieldType:
    return FieldType(fields={**kind.fields, "metadata": OBJECT_META}, zero=True)
