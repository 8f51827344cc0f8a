"""RBAC escalation prevention: a user creates a Role only with rights they hold.

Rules and words from k8s.io/kubernetes pkg/registry/rbac/role/policybased/storage.go and
pkg/registry/rbac/validation/rule.go (ConfirmNoEscalation, BreakdownRule, Covers), policy_compact.go
(CompactRules) and pkg/apis/rbac/v1/helpers.go (CompactString).
"""

from __future__ import annotations

import json
from typing import Any

from app.sim.cluster import SimCluster
from tests.support.simhttp import connect

RBAC = "rbac.authorization.k8s.io"
ROLES = f"/apis/{RBAC}/v1/namespaces/default/roles"
BINDINGS = f"/apis/{RBAC}/v1/namespaces/default/rolebindings"


def send(cluster: SimCluster, path: str, body: Any, token: str | None = None) -> tuple[int, Any]:
    connection = connect(cluster)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    headers["Authorization"] = f"Bearer {token or cluster.admin_token}"
    try:
        connection.request("POST", path, json.dumps(body), headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def role(name: str, *rules: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": f"{RBAC}/v1", "kind": "Role", "metadata": {"name": name}, "rules": list(rules)}


def grant_editor(cluster: SimCluster) -> None:
    cluster.add_token("editor-token", "editor")
    rights = {"apiGroups": [RBAC], "resources": ["roles"], "verbs": ["create"]}
    assert send(cluster, ROLES, role("editing", rights))[0] == 201
    binding = {
        "apiVersion": f"{RBAC}/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "editing"},
        "roleRef": {"apiGroup": RBAC, "kind": "Role", "name": "editing"},
        "subjects": [{"kind": "User", "name": "editor", "apiGroup": RBAC}],
    }
    assert send(cluster, BINDINGS, binding)[0] == 201


def test_a_role_granting_more_than_the_user_holds_is_forbidden(sim_cluster: SimCluster) -> None:
    grant_editor(sim_cluster)
    wider = {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}
    status, answer = send(sim_cluster, ROLES, role("wider", wider), "editor-token")
    assert status == 403
    assert answer["message"] == (
        f'roles.{RBAC} "wider" is forbidden: user "editor" (groups=["system:authenticated"]) is attempting '
        'to grant RBAC permissions not currently held:\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}'
    )
    assert answer["details"] == {"name": "wider", "group": RBAC, "kind": "roles"}


def test_missing_verbs_of_one_resource_are_listed_together(sim_cluster: SimCluster) -> None:
    grant_editor(sim_cluster)
    asked = {"apiGroups": [""], "resources": ["secrets", "configmaps"], "verbs": ["get", "list"]}
    status, answer = send(sim_cluster, ROLES, role("reader", asked), "editor-token")
    assert status == 403
    assert answer["message"].endswith(
        'not currently held:\n{APIGroups:[""], Resources:["configmaps"], Verbs:["get" "list"]}\n'
        '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}'
    )


def test_a_role_within_the_users_rights_is_created(sim_cluster: SimCluster) -> None:
    grant_editor(sim_cluster)
    same = {"apiGroups": [RBAC], "resources": ["roles"], "verbs": ["create"]}
    assert send(sim_cluster, ROLES, role("same", same), "editor-token")[0] == 201
