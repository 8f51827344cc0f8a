"""The CustomResourceDefinitions a real test cluster installs, read at run time from Go modules.

Knative Serving's CRDs come from knative.dev/serving's `config/core/300-resources/` and Istio's from
istio.io/api's `kubernetes/customresourcedefinitions.gen.yaml`, both fetched through the Go module proxy
into the module cache (checksums verified by the go command) and never copied into this repository.

knative.dev/networking (Ingress, ServerlessService, Certificate) is not served by the module proxy at any
version, and Go module zips drop the symbolic links serving keeps to those files. Their CRDs are built
here from their names, columns and subresources, with a schema that keeps every field: what the real
CRDs validate beyond that is not checked on this backend.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import yaml

SERVING_MODULE = ("knative.dev/serving", "v0.50.0")
"""Knative Serving 1.23, the release the simulator's `current` profile describes."""
ISTIO_MODULE = ("istio.io/api", "v1.32.0")

SERVING_FILES = ("service", "configuration", "revision", "route", "podautoscaler", "metric")
ISTIO_GROUP = "networking.istio.io"

Crd = dict[str, Any]


def module_dir(path: str, version: str) -> Path:
    """The module's folder in the Go module cache, downloading it through the proxy when missing."""
    result = subprocess.run(
        ["go", "mod", "download", "-json", f"{path}@{version}"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd="/",
    )
    info = json.loads(result.stdout or "{}")
    if result.returncode != 0 or "Dir" not in info:
        raise RuntimeError(f"go mod download {path}@{version} failed: {info.get('Error') or result.stderr}")
    return Path(info["Dir"])


def serving_crds() -> list[Crd]:
    folder = module_dir(*SERVING_MODULE) / "config" / "core" / "300-resources"
    return [_single(folder / f"{name}.yaml") for name in SERVING_FILES]


def istio_crds() -> list[Crd]:
    """Istio's networking CRDs (VirtualService, Gateway, DestinationRule...): what net-istio writes."""
    path = module_dir(*ISTIO_MODULE) / "kubernetes" / "customresourcedefinitions.gen.yaml"
    documents = yaml.safe_load_all(path.read_text())
    return [
        d for d in documents if d and d.get("kind") == "CustomResourceDefinition" and _group(d) == ISTIO_GROUP
    ]


def networking_crds() -> list[Crd]:
    """Knative's internal networking kinds, from their published names and printer columns."""
    ready = _condition_columns('@.type=="Ready"')
    return [
        _permissive("Ingress", "ingresses", ["kingress", "king"], ready),
        _permissive(
            "ServerlessService",
            "serverlessservices",
            ["sks"],
            [
                _column("Mode", "string", ".spec.mode"),
                _column("Activators", "integer", ".spec.numActivators"),
                _column("ServiceName", "string", ".status.serviceName"),
                _column("PrivateServiceName", "string", ".status.privateServiceName"),
                *ready,
            ],
        ),
        _permissive("Certificate", "certificates", ["kcert"], ready),
    ]


def all_crds() -> list[Crd]:
    return [*serving_crds(), *networking_crds(), *istio_crds()]


def _single(path: Path) -> Crd:
    documents = [d for d in yaml.safe_load_all(path.read_text()) if d]
    if len(documents) != 1 or documents[0].get("kind") != "CustomResourceDefinition":
        raise RuntimeError(f"{path}: expected one CustomResourceDefinition")
    crd: Crd = documents[0]
    return crd


def _group(crd: Crd) -> str:
    return str(crd.get("spec", {}).get("group", ""))


def _column(name: str, kind: str, path: str) -> dict[str, str]:
    return {"name": name, "type": kind, "jsonPath": path}


def _condition_columns(selector: str) -> list[dict[str, str]]:
    return [
        _column("Ready", "string", f".status.conditions[?({selector})].status"),
        _column("Reason", "string", f".status.conditions[?({selector})].reason"),
    ]


def _permissive(kind: str, plural: str, short_names: list[str], columns: list[dict[str, str]]) -> Crd:
    group = "networking.internal.knative.dev"
    keep: dict[str, Any] = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}", "labels": {"knative.dev/crd-install": "true"}},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {
                "kind": kind,
                "plural": plural,
                "singular": kind.lower(),
                "categories": ["knative-internal", "networking"],
                "shortNames": short_names,
            },
            "versions": [
                {
                    "name": "v1alpha1",
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": columns,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {"spec": keep, "status": keep},
                        }
                    },
                }
            ],
        },
    }
