"""The shared fixtures give a working cluster to both judges."""

from __future__ import annotations

from typing import Any

from kubernetes import client

from tests.plugins.sim import Kubectl


def test_both_clients_reach_the_cluster(kube_api: Any, kubectl: Kubectl) -> None:
    names = [ns.metadata.name for ns in client.CoreV1Api(kube_api).list_namespace().items if ns.metadata]
    assert "default" in names
    assert "kube-system" in kubectl("get", "namespaces", "-o", "name").stdout
