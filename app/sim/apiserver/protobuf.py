"""Kubernetes protobuf request bodies, decoded to JSON dicts for the few kinds kubectl sends that way.

kubectl's typed clients (`kubectl create namespace|configmap|secret|serviceaccount|role|rolebinding|
clusterrole|clusterrolebinding|deployment|service`, `kubectl run`, `kubectl expose`, `kubectl auth
can-i|whoami`) write `application/vnd.kubernetes.protobuf`: the magic "k8s\\0" then a runtime.Unknown
(typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2) whose raw bytes are the object's message.
Field numbers are those of k8s.io/api's generated.proto files. Other kinds answer 415.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from app.model.timestamps import rfc3339
from app.sim.storage.errors import ApiError, bad_request, unsupported_media_type

MEDIA_TYPE = "application/vnd.kubernetes.protobuf"
MAGIC = b"k8s\x00"

# A field: (json name, type, repeated). Types: "string", "int", "bool", "time",
# "map" (string -> string), "bytesmap" (string -> base64), "intorstring", or another message's name.
# Messages list only the fields kubectl's typed commands fill in.
Field = tuple[str, str, bool]
SCHEMAS: dict[str, dict[int, Field]] = {
    "ObjectMeta": {
        1: ("name", "string", False),
        2: ("generateName", "string", False),
        3: ("namespace", "string", False),
        5: ("uid", "string", False),
        6: ("resourceVersion", "string", False),
        7: ("generation", "int", False),
        8: ("creationTimestamp", "time", False),
        11: ("labels", "map", False),
        12: ("annotations", "map", False),
        13: ("ownerReferences", "OwnerReference", True),
        14: ("finalizers", "string", True),
    },
    "OwnerReference": {
        1: ("kind", "string", False),
        3: ("name", "string", False),
        4: ("uid", "string", False),
        5: ("apiVersion", "string", False),
        6: ("controller", "bool", False),
        7: ("blockOwnerDeletion", "bool", False),
    },
    "Namespace": {1: ("metadata", "ObjectMeta", False), 2: ("spec", "NamespaceSpec", False)},
    "NamespaceSpec": {1: ("finalizers", "string", True)},
    "ConfigMap": {
        1: ("metadata", "ObjectMeta", False),
        2: ("data", "map", False),
        3: ("binaryData", "bytesmap", False),
        4: ("immutable", "bool", False),
    },
    "Secret": {
        1: ("metadata", "ObjectMeta", False),
        2: ("data", "bytesmap", False),
        3: ("type", "string", False),
        4: ("stringData", "map", False),
        5: ("immutable", "bool", False),
    },
    "ServiceAccount": {
        1: ("metadata", "ObjectMeta", False),
        3: ("imagePullSecrets", "LocalObjectReference", True),
        4: ("automountServiceAccountToken", "bool", False),
    },
    "LocalObjectReference": {1: ("name", "string", False)},
    "SelfSubjectAccessReview": {
        1: ("metadata", "ObjectMeta", False),
        2: ("spec", "SelfSubjectAccessReviewSpec", False),
    },
    "SelfSubjectAccessReviewSpec": {
        1: ("resourceAttributes", "ResourceAttributes", False),
        2: ("nonResourceAttributes", "NonResourceAttributes", False),
    },
    "ResourceAttributes": {
        1: ("namespace", "string", False),
        2: ("verb", "string", False),
        3: ("group", "string", False),
        4: ("version", "string", False),
        5: ("resource", "string", False),
        6: ("subresource", "string", False),
        7: ("name", "string", False),
    },
    "NonResourceAttributes": {1: ("path", "string", False), 2: ("verb", "string", False)},
    "SelfSubjectRulesReview": {
        1: ("metadata", "ObjectMeta", False),
        2: ("spec", "SelfSubjectRulesReviewSpec", False),
    },
    "SelfSubjectRulesReviewSpec": {1: ("namespace", "string", False)},
    "SelfSubjectReview": {1: ("metadata", "ObjectMeta", False)},
    "Role": {1: ("metadata", "ObjectMeta", False), 2: ("rules", "PolicyRule", True)},
    "ClusterRole": {1: ("metadata", "ObjectMeta", False), 2: ("rules", "PolicyRule", True)},
    "PolicyRule": {
        1: ("verbs", "string", True),
        2: ("apiGroups", "string", True),
        3: ("resources", "string", True),
        4: ("resourceNames", "string", True),
        5: ("nonResourceURLs", "string", True),
    },
    "RoleBinding": {
        1: ("metadata", "ObjectMeta", False),
        2: ("subjects", "Subject", True),
        3: ("roleRef", "RoleRef", False),
    },
    "ClusterRoleBinding": {
        1: ("metadata", "ObjectMeta", False),
        2: ("subjects", "Subject", True),
        3: ("roleRef", "RoleRef", False),
    },
    "Subject": {
        1: ("kind", "string", False),
        2: ("apiGroup", "string", False),
        3: ("name", "string", False),
        4: ("namespace", "string", False),
    },
    "RoleRef": {1: ("apiGroup", "string", False), 2: ("kind", "string", False), 3: ("name", "string", False)},
    "Pod": {1: ("metadata", "ObjectMeta", False), 2: ("spec", "PodSpec", False)},
    "PodTemplateSpec": {1: ("metadata", "ObjectMeta", False), 2: ("spec", "PodSpec", False)},
    "PodSpec": {
        2: ("containers", "Container", True),
        3: ("restartPolicy", "string", False),
        4: ("terminationGracePeriodSeconds", "int", False),
        6: ("dnsPolicy", "string", False),
        7: ("nodeSelector", "map", False),
        8: ("serviceAccountName", "string", False),
        20: ("initContainers", "Container", True),
    },
    "Container": {
        1: ("name", "string", False),
        2: ("image", "string", False),
        3: ("command", "string", True),
        4: ("args", "string", True),
        5: ("workingDir", "string", False),
        6: ("ports", "ContainerPort", True),
        7: ("env", "EnvVar", True),
        8: ("resources", "ResourceRequirements", False),
        14: ("imagePullPolicy", "string", False),
        16: ("stdin", "bool", False),
        17: ("stdinOnce", "bool", False),
        18: ("tty", "bool", False),
    },
    "ContainerPort": {
        1: ("name", "string", False),
        2: ("hostPort", "int", False),
        3: ("containerPort", "int", False),
        4: ("protocol", "string", False),
    },
    "EnvVar": {1: ("name", "string", False), 2: ("value", "string", False)},
    "ResourceRequirements": {},
    "Deployment": {1: ("metadata", "ObjectMeta", False), 2: ("spec", "DeploymentSpec", False)},
    "DeploymentSpec": {
        1: ("replicas", "int", False),
        2: ("selector", "LabelSelector", False),
        3: ("template", "PodTemplateSpec", False),
        4: ("strategy", "DeploymentStrategy", False),
    },
    "DeploymentStrategy": {1: ("type", "string", False)},
    "LabelSelector": {1: ("matchLabels", "map", False)},
    "Service": {1: ("metadata", "ObjectMeta", False), 2: ("spec", "ServiceSpec", False)},
    "ServiceSpec": {
        1: ("ports", "ServicePort", True),
        2: ("selector", "map", False),
        3: ("clusterIP", "string", False),
        4: ("type", "string", False),
        10: ("externalName", "string", False),
    },
    "ServicePort": {
        1: ("name", "string", False),
        2: ("protocol", "string", False),
        3: ("port", "int", False),
        4: ("targetPort", "intorstring", False),
        5: ("nodePort", "int", False),
    },
}
KINDS = (
    "Namespace",
    "ConfigMap",
    "Secret",
    "ServiceAccount",
    "SelfSubjectAccessReview",
    "SelfSubjectRulesReview",
    "SelfSubjectReview",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "Pod",
    "Deployment",
    "Service",
)


def decode_object(body: bytes) -> dict[str, Any]:
    """The JSON form of a protobuf-encoded object; 415 for kinds this server cannot read."""
    if not body.startswith(MAGIC):
        raise bad_request("the protobuf body does not start with the Kubernetes magic number")
    try:
        envelope = dict(_fields(body[len(MAGIC) :]))
        type_meta = dict(_fields(_bytes(envelope.get(1, b""))))
        api_version = _bytes(type_meta.get(1, b"")).decode()
        kind = _bytes(type_meta.get(2, b"")).decode()
        if kind not in KINDS:
            raise unsupported_media_type(("application/json", "application/yaml"))
        obj = _message(kind, _bytes(envelope.get(2, b"")))
    except (ValueError, IndexError, UnicodeDecodeError) as error:
        raise bad_request(f"cannot decode the protobuf body: {error}") from None
    except ApiError:
        raise
    return {"apiVersion": api_version, "kind": kind, **obj}


def _bytes(value: int | bytes) -> bytes:
    if not isinstance(value, bytes):
        raise ValueError("expected a length-delimited field")
    return value


def _fields(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    """(field number, value) pairs of one message: varints as int, length-delimited as bytes."""
    position = 0
    while position < len(data):
        key, position = _varint(data, position)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, position = _varint(data, position)
            yield number, value
        elif wire == 2:
            length, position = _varint(data, position)
            if position + length > len(data):
                raise ValueError("truncated field")
            yield number, data[position : position + length]
            position += length
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            yield number, int.from_bytes(data[position : position + size], "little")
            position += size
        else:
            raise ValueError(f"unsupported wire type {wire}")


def _varint(data: bytes, position: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, position
        shift += 7


def _message(name: str, data: bytes) -> dict[str, Any]:
    schema, result = SCHEMAS[name], dict[str, Any]()
    for number, raw in _fields(data):
        if number not in schema:
            continue
        field, kind, repeated = schema[number]
        value = _value(kind, raw)
        if not repeated and _omitted(field, value):  # a list keeps its empty items (apiGroups: [""])
            continue
        if kind in ("map", "bytesmap"):
            result.setdefault(field, {}).update(value)
        elif repeated:
            result.setdefault(field, []).append(value)
        else:
            result[field] = value
    return result


# Go writes every optional scalar to protobuf but leaves empty ones out of JSON (omitempty);
# these fields are pointers in Go, so a zero there was meant.
_ZERO_KEPT = frozenset({"replicas"})


def _omitted(field: str, value: Any) -> bool:
    """Whether JSON would leave this decoded value out."""
    if value is None:
        return True
    return value in ("", 0) and field not in _ZERO_KEPT  # 0 == False: bools too


def _value(kind: str, raw: int | bytes) -> Any:
    if kind == "string":
        return _bytes(raw).decode()
    if kind == "int":
        if not isinstance(raw, int):
            raise ValueError("expected a varint")
        return raw
    if kind == "bool":
        return bool(raw)
    if kind == "intorstring":
        fields = dict(_fields(_bytes(raw)))
        return _bytes(fields.get(3, b"")).decode() if fields.get(1) == 1 else fields.get(2, 0)
    if kind == "time":
        seconds = int(dict(_fields(_bytes(raw))).get(1, 0))
        if seconds <= 0:  # Go's zero time.Time: JSON says null, which means absent
            return None
        return rfc3339(datetime.fromtimestamp(seconds, UTC))
    if kind in ("map", "bytesmap"):
        entry = dict(_fields(_bytes(raw)))
        key = _bytes(entry.get(1, b"")).decode()
        value = _bytes(entry.get(2, b""))
        return {key: value.decode() if kind == "map" else base64.b64encode(value).decode()}
    return _message(kind, _bytes(raw))
