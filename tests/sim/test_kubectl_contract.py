"""kubectl v1.32 against the simulated API server: apply, get, patch, delete, watch and the errors."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from pathlib import Path

from app.sim.cluster import SimCluster
from tests.plugins.sim import KUBECTL, Kubectl

LAB_SERVICE = """\
apiVersion: serving.knative.dev/{version}
kind: Service
metadata:
  name: customer
spec:
  template:
    metadata:
      name: customer-v4
    spec:
      containers:
        - image: quay.io/dsanchor/customer:quarkus
          env:
            - name: VERSION
              value: "v4"
  traffic:
  - tag: current
    revisionName: customer-v3
    percent: 50
  - tag: candidate
    revisionName: customer-v4
    percent: 50
  - tag: latest
    latestRevision: true
    percent: 0
"""


def ksvc_json(kubectl: Kubectl, name: str = "customer") -> dict[str, object]:
    found: dict[str, object] = json.loads(kubectl("get", "ksvc", name, "-o", "json").stdout)
    return found


def test_apply_the_lab_file_at_v1alpha1_then_v1(kubectl: Kubectl) -> None:
    created = kubectl("apply", "-f", "-", input=LAB_SERVICE.format(version="v1alpha1"))
    assert created.stdout.strip() == "service.serving.knative.dev/customer created"
    again = kubectl("apply", "-f", "-", input=LAB_SERVICE.format(version="v1alpha1"))
    assert again.stdout.strip() == "service.serving.knative.dev/customer unchanged"
    changed = kubectl("apply", "-f", "-", input=LAB_SERVICE.format(version="v1").replace('"v4"', '"v5"'))
    assert changed.stdout.strip() == "service.serving.knative.dev/customer configured"
    obj = ksvc_json(kubectl)
    assert obj["apiVersion"] == "serving.knative.dev/v1"
    assert json.dumps(obj).count('"v5"') == 1
    table = kubectl("get", "ksvc").stdout.splitlines()
    assert table[0].split() == ["NAME", "URL", "LATESTCREATED", "LATESTREADY", "READY", "REASON"]
    assert table[1].split() == ["customer"]


def test_patch_kinds_and_delete(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", input=LAB_SERVICE.format(version="v1"))
    traffic = '{"spec":{"traffic":[{"latestRevision":true,"percent":100}]}}'
    assert "patched" in kubectl("patch", "ksvc", "customer", "--type", "merge", "-p", traffic).stdout
    ops = '[{"op":"add","path":"/spec/traffic/0/tag","value":"now"}]'
    kubectl("patch", "ksvc", "customer", "--type", "json", "-p", ops)
    assert ksvc_json(kubectl)["spec"] == {
        "template": {
            "metadata": {"name": "customer-v4"},
            "spec": {
                "containers": [
                    {
                        "image": "quay.io/dsanchor/customer:quarkus",
                        "env": [{"name": "VERSION", "value": "v4"}],
                    }
                ]
            },
        },
        "traffic": [{"latestRevision": True, "percent": 100, "tag": "now"}],
    }
    refused = kubectl("patch", "ksvc", "customer", "--type", "strategic", "-p", "{}", check=False)
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "error: application/strategic-merge-patch+json is not supported by serving.knative.dev/v1, "
        "Kind=Service: the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
    )
    deleted = kubectl("delete", "ksvc", "customer")
    assert deleted.stdout.strip() == 'service.serving.knative.dev "customer" deleted'
    missing = kubectl("get", "ksvc", "customer", check=False)
    assert missing.stderr.strip() == (
        'Error from server (NotFound): services.serving.knative.dev "customer" not found'
    )


def test_error_messages(kubectl: Kubectl) -> None:
    kubectl("create", "-f", "-", input=LAB_SERVICE.format(version="v1"))
    twice = kubectl("create", "-f", "-", input=LAB_SERVICE.format(version="v1"), check=False)
    assert twice.stderr.strip() == (
        'Error from server (AlreadyExists): error when creating "STDIN": '
        'services.serving.knative.dev "customer" already exists'
    )
    stale = ksvc_json(kubectl)
    kubectl("label", "ksvc", "customer", "tier=web")
    replaced = kubectl("replace", "-f", "-", input=json.dumps(stale), check=False)
    assert replaced.stderr.strip() == (
        'Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on '
        'services.serving.knative.dev "customer": the object has been modified; please apply your changes '
        "to the latest version and try again"
    )
    raw = kubectl("get", "--raw", "/apis/serving.knative.dev/v1/nothings", check=False)
    assert "NotFound" in raw.stderr


def test_selectors_pagination_and_all_namespaces(kubectl: Kubectl) -> None:
    kubectl("create", "namespace", "labs-1")
    for name, tier in (("a", "web"), ("b", "api"), ("c", "web")):
        body = LAB_SERVICE.format(version="v1").replace("customer", name)
        kubectl("apply", "-n", "labs-1" if name == "c" else "default", "-f", "-", input=body)
        kubectl("label", "ksvc", name, f"tier={tier}", "-n", "labs-1" if name == "c" else "default")
    assert kubectl("get", "ksvc", "-l", "tier=web", "-o", "name").stdout.split() == [
        "service.serving.knative.dev/a"
    ]
    assert kubectl("get", "ksvc", "-l", "tier in (web,api)", "-A", "-o", "name").stdout.split() == [
        "service.serving.knative.dev/a",
        "service.serving.knative.dev/b",
        "service.serving.knative.dev/c",
    ]
    assert kubectl("get", "ksvc", "--field-selector", "metadata.name!=a", "-o", "name").stdout.split() == [
        "service.serving.knative.dev/b"
    ]
    paged = kubectl(
        "get", "ksvc", "-A", "--chunk-size=1", "--no-headers", "-o", "custom-columns=N:.metadata.name"
    )
    assert paged.stdout.split() == ["a", "b", "c"]
    kubectl("delete", "namespace", "labs-1")
    assert kubectl("get", "ksvc", "-A", "-o", "name").stdout.split() == [
        "service.serving.knative.dev/a",
        "service.serving.knative.dev/b",
    ]


def test_server_dry_run_and_core_kinds(kubectl: Kubectl, sim_cluster: SimCluster) -> None:
    rv = sim_cluster.store.resource_version
    dry = kubectl("apply", "--dry-run=server", "-f", "-", input=LAB_SERVICE.format(version="v1"))
    assert dry.stdout.strip() == "service.serving.knative.dev/customer created (server dry run)"
    assert sim_cluster.store.resource_version == rv
    kubectl("create", "configmap", "settings", "--from-literal=mode=demo")
    config_map = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: live\n"
    assert kubectl("apply", "-f", "-", input=config_map).stdout.strip() == "configmap/settings configured"
    data = kubectl("get", "configmap", "settings", "-o", "jsonpath={.data}").stdout
    assert json.loads(data) == {"mode": "live"}
    kubectl("create", "secret", "generic", "token", "--from-literal=a=b")
    assert kubectl("get", "secret", "token", "-o", "jsonpath={.type} {.data.a}").stdout == "Opaque Yg=="
    assert kubectl("get", "--raw", "/healthz").stdout == "ok"


def test_rbac_as_another_user(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", input=LAB_SERVICE.format(version="v1"))
    kubectl("create", "role", "viewer", "--verb=get,list,watch", "--resource=services.serving.knative.dev")
    kubectl("create", "rolebinding", "viv", "--role=viewer", "--user=viv")
    assert kubectl("auth", "can-i", "list", "ksvc", "--as", "viv").stdout.strip() == "yes"
    assert kubectl("auth", "can-i", "patch", "ksvc", "--as", "viv", check=False).stdout.strip() == "no"
    assert (
        kubectl("get", "ksvc", "-o", "name", "--as", "viv").stdout.strip()
        == "service.serving.knative.dev/customer"
    )
    refused = kubectl("delete", "ksvc", "customer", "--as", "viv", check=False)
    assert refused.stderr.strip() == (
        'Error from server (Forbidden): services.serving.knative.dev "customer" is forbidden: User "viv" '
        'cannot delete resource "services" in API group "serving.knative.dev" in the namespace "default"'
    )


SA_BINDING = """
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: "team:bots", namespace: team}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "team:reader"}
subjects: [{kind: ServiceAccount, name: bot}]
"""


def test_rbac_for_service_accounts_and_names_with_colons(kubectl: Kubectl) -> None:
    kubectl("create", "namespace", "team")
    kubectl("create", "clusterrole", "team:reader", "--verb=get,list", "--resource=configmaps")
    groups = kubectl("get", "clusterrole", "team:reader", "-o", "jsonpath={.rules[0].apiGroups}").stdout
    assert groups == '[""]', "the core group survives kubectl's protobuf body"
    kubectl("apply", "-f", "-", input=SA_BINDING)  # a subject without a namespace: the binding's
    kubectl(
        "create",
        "clusterrolebinding",
        "ops:all",
        "--clusterrole=team:reader",
        "--group=system:serviceaccounts:ops",
    )

    def can_list(user: str, namespace: str) -> str:
        answer = kubectl("auth", "can-i", "list", "configmaps", "-n", namespace, "--as", user, check=False)
        return answer.stdout.strip()

    assert can_list("system:serviceaccount:team:bot", "team") == "yes"
    assert can_list("system:serviceaccount:team:bot", "default") == "no"
    assert can_list("system:serviceaccount:team:other", "team") == "no"
    assert can_list("bot", "team") == "no"
    assert can_list("system:serviceaccount:ops:anyone", "default") == "yes", "by the group of its namespace"
    refused = kubectl("create", "clusterrole", "50%", "--verb=get", "--resource=pods", check=False)
    assert "may not contain '%'" in refused.stderr


def read_lines(stream: subprocess.Popen[str]) -> queue.Queue[str]:
    """The process's stdout lines, delivered by a reader thread that ends with the process."""
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert stream.stdout is not None
        for line in stream.stdout:
            lines.put(line.rstrip("\n"))

    threading.Thread(target=pump, daemon=True).start()
    return lines


def next_line(lines: queue.Queue[str], prefix: str, timeout: float = 10.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
        if line.startswith(prefix):
            return line.split()


def test_get_watch_with_event_types(kubectl: Kubectl, sim_kubeconfig: Path, tmp_path: Path) -> None:
    kubectl("apply", "-f", "-", input=LAB_SERVICE.format(version="v1"))
    command = [
        KUBECTL, "--kubeconfig", str(sim_kubeconfig), "--cache-dir", str(tmp_path / "kube-cache"),
        "get", "ksvc", "-w", "--output-watch-events",
    ]  # fmt: skip
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as watching:
        try:
            lines = read_lines(watching)
            assert next_line(lines, "EVENT")[:2] == ["EVENT", "NAME"]
            assert next_line(lines, "ADDED")[:2] == ["ADDED", "customer"]
            kubectl("label", "ksvc", "customer", "tier=web")
            assert next_line(lines, "MODIFIED")[:2] == ["MODIFIED", "customer"]
            kubectl("delete", "ksvc", "customer")
            assert next_line(lines, "DELETED")[:2] == ["DELETED", "customer"]
        finally:
            watching.terminate()
            watching.wait(10)


def test_cascading_deletes_and_strategic_patch_of_a_core_service(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", input=LAB_SERVICE.format(version="v1"))
    owner = ksvc_json(kubectl)
    ref = {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "name": "customer"}
    ref["uid"] = str(owner["metadata"]["uid"])  # type: ignore[index]
    for name in ("kept", "gone"):
        service = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "ownerReferences": [ref]},
            "spec": {"ports": [{"port": 80, "targetPort": 8012}]},
        }
        kubectl("create", "-f", "-", input=json.dumps(service))
    port_patch = '{"spec":{"ports":[{"port":80,"name":"http"},{"port":443,"name":"https"}]}}'
    kubectl("patch", "service", "kept", "-p", port_patch)
    ports = json.loads(kubectl("get", "service", "kept", "-o", "jsonpath={.spec.ports}").stdout)
    # The server defaults each port's protocol, and targetPort to the port (core/v1 defaults.go).
    assert ports == [
        {"port": 80, "targetPort": 8012, "name": "http", "protocol": "TCP"},
        {"port": 443, "name": "https", "protocol": "TCP", "targetPort": 443},
    ]
    kubectl("delete", "ksvc", "customer", "--cascade=orphan")
    assert kubectl("get", "services", "-o", "name").stdout.split() == ["service/gone", "service/kept"]
    orphan = kubectl("get", "service", "kept", "-o", "jsonpath={.metadata.ownerReferences}").stdout
    assert orphan == ""


def test_typed_create_commands_send_protobuf_the_server_reads(kubectl: Kubectl) -> None:
    kubectl("create", "deployment", "web", "--image=nginx", "--port=8080", "--replicas=2")
    deployment = json.loads(kubectl("get", "deployment", "web", "-o", "json").stdout)
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["selector"] == {"matchLabels": {"app": "web"}}
    assert deployment["spec"]["template"]["metadata"] == {"labels": {"app": "web"}}
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container == {  # with the server's container defaults (core/v1 defaults.go)
        "name": "nginx",
        "image": "nginx",
        "ports": [{"containerPort": 8080, "protocol": "TCP"}],
        "resources": {},
        "imagePullPolicy": "Always",
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }
    kubectl("expose", "deployment", "web", "--port=80", "--target-port=8080")
    service = json.loads(kubectl("get", "service", "web", "-o", "json").stdout)
    assert service["spec"]["ports"] == [{"protocol": "TCP", "port": 80, "targetPort": 8080}]
    assert service["spec"]["selector"] == {"app": "web"}
    kubectl("run", "shell", "--image=busybox", "--env=MODE=demo", "--labels=app=shell")
    pod = json.loads(kubectl("get", "pod", "shell", "-o", "json").stdout)
    assert pod["metadata"]["labels"] == {"app": "shell"}
    assert pod["spec"]["containers"][0]["env"] == [{"name": "MODE", "value": "demo"}]
    assert (pod["spec"]["restartPolicy"], pod["spec"]["dnsPolicy"]) == ("Always", "ClusterFirst")


def test_kubectl_scale_goes_through_the_scale_subresource(kubectl: Kubectl) -> None:
    """kubectl scale finds deployments/scale in discovery (autoscaling/v1 Scale) and patches it, as
    k8s.io/kubernetes pkg/registry/apps/deployment/storage serves it."""
    kubectl("create", "deployment", "web", "--image=nginx", "--replicas=1")
    scaled = kubectl("scale", "deployment", "web", "--replicas=3")
    assert scaled.stdout.strip() == "deployment.apps/web scaled"
    scale = json.loads(kubectl("get", "deployment", "web", "--subresource=scale", "-o", "json").stdout)
    assert (scale["apiVersion"], scale["kind"]) == ("autoscaling/v1", "Scale")
    assert scale["spec"] == {"replicas": 3}
    assert scale["status"] == {"replicas": 0, "selector": "app=web"}
    deployment = json.loads(kubectl("get", "deployment", "web", "-o", "json").stdout)
    assert deployment["spec"]["replicas"] == 3
    assert deployment["metadata"]["generation"] == 2
    refused = kubectl("scale", "deployment", "web", "--replicas=2", "--resource-version=1", check=False)
    assert refused.returncode == 1
    assert "Expected resource version to be 1" in refused.stderr
