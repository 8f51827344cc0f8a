"""The simulator serves HTTPS from a CA of its own and knows callers by their bearer tokens, as a real
API server does: unknown tokens get 401, requests without one are system:anonymous, and the bootstrap
policy (k8s.io/kubernetes plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go) lets everyone
read /version and the health checks, and signed-in users discover the API and review themselves."""

from __future__ import annotations

import json
import socket
import ssl
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from app.sim.cluster import SimCluster
from tests.plugins.sim import Kubectl, make_kubectl


def request(
    cluster: SimCluster, method: str, path: str, token: str | None, body: Any = None
) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    call = urllib.request.Request(cluster.url + path, data, headers, method=method)
    try:
        with urllib.request.urlopen(call, timeout=10, context=cluster.client_context()) as answer:
            text = answer.read()
            status = answer.status
    except urllib.error.HTTPError as error:
        with error:
            text, status = error.read(), error.code
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text.decode()


def test_the_server_is_trusted_through_its_own_ca_only(sim_cluster: SimCluster) -> None:
    with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
        urllib.request.urlopen(sim_cluster.url + "/version", context=ssl.create_default_context(), timeout=5)
    for host in ("127.0.0.1", "localhost"):
        url = sim_cluster.url.replace("127.0.0.1", host) + "/version"
        with urllib.request.urlopen(url, context=sim_cluster.client_context(), timeout=5) as answer:
            assert answer.status == 200


def test_tokens_say_who_calls_and_no_token_is_anonymous(sim_cluster: SimCluster) -> None:
    assert request(sim_cluster, "GET", "/api/v1/namespaces", "bogus") == (
        401,
        {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": "Unauthorized",
            "reason": "Unauthorized",
            "code": 401,
        },
    )
    status, body = request(sim_cluster, "GET", "/api/v1/namespaces", None)
    assert status == 403
    assert body["message"] == (
        'namespaces is forbidden: User "system:anonymous" cannot list resource "namespaces" '
        'in API group "" at the cluster scope'
    )
    assert request(sim_cluster, "GET", "/api/v1/namespaces", sim_cluster.admin_token)[0] == 200


def test_anyone_reads_version_and_health_and_only_users_discover(sim_cluster: SimCluster) -> None:
    sim_cluster.add_token("viewer-token", "viewer")
    for path in ("/version", "/healthz", "/readyz", "/livez"):
        assert request(sim_cluster, "GET", path, None)[0] == 200, path
    status, body = request(sim_cluster, "GET", "/apis", None)
    assert (status, body["message"], body["details"]) == (
        403,
        'forbidden: User "system:anonymous" cannot get path "/apis"',
        {},
    )
    for path in ("/api", "/apis", "/api/v1", "/openapi/v2", "/version"):
        assert request(sim_cluster, "GET", path, "viewer-token")[0] == 200, path
    assert request(sim_cluster, "GET", "/api/v1/namespaces", "viewer-token")[0] == 403


def test_a_user_reviews_who_it_is_and_what_it_may_do(sim_cluster: SimCluster) -> None:
    sim_cluster.add_token("viewer-token", "viewer", ("team-a",), uid="uid-viewer")
    review = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
    status, body = request(
        sim_cluster, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", "viewer-token", review
    )
    assert status == 201
    assert body["status"] == {
        "userInfo": {"username": "viewer", "uid": "uid-viewer", "groups": ["team-a", "system:authenticated"]}
    }
    rules = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectRulesReview",
        "spec": {"namespace": "default"},
    }
    path = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews"
    status, body = request(sim_cluster, "POST", path, "viewer-token", rules)
    assert status == 201 and body["spec"] == {} and body["status"]["incomplete"] is False
    assert {
        "verbs": ["create"],
        "apiGroups": ["authentication.k8s.io"],
        "resources": ["selfsubjectreviews"],
    } in body["status"]["resourceRules"]
    assert {
        "verbs": ["get"],
        "nonResourceURLs": ["/livez", "/readyz", "/healthz", "/version", "/version/"],
    } in body["status"]["nonResourceRules"]
    status, body = request(sim_cluster, "POST", path, None, rules)
    assert (
        status == 403
        and 'User "system:anonymous" cannot create resource "selfsubjectrulesreviews"' in body["message"]
    )
    access = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {"nonResourceAttributes": {"verb": "get", "path": "/apis"}},
    }
    status, body = request(
        sim_cluster, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", "viewer-token", access
    )
    assert body["status"] == {
        "allowed": True,
        "reason": 'RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" '
        'to Group "system:authenticated"',
    }


def test_kubectl_sends_its_token_over_https(sim_cluster: SimCluster, tmp_path: Path) -> None:
    sim_cluster.add_token("viewer-token", "viewer")
    kubeconfig = sim_cluster.write_kubeconfig(tmp_path / "kubeconfig", others=True)
    kubectl: Kubectl = make_kubectl(kubeconfig, tmp_path / "cache")
    assert kubectl("auth", "whoami").stdout.split("\n")[1].split() == ["Username", "admin"]
    viewer = kubectl("auth", "whoami", "--context", "splitboard-sim-viewer").stdout
    assert viewer.split("\n")[1].split() == ["Username", "viewer"]
    refused = kubectl("get", "namespaces", "--token", "bogus", check=False)
    assert refused.returncode == 1 and "You must be logged in to the server" in refused.stderr
    listed = kubectl("auth", "can-i", "--list", "--context", "splitboard-sim-viewer").stdout
    assert "selfsubjectrulesreviews.authorization.k8s.io" in listed and "*.*" not in listed
    assert "*.*" in kubectl("auth", "can-i", "--list").stdout


def test_a_client_that_never_finishes_its_handshake_holds_up_nobody(sim_cluster: SimCluster) -> None:
    with socket.create_connection(("127.0.0.1", sim_cluster.port), timeout=5):  # says nothing
        started = time.monotonic()
        assert request(sim_cluster, "GET", "/version", None)[0] == 200
        assert time.monotonic() - started < 5
