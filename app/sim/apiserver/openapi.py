"""OpenAPI documents: /openapi/v3 (index and one document per group-version) and /openapi/v2.

What kubectl uses them for, and so what they carry:
- `kubectl apply` (validation on, the default) looks in the v3 document for the PATCH operation of
  the object's kind (found through `x-kubernetes-group-version-kind`) and, when it lists the
  `fieldValidation` query parameter, leaves validation to the server (`fieldValidation=Strict`).
- kubectl builds strategic merge patches from a v3 schema only for kinds whose PATCH operation
  accepts `application/strategic-merge-patch+json`. The schemas here are deliberately partial, so
  no operation claims it: kubectl then falls back to its compiled-in types for built-in kinds
  (exactly right) and to JSON merge patches for custom resources (what a real server demands).
- kubectl also downloads /openapi/v2 as protobuf before validating; `openapi_v2_protobuf` is a
  valid document with no definitions, so client-side schema checks find nothing to object to.
Custom resources with schema facts (app.sim.storage.schemafacts) are published from them, with
their descriptions, so `kubectl explain ksvc.spec.traffic` reads as on a real cluster; parts the facts
leave open, and kinds without facts, are loose (`x-kubernetes-preserve-unknown-fields`). All carry the
standard ObjectMeta, as the API server publishes them for structural CRDs.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from app.sim.apiserver.discovery import KUBERNETES_VERSION
from app.sim.storage.resources import ResourceRegistry, ResourceType
from app.sim.storage.schemafacts import schema_for
from app.sim.storage.structural import Schema

META = "io.k8s.apimachinery.pkg.apis.meta.v1"
PATCH_TYPES = ("application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml")
_LIST_TYPE_KEYS = ("x-kubernetes-patch-merge-key", "x-kubernetes-patch-strategy")


def openapi_v3_index(reg: ResourceRegistry) -> dict[str, Any]:
    """The /openapi/v3 index: each group-version path with its serverRelativeURL (content hash)."""
    paths: dict[str, Any] = {}
    for path in group_version_paths(reg):
        document = openapi_v3_path(reg, path)
        digest = hashlib.sha512(json.dumps(document, sort_keys=True).encode()).hexdigest().upper()
        paths[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={digest}"}
    return {"paths": paths}


def group_version_paths(reg: ResourceRegistry) -> list[str]:
    """ "api/v1" and every "apis/GROUP/VERSION" the registry serves."""
    paths: list[str] = []
    for rt in reg.all():
        for version in rt.versions:
            path = f"apis/{rt.group}/{version}" if rt.group else f"api/{version}"
            if path not in paths:
                paths.append(path)
    return paths


def openapi_v3_path(reg: ResourceRegistry, path: str) -> dict[str, Any] | None:
    """The v3 document for "api/v1" or "apis/GROUP/VERSION" (query string ignored), or None."""
    path = path.split("?", 1)[0].strip("/")
    parts = path.split("/")
    if parts[0] == "api" and len(parts) == 2:
        group, version = "", parts[1]
    elif parts[0] == "apis" and len(parts) == 3:
        group, version = parts[1], parts[2]
    else:
        return None
    served = [rt for rt in reg.all() if rt.group == group and version in rt.versions]
    if not served:
        return None
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = _meta_schemas()
    for rt in served:
        paths.update(_paths(rt, version))
        schemas[schema_name(rt, version)] = _kind_schema(rt, version)
        schemas[schema_name(rt, version) + "List"] = _list_schema(rt, version)
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": KUBERNETES_VERSION},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def openapi_v2(reg: ResourceRegistry) -> dict[str, Any]:
    """The /openapi/v2 document as JSON: Swagger 2.0 definitions of every served kind."""
    definitions: dict[str, Any] = {}
    for path in group_version_paths(reg):
        document = openapi_v3_path(reg, path)
        if document is not None:
            definitions.update(document["components"]["schemas"])
    text = json.dumps(definitions).replace('"#/components/schemas/', '"#/definitions/')
    return {
        "swagger": "2.0",
        "info": {"title": "Kubernetes", "version": KUBERNETES_VERSION},
        "paths": {},
        "definitions": json.loads(text),
    }


def openapi_v2_protobuf(reg: ResourceRegistry) -> bytes:
    """/openapi/v2 as kubectl downloads it (gnostic openapi.v2.Document protobuf): the header only.

    Fields: Document.swagger = 1, Document.info = 2; Info.title = 1, Info.version = 2.
    """
    del reg  # the header is the same for every registry; kinds are described in v3
    info = _pb_field(1, b"Kubernetes") + _pb_field(2, KUBERNETES_VERSION.encode())
    return _pb_field(1, b"2.0") + _pb_field(2, info)


def _pb_field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def schema_name(rt: ResourceType, version: str) -> str:
    """The definition name the API server uses: io.k8s.api.core.v1.Service, dev.knative.serving.v1.Service."""
    if not rt.group:
        prefix = "io.k8s.api.core"
    elif rt.group.endswith(".k8s.io") or "." not in rt.group:
        prefix = "io.k8s.api." + rt.group.split(".")[0]
    else:
        prefix = ".".join(reversed(rt.group.split(".")))
    return f"{prefix}.{version}.{rt.kind}"


def _gvk(rt: ResourceType, version: str, kind: str | None = None) -> dict[str, str]:
    return {"group": rt.group, "version": version, "kind": kind or rt.kind}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json_body(name: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": _ref(name)}}, "required": True}


def _query(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "description": description,
        "schema": {"type": "string"},
        "uniqueItems": True,
    }


_WRITE_PARAMETERS = [
    _query("dryRun", "When present, indicates that modifications should not be persisted. Valid value: All"),
    _query(
        "fieldManager", "fieldManager is a name associated with the actor or entity making these changes."
    ),
    _query(
        "fieldValidation",
        "fieldValidation instructs the server on how to handle objects in the request containing unknown or "
        "duplicate fields. Valid values are: Ignore, Warn, Strict.",
    ),
]


def _operation(rt: ResourceType, version: str, action: str, response: str, **extra: Any) -> dict[str, Any]:
    suffix = "List" if action == "list" else ""
    return {
        "operationId": f"{action}{rt.kind}{suffix}",
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": _ref(response)}}}
        },
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": _gvk(rt, version),
        **extra,
    }


def _paths(rt: ResourceType, version: str) -> dict[str, Any]:
    """The REST paths of one kind at one version, with the operations its verbs allow."""
    base = f"/apis/{rt.group}/{version}" if rt.group else f"/api/{version}"
    scope = f"{base}/namespaces/{{namespace}}" if rt.namespaced else base
    collection, item = f"{scope}/{rt.plural}", f"{scope}/{rt.plural}/{{name}}"
    name = schema_name(rt, version)
    verbs = set(rt.verbs)
    write = {"parameters": _WRITE_PARAMETERS}
    patch = {
        "parameters": [*_WRITE_PARAMETERS, _query("force", "Force is going to force Apply requests.")],
        "requestBody": {
            "content": {t: {"schema": _ref(f"{META}.Patch")} for t in PATCH_TYPES},
            "required": True,
        },
    }
    on_collection: dict[str, Any] = {}
    if "list" in verbs:
        on_collection["get"] = _operation(rt, version, "list", name + "List")
    if "create" in verbs:
        on_collection["post"] = _operation(rt, version, "post", name, requestBody=_json_body(name), **write)
    if "deletecollection" in verbs:
        on_collection["delete"] = _operation(rt, version, "deletecollection", f"{META}.Status")
    on_item: dict[str, Any] = {}
    if "get" in verbs:
        on_item["get"] = _operation(rt, version, "get", name)
    if "update" in verbs:
        on_item["put"] = _operation(rt, version, "put", name, requestBody=_json_body(name), **write)
    if "patch" in verbs:
        on_item["patch"] = _operation(rt, version, "patch", name, **patch)
    if "delete" in verbs:
        on_item["delete"] = _operation(rt, version, "delete", f"{META}.Status")
    paths: dict[str, Any] = {collection: on_collection}
    if on_item:
        paths[item] = on_item
        for sub in rt.subresources:
            paths[f"{item}/{sub}"] = {
                "get": _operation(rt, version, "get", name),
                "put": _operation(rt, version, "put", name, requestBody=_json_body(name), **write),
                "patch": _operation(rt, version, "patch", name, **patch),
            }
    if rt.namespaced and "list" in verbs:
        paths[f"{base}/{rt.plural}"] = {"get": _operation(rt, version, "list", name + "List")}
    return paths


def _loose(description: str = "", **properties: Any) -> dict[str, Any]:
    """An object whose listed fields are described and whose other fields are kept as given."""
    schema: dict[str, Any] = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    if description:
        schema["description"] = description
    if properties:
        schema["properties"] = properties
    return schema


def _merge_list(key: str, items: dict[str, Any]) -> dict[str, Any]:
    """A list strategic merge patches merge by `key` (x-kubernetes-patch-merge-key)."""
    return {"type": "array", "items": items, **dict(zip(_LIST_TYPE_KEYS, (key, "merge"), strict=True))}


_STRING = {"type": "string"}
_STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
_CONTAINERS = _merge_list(
    "name",
    _loose(
        name=_STRING,
        image=_STRING,
        env=_merge_list("name", _loose(name=_STRING, value=_STRING)),
        ports=_merge_list("containerPort", _loose(containerPort={"type": "integer", "format": "int32"})),
        volumeMounts=_merge_list("mountPath", _loose(mountPath=_STRING, name=_STRING)),
    ),
)
_POD_SPEC = _loose(
    containers=_CONTAINERS,
    initContainers=_CONTAINERS,
    volumes=_merge_list("name", _loose(name=_STRING)),
    imagePullSecrets=_merge_list("name", _loose(name=_STRING)),
)
_POD_TEMPLATE = _loose(metadata=_ref(f"{META}.ObjectMeta"), spec=_POD_SPEC)

# What `kubectl explain configmap.<field>` prints: the Go doc comments of k8s.io/api core/v1 types.go
# (ConfigMap), as the published OpenAPI carries them.
_CONFIGMAP_DATA = (
    "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' "
    "or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data "
    "must not overlap with the keys in the BinaryData field, this is enforced during validation process."
)
_CONFIGMAP_BINARY_DATA = (
    "BinaryData contains the binary data. Each key must consist of alphanumeric characters, '-', '_' or "
    "'.'. BinaryData can contain byte sequences that are not in the UTF-8 range. The keys stored in "
    "BinaryData must not overlap with the ones in the Data field, this is enforced during validation "
    "process. Using this field will require 1.10+ apiserver and kubelet. Note: BinaryData keys are not "
    "currently propagated to container env vars via ConfigMapKeyRef or ConfigMapRef env sources; only "
    "Data keys are used."
)
_CONFIGMAP_IMMUTABLE = (
    "Immutable, if set to true, ensures that data stored in the ConfigMap cannot be updated (only object "
    "metadata can be modified). If not set to true, the field can be modified at any time. Defaulted to nil."
)

_CORE_FIELDS: dict[str, dict[str, Any]] = {
    "Service": {
        "spec": _loose(
            ports=_merge_list("port", _loose(port={"type": "integer", "format": "int32"}, name=_STRING)),
            selector=_STRING_MAP,
            type=_STRING,
        ),
        "status": _loose(),
    },
    "Pod": {"spec": _POD_SPEC, "status": _loose()},
    "Deployment": {
        "spec": _loose(replicas={"type": "integer", "format": "int32"}, template=_POD_TEMPLATE),
        "status": _loose(),
    },
    "Namespace": {"spec": _loose(), "status": _loose()},
    "ConfigMap": {
        "data": _STRING_MAP | {"description": _CONFIGMAP_DATA},
        "binaryData": {"type": "object", "additionalProperties": {"type": "string", "format": "byte"}}
        | {"description": _CONFIGMAP_BINARY_DATA},
        "immutable": {"type": "boolean", "description": _CONFIGMAP_IMMUTABLE},
    },
    "Secret": {
        "data": _STRING_MAP,
        "stringData": _STRING_MAP,
        "type": _STRING,
        "immutable": {"type": "boolean"},
    },
    "ServiceAccount": {
        "secrets": _merge_list("name", _loose(name=_STRING)),
        "imagePullSecrets": {"type": "array", "items": _loose(name=_STRING)},
        "automountServiceAccountToken": {"type": "boolean"},
    },
    "Role": {"rules": {"type": "array", "items": _loose()}},
    "ClusterRole": {"rules": {"type": "array", "items": _loose()}, "aggregationRule": _loose()},
    "RoleBinding": {"subjects": {"type": "array", "items": _loose()}, "roleRef": _loose()},
    "ClusterRoleBinding": {"subjects": {"type": "array", "items": _loose()}, "roleRef": _loose()},
    "SelfSubjectAccessReview": {"spec": _loose(), "status": _loose()},
}


def _from_facts(schema: Schema) -> dict[str, Any]:
    """A schema fact as an OpenAPI v3 schema (open parts keep every field)."""
    out: dict[str, Any] = {}
    if schema.type:
        out["type"] = schema.type
    if schema.description:
        out["description"] = schema.description
    if schema.format:
        out["format"] = schema.format
    if schema.properties and not schema.open:
        out["properties"] = {name: _from_facts(child) for name, child in schema.properties.items()}
    if schema.items is not None:
        out["items"] = _from_facts(schema.items)
    if schema.additional is not None:
        out["additionalProperties"] = _from_facts(schema.additional)
    if schema.required:
        out["required"] = list(schema.required)
    if schema.enum:
        out["enum"] = list(schema.enum)
    if schema.nullable:
        out["nullable"] = True
    if schema.preserve or schema.open:
        out["x-kubernetes-preserve-unknown-fields"] = True
    if schema.int_or_string:
        out["x-kubernetes-int-or-string"] = True
    if schema.list_type:
        out["x-kubernetes-list-type"] = schema.list_type
    if schema.list_keys:
        out["x-kubernetes-list-map-keys"] = list(schema.list_keys)
    if schema.map_type:
        out["x-kubernetes-map-type"] = schema.map_type
    return out


def _kind_schema(rt: ResourceType, version: str) -> dict[str, Any]:
    description = f"{rt.kind} ({rt.api_version(version)}), as served by the simulated cluster."
    facts = schema_for(rt.key)
    if facts is not None:
        fields: dict[str, Any] = {
            name: _from_facts(child)
            for name, child in facts.properties.items()
            if name not in ("apiVersion", "kind", "metadata")
        }
        description = facts.description or description
    elif rt.is_custom:
        fields = {"spec": _loose(), "status": _loose()}
    else:
        fields = _CORE_FIELDS.get(rt.kind, {})
    loose_top = {} if fields else {"x-kubernetes-preserve-unknown-fields": True}
    return {
        "type": "object",
        "description": description,
        "properties": {
            "apiVersion": {
                "type": "string",
                "description": "APIVersion defines the versioned schema of this object.",
            },
            "kind": {"type": "string", "description": "Kind is the REST resource this object represents."},
            "metadata": {"allOf": [_ref(f"{META}.ObjectMeta")], "default": {}},
            **fields,
        },
        **loose_top,
        "x-kubernetes-group-version-kind": [_gvk(rt, version)],
    }


def _list_schema(rt: ResourceType, version: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items"],
        "properties": {
            "apiVersion": _STRING,
            "kind": _STRING,
            "items": {"type": "array", "items": _ref(schema_name(rt, version))},
            "metadata": {"allOf": [_ref(f"{META}.ListMeta")], "default": {}},
        },
        "x-kubernetes-group-version-kind": [_gvk(rt, version, rt.kind + "List")],
    }


def _meta_schemas() -> dict[str, Any]:
    integer = {"type": "integer", "format": "int64"}
    time = {"type": "string", "format": "date-time"}
    return {
        f"{META}.ObjectMeta": {
            "type": "object",
            "description": "ObjectMeta is metadata that all persisted resources must have.",
            "properties": {
                "name": _STRING,
                "generateName": _STRING,
                "namespace": _STRING,
                "uid": _STRING,
                "resourceVersion": _STRING,
                "generation": integer,
                "creationTimestamp": time,
                "deletionTimestamp": time,
                "deletionGracePeriodSeconds": integer,
                "labels": _STRING_MAP,
                "annotations": _STRING_MAP,
                "finalizers": {"type": "array", "items": _STRING, "x-kubernetes-patch-strategy": "merge"},
                "ownerReferences": _merge_list(
                    "uid", {"allOf": [_ref(f"{META}.OwnerReference")], "default": {}}
                ),
                "managedFields": {"type": "array", "items": _loose()},
            },
        },
        f"{META}.OwnerReference": {
            "type": "object",
            "required": ["apiVersion", "kind", "name", "uid"],
            "properties": {
                "apiVersion": _STRING,
                "kind": _STRING,
                "name": _STRING,
                "uid": _STRING,
                "controller": {"type": "boolean"},
                "blockOwnerDeletion": {"type": "boolean"},
            },
            "x-kubernetes-map-type": "atomic",
        },
        f"{META}.ListMeta": {
            "type": "object",
            "properties": {"resourceVersion": _STRING, "continue": _STRING, "remainingItemCount": integer},
        },
        f"{META}.Patch": {
            "type": "object",
            "description": "Patch is provided to give a concrete name and type.",
        },
        f"{META}.Status": _loose("Status is a return value for calls that don't return other objects."),
    }
