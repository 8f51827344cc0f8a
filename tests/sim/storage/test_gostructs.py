"""The simulator's Go type facts against the real API server's own OpenAPI v3 documents.

app/sim/storage/gostructs.py states, for each built-in kind clients write, the JSON fields of its Go
structs (k8s.io/api v0.37.2) and their types; the decoding step refuses whatever they do not list. The
real kube-apiserver publishes the same structs as OpenAPI components (io.k8s.api.core.v1.ConfigMap,
...), generated from those Go types: every stated struct must list exactly the real properties, with
the JSON type its Go type decodes from, or the simulator refuses (or lets through) what the real server
does not. A new Kubernetes release that adds a field fails here.
"""

from __future__ import annotations

import json
import ssl
import urllib.request
from typing import Any

import pytest

from app.sim.storage.gostructs import ROOTS, STRUCTS
from tests.realcluster.controlplane import RealCluster

DOCUMENTS = (
    "/openapi/v3/api/v1",
    "/openapi/v3/apis/apps/v1",
    "/openapi/v3/apis/rbac.authorization.k8s.io/v1",
    "/openapi/v3/apis/coordination.k8s.io/v1",
)
PACKAGES = {
    "core/v1.": "io.k8s.api.core.v1.",
    "apps/v1.": "io.k8s.api.apps.v1.",
    "rbac/v1.": "io.k8s.api.rbac.v1.",
    "coordination/v1.": "io.k8s.api.coordination.v1.",
    "meta/v1.": "io.k8s.apimachinery.pkg.apis.meta.v1.",
}
SCALARS = {"bool": "boolean", "string": "string", "int32": "integer", "int64": "integer", "[]byte": "string"}


def components(cluster: RealCluster) -> dict[str, Any]:
    context = ssl.create_default_context(cafile=str(cluster.ca_file))
    found: dict[str, Any] = {}
    for path in DOCUMENTS:
        request = urllib.request.Request(
            f"{cluster.url}{path}", headers={"Authorization": f"Bearer {cluster.tokens['admin']}"}
        )
        with urllib.request.urlopen(request, context=context, timeout=30) as answer:
            found |= json.loads(answer.read())["components"]["schemas"]
    return found


def fields(struct: str) -> dict[str, str]:
    """The JSON fields of `struct` with their Go types, embedded structs' fields promoted."""
    found: dict[str, str] = {}
    for spec in STRUCTS[struct].split():
        if spec.startswith("..."):
            found |= fields(spec[3:])
        else:
            name, _, go = spec.partition(":")
            found[name] = go
    return found


def component_name(struct: str) -> str | None:
    for prefix, package in PACKAGES.items():
        if struct.startswith(prefix):
            return package + struct.removeprefix(prefix)
    return None


def json_type(go: str) -> str | None:
    """The JSON type a Go type decodes from; None where it decodes itself (`~`) or is a struct."""
    if go.startswith("~"):
        return None
    if go in SCALARS:
        return SCALARS[go]
    if go.startswith("[]"):
        return "array"
    if go.startswith("map["):
        return "object"
    if go in STRUCTS:
        return None
    return "string"  # a named scalar such as v1.SecretType


@pytest.mark.real
def test_each_struct_lists_the_real_fields_with_their_json_types(real_cluster: RealCluster) -> None:
    real = components(real_cluster)
    assert {component_name(root) for root in ROOTS.values()} <= set(real), "a root kind is not published"
    differences: list[str] = []
    compared = 0
    for struct in STRUCTS:
        name = component_name(struct)
        if name is None or name not in real or struct == "meta/v1.TypeMeta":
            continue  # embedded only (TypeMeta) or a package the documents do not carry
        compared += 1
        properties = real[name].get("properties") or {}
        mine = fields(struct)
        if sorted(mine) != sorted(properties):
            differences.append(f"{struct}: fields {sorted(mine)} != real {sorted(properties)}")
            continue
        for field, go in mine.items():
            wanted = json_type(go)
            theirs = properties[field].get("type")
            if wanted is not None and theirs is not None and wanted != theirs:
                differences.append(f"{struct}.{field}: {go} decodes from {wanted}, real says {theirs}")
    assert compared >= len(ROOTS)
    assert not differences, "\n".join(differences)
