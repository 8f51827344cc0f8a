"""deploy/: both kustomizations are accepted by `kubectl apply --dry-run=server` against the simulated
cluster, grant only what the dashboard uses, and that is enough: a dashboard with exactly those rights
shows labs-1 and offers the editor. (The namespaced variant asks its access reviews under the
system:basic-user role every cluster binds to all authenticated users; the simulator answers every
review likewise.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from app.kube.leasing import acquire, lease_name, release
from app.sim.building import KnativeCluster
from app.web.observability import PROBE_PATHS
from tests.plugins.sim import Kubectl, dashboard_client
from tests.support.guarded import MakeDashboard

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "deploy/base"
NAMESPACED = ROOT / "deploy/namespaced"
SA_USER = "system:serviceaccount:splitboard:splitboard"
READ = {"get", "list", "watch"}
WRITES = {
    ("serving.knative.dev", "services", "patch"),
    ("", "events", "create"),
    ("authorization.k8s.io", "selfsubjectaccessreviews", "create"),
    ("coordination.k8s.io", "leases", "create"),
    ("coordination.k8s.io", "leases", "update"),
}


def rendered(kubectl: Kubectl, directory: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(kubectl("kustomize", str(directory)).stdout) if doc]


@pytest.mark.parametrize(
    ("directory", "expected"),
    [
        (
            BASE,
            {
                "clusterrole.rbac.authorization.k8s.io/splitboard",
                "clusterrolebinding.rbac.authorization.k8s.io/splitboard",
            },
        ),
        (
            NAMESPACED,
            {"role.rbac.authorization.k8s.io/splitboard", "rolebinding.rbac.authorization.k8s.io/splitboard"},
        ),
    ],
)
def test_server_side_dry_run_accepts_every_object_and_stores_none(
    knative_kubectl: Kubectl, directory: Path, expected: set[str]
) -> None:
    knative_kubectl("create", "namespace", "splitboard")
    out = knative_kubectl("apply", "--dry-run=server", "-k", str(directory), "-o", "name").stdout.split()
    common = {
        "namespace/splitboard",
        "serviceaccount/splitboard",
        "service/splitboard",
        "deployment.apps/splitboard",
    }
    assert set(out) == common | expected
    kinds = "serviceaccounts,services,deployments,roles,rolebindings,clusterroles,clusterrolebindings"
    stored = knative_kubectl("get", kinds, "-A", "-o", "name").stdout.split()
    assert not [name for name in stored if name.endswith("/splitboard")], "a dry run stored objects"


def rules_of(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [rule for o in objects if o["kind"] in ("Role", "ClusterRole") for rule in o["rules"]]


@pytest.mark.parametrize("directory", [BASE, NAMESPACED])
def test_rights_are_reads_plus_the_writes_the_dashboard_makes(
    knative_kubectl: Kubectl, directory: Path
) -> None:
    granted = set()
    for rule in rules_of(rendered(knative_kubectl, directory)):
        assert "resourceNames" not in rule
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                for verb in rule["verbs"]:
                    assert "*" not in (group, resource, verb)
                    assert resource != "secrets"
                    if verb not in READ:
                        granted.add((group, resource, verb))
    allowed = (
        WRITES
        if directory == BASE
        else WRITES - {("authorization.k8s.io", "selfsubjectaccessreviews", "create")}
    )
    assert granted == allowed


def test_the_pod_runs_unprivileged_and_probes_the_apps_endpoints(knative_kubectl: Kubectl) -> None:
    deployment = next(o for o in rendered(knative_kubectl, BASE) if o["kind"] == "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }
    probes = {container["readinessProbe"]["httpGet"]["path"], container["livenessProbe"]["httpGet"]["path"]}
    assert probes == {"/readyz", "/healthz"} and probes <= PROBE_PATHS
    # The image listens on 0.0.0.0, where the dashboard will not start without its Host names.
    env = {item["name"]: item.get("value") for item in container["env"]}
    assert "localhost" in env["SPLITBOARD_ALLOWED_HOSTS"].split(",")


@pytest.mark.parametrize(("directory", "namespaces"), [(BASE, ()), (NAMESPACED, ("labs-1",))])
def test_exactly_these_rights_are_enough_to_show_and_edit(
    knative_cluster: KnativeCluster,
    knative_kubectl: Kubectl,
    make_dashboard: MakeDashboard,
    tmp_path: Path,
    directory: Path,
    namespaces: tuple[str, ...],
) -> None:
    knative_kubectl(
        "apply",
        "-f",
        "-",
        input=yaml.safe_dump_all(rendered(knative_kubectl, directory)),
    )
    knative_cluster.add_token("sa-token", SA_USER)
    kubeconfig = knative_cluster.write_kubeconfig(tmp_path / "sa", token="sa-token", user="splitboard")
    served = make_dashboard(kubeconfig=kubeconfig, namespaces=namespaces)
    assert served.client.get("/readyz").status_code == 200
    # A rollout plan's Lease can be taken, renewed and released.
    with dashboard_client(kubeconfig) as api:
        assert acquire(api, "labs-1", lease_name("customer"), "sa", duration_seconds=15)
        assert acquire(api, "labs-1", lease_name("customer"), "sa", duration_seconds=15)
        assert release(api, "labs-1", lease_name("customer"), "sa")
    overview = served.client.get("/api/namespaces/labs-1")
    assert overview.status_code == 200, overview.text
    assert "customer" in overview.text
    # Every kind the dashboard watches is readable: no problem, no kind left out, and a revision's
    # Service is followed through its ServerlessService and PodAutoscaler up to the Knative Service.
    body = overview.json()
    assert body["problems"] == [] and body["core_services"]["unreadable"] == []
    assert [i["name"] for i in body["kingresses"]] == ["customer", "preference", "recommendation"]
    row = next(r for r in body["core_services"]["rows"] if r["name"] == "customer-v3-private")
    chain = [(link["kind"], link["found"]) for link in row["owners"]]
    assert chain == [
        ("ServerlessService", True),
        ("PodAutoscaler", True),
        ("Revision", True),
        ("Configuration", True),
        ("Service", True),
    ]
    assert row["backends"] is not None
    assert served.client.get("/_test/namespaces/labs-1/services/customer/can-edit").json()["can_edit"] is True
    # Each listed object's YAML page: the workloads and the mounted ConfigMap are read one at a time;
    # Secrets are not readable, and their page says so.
    for kind, name in (("deployments", "customer-v3-deployment"), ("configmaps", "customer")):
        assert served.client.get(f"/namespaces/labs-1/objects/{kind}/{name}").status_code == 200, kind
    refused = served.client.get("/namespaces/labs-1/objects/secrets/anything")
    assert refused.status_code == 403 and "may not read" in refused.text
