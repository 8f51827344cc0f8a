"""kubectl against the simulated cluster: discovery, default-validation apply, and `get` columns."""

from __future__ import annotations

from tests.plugins.sim import Kubectl

# The lab's traffic-split descriptor (seed text), applied as the lab applies it: v1alpha1, validation on.
LAB_SERVICE = """\
apiVersion: serving.knative.dev/v1alpha1
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
          volumeMounts:
            - name: configuration
              mountPath: /deployments/config
      volumes:
        - name: configuration
          configMap:
            name: customer
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

CORE_OBJECTS = """\
apiVersion: v1
kind: Namespace
metadata:
  name: labs
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: splitboard
  namespace: labs
---
apiVersion: v1
kind: Service
metadata:
  name: customer
  namespace: labs
spec:
  type: ExternalName
  externalName: knative-local-gateway.istio-system.svc.cluster.local
  ports:
  - name: http2
    port: 80
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: labs
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1
        env:
        - {name: A, value: "1"}
        - {name: B, value: "2"}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: traffic-editor
  namespace: labs
rules:
- apiGroups: [serving.knative.dev]
  resources: [services, routes]
  verbs: [get, list, watch, patch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: splitboard
  namespace: labs
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: traffic-editor}
subjects:
- {kind: ServiceAccount, name: splitboard, namespace: labs}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: splitboard-reader
rules:
- apiGroups: [""]
  resources: [namespaces]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: splitboard-reader
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: splitboard-reader}
subjects:
- {kind: ServiceAccount, name: splitboard, namespace: labs}
"""

KNATIVE_OBJECTS = """\
apiVersion: serving.knative.dev/v1
kind: Route
metadata:
  name: customer
spec:
  traffic:
  - {revisionName: customer-v3, percent: 100}
---
apiVersion: serving.knative.dev/v1
kind: Revision
metadata:
  name: customer-v3
  labels:
    serving.knative.dev/configuration: customer
    serving.knative.dev/configurationGeneration: "3"
spec:
  containers:
  - image: quay.io/dsanchor/customer:quarkus
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: customer-mesh
spec:
  gateways: [mesh]
  hosts: [customer.default, customer.default.svc.cluster.local]
"""


def header(kubectl: Kubectl, *args: str) -> list[str]:
    """The column headers `kubectl get` prints (two or more spaces separate them)."""
    lines = kubectl("get", *args).stdout.splitlines()
    assert lines, f"kubectl get {' '.join(args)} printed nothing"
    return lines[0].split()


def test_api_resources_lists_kinds_with_short_names(kubectl: Kubectl) -> None:
    rows = {tuple(line.split()[:2]) for line in kubectl("api-resources", "--no-headers").stdout.splitlines()}
    for expected in [
        ("services", "kservice,ksvc"),
        ("revisions", "rev"),
        ("routes", "rt"),
        ("configurations", "config,cfg"),
        ("virtualservices", "vs"),
        ("ingresses", "kingress,king"),
        ("services", "svc"),
        ("deployments", "deploy"),
    ]:
        assert expected in rows
    knative = kubectl("api-resources", "--categories", "knative", "-o", "name").stdout.split()
    assert knative == [
        "configurations.serving.knative.dev",
        "revisions.serving.knative.dev",
        "routes.serving.knative.dev",
        "services.serving.knative.dev",
    ]


def test_api_versions(kubectl: Kubectl) -> None:
    versions = kubectl("api-versions").stdout.split()
    for expected in [
        "v1",
        "apps/v1",
        "serving.knative.dev/v1",
        "serving.knative.dev/v1alpha1",
        "networking.istio.io/v1",
        "networking.istio.io/v1beta1",
        "networking.istio.io/v1alpha3",
    ]:
        assert expected in versions


def test_lab_service_applies_with_default_validation(kubectl: Kubectl) -> None:
    result = kubectl("apply", "-f", "-", input=LAB_SERVICE)
    assert result.stdout.strip() == "service.serving.knative.dev/customer created"
    assert "warning" not in result.stderr.lower()
    again = kubectl("apply", "-f", "-", input=LAB_SERVICE.replace('"v4"', '"v5"'))
    assert again.stdout.strip() == "service.serving.knative.dev/customer configured"
    env = kubectl(
        "get", "ksvc", "customer", "-o", "jsonpath={.spec.template.spec.containers[0].env[0].value}"
    )
    assert env.stdout == "v5"
    assert header(kubectl, "ksvc") == ["NAME", "URL", "LATESTCREATED", "LATESTREADY", "READY", "REASON"]


def test_core_and_rbac_objects_apply_and_reapply(kubectl: Kubectl) -> None:
    created = kubectl("apply", "-f", "-", input=CORE_OBJECTS).stdout
    assert created.count(" created") == 8, created
    changed = CORE_OBJECTS.replace('{name: B, value: "2"}', '{name: B, value: "3"}')
    result = kubectl("apply", "-f", "-", input=changed)
    assert "deployment.apps/web configured" in result.stdout
    assert "warning" not in result.stderr.lower()
    env = kubectl(
        "get", "deploy", "web", "-n", "labs", "-o", "jsonpath={.spec.template.spec.containers[0].env}"
    )
    assert env.stdout == '[{"name":"A","value":"1"},{"name":"B","value":"3"}]'
    services = kubectl("get", "svc", "-n", "labs").stdout.splitlines()
    assert services[0].split() == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    assert services[1].split()[:5] == [
        "customer",
        "ExternalName",
        "<none>",
        "knative-local-gateway.istio-system.svc.cluster.local",
        "80/TCP",
    ]
    assert header(kubectl, "deploy", "-n", "labs") == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    binding = kubectl("get", "rolebinding", "splitboard", "-n", "labs", "-o", "wide", "--no-headers").stdout
    assert binding.split()[:2] == ["splitboard", "Role/traffic-editor"]
    assert binding.split()[-1] == "labs/splitboard"


REVISION_HEADER = [
    "NAME",
    "CONFIG",
    "NAME",
    "GENERATION",
    "READY",
    "REASON",
    "ACTUAL",
    "REPLICAS",
    "DESIRED",
    "REPLICAS",
]


def test_get_prints_the_crd_columns(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", input=KNATIVE_OBJECTS)
    for args, expected in [
        (("rev",), REVISION_HEADER),
        (("revisions",), REVISION_HEADER),
        (("rt",), ["NAME", "URL", "READY", "REASON"]),
        (("vs",), ["NAME", "GATEWAYS", "HOSTS", "AGE"]),
        (("virtualservices.networking.istio.io",), ["NAME", "GATEWAYS", "HOSTS", "AGE"]),
        (("virtualservices.v1alpha3.networking.istio.io",), ["NAME", "GATEWAYS", "HOSTS", "AGE"]),
    ]:
        assert header(kubectl, *args) == expected, args


def test_get_cells_of_custom_resources(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", input=KNATIVE_OBJECTS)
    revision = kubectl("get", "rev", "customer-v3", "--no-headers").stdout.split()
    assert revision[:3] == ["customer-v3", "customer", "3"]
    vs = kubectl("get", "vs", "customer-mesh", "--no-headers").stdout.split()
    assert vs[:3] == [
        "customer-mesh",
        '["mesh"]',
        '["customer.default","customer.default.svc.cluster.local"]',
    ]
    assert vs[3].endswith("s")  # an age such as "0s", not a timestamp
