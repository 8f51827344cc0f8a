"""The differential cases, as data: each is a short script run on the simulator and on the real server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tests.differential.kinds import (
    CLUSTERROLE,
    CONFIGMAP,
    DEPLOYMENT,
    EVENT,
    IMAGE,
    KINDS,
    KSERVICE,
    LEASE,
    NAMESPACE,
    RBAC,
    ROLE,
    ROLEBINDING,
    ROUTE,
    SECRET,
    SERVICE,
    VIRTUALSERVICE,
    Kind,
)
from tests.differential.steps import (
    APPLY,
    JSON_PATCH,
    MERGE,
    STRATEGIC,
    TABLE,
    Await,
    Call,
    Case,
    Grant,
    Kubectl,
    Step,
    Watch,
)

CM = CONFIGMAP
DRY = {"dryRun": "All"}
READ_CONFIGMAPS = {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}


def make(kind: Kind, name: str = "demo", save: dict[str, str] | None = None, **fields: Any) -> Call:
    """A setup step: create a sample object (only the status code is compared)."""
    return Call("POST", kind.collection, kind.obj(name, **fields), view="code", save=save or {})


def get(kind: Kind, name: str = "demo", **options: Any) -> Call:
    return Call("GET", kind.item(name), **options)


def patch(kind: Kind, name: str, body: Any, content_type: str = MERGE, **options: Any) -> Call:
    return Call("PATCH", kind.item(name), body, content_type=content_type, **options)


def apply(kind: Kind, name: str, body: Any, manager: str, **query: str) -> Call:
    return Call("PATCH", kind.item(name), body, query={"fieldManager": manager, **query}, content_type=APPLY)


def case(id: str, category: str, *steps: Step) -> Case:
    return Case(id, category, steps)


def per_kind() -> Iterator[Case]:
    """The basic verbs on every kind."""
    for k in KINDS:
        yield case(f"create-{k.id}", "create", Call("POST", k.collection, k.obj("demo")))
        yield case(f"get-{k.id}", "get", make(k), get(k))
        yield case(
            f"patch-merge-{k.id}",
            "patch-merge",
            make(k),
            patch(k, "demo", {"metadata": {"labels": {"patched": "yes"}}}),
        )
        yield case(f"apply-create-{k.id}", "apply", apply(k, "demo", k.obj("demo"), "differential"))
        # A real Namespace stays (Terminating) until its controller has emptied it: wait for it to go.
        gone = Await(k.item("demo"), 404) if k is NAMESPACE else get(k, view="code")
        yield case(f"delete-{k.id}", "delete", make(k), Call("DELETE", k.item("demo")), gone)
        yield case(
            f"dryrun-create-{k.id}",
            "dryrun",
            Call("POST", k.collection, k.obj("demo"), query=DRY),
            get(k, view="code"),
        )
        query = {} if k.namespaced else {"fieldSelector": f"metadata.name={k.name('demo')}"}
        yield case(
            f"table-{k.id}",
            "table",
            make(k),
            Call("GET", k.collection, query=query, accept=TABLE, view="table"),
        )
        path = k.collection if k.namespaced else k.item("demo")
        yield case(f"rbac-denied-{k.id}", "rbac", Call("GET", path, user="viewer"))
    for k in (CM, KSERVICE, NAMESPACE):
        yield case(f"get-missing-{k.id}", "get", get(k, "missing"))


def four_configmaps() -> tuple[Call, ...]:
    return (
        make(CM, "a1", metadata={"name": "a1", "labels": {"app": "a", "tier": "x", "case": "{ns}"}}),
        make(CM, "a2", metadata={"name": "a2", "labels": {"app": "a", "case": "{ns}"}}),
        make(CM, "b1", metadata={"name": "b1", "labels": {"app": "b", "tier": "y", "case": "{ns}"}}),
        make(CM, "c1", metadata={"name": "c1"}),
    )


def listing(query: dict[str, str], kind: Kind = CM, **options: Any) -> Call:
    return Call("GET", kind.collection, query=query, view="names", **options)


def lists() -> Iterator[Case]:
    selectors = {
        "label-equals": "app=a",
        "label-double-equals": "app==a",
        "label-not-equals": "app!=a",
        "label-in": "app in (a,b)",
        "label-notin": "app notin (a)",
        "label-exists": "tier",
        "label-not-exists": "!tier",
        "label-and": "app=a,tier=x",
        "label-invalid": "app=(a",
        "label-bad-value": "app=-a-",
        "label-set-spaces": " app  in ( a , b ) ",
        "label-notin-missing-key": "tier notin (x)",
        "label-not-exists-and": "!tier,app",
        "label-empty-set": "app in ()",
        "label-empty-value": "tier=",
        "label-set-empty-entries": "app in (,a)",
        "label-gt-not-integer": "app>a",
        "label-bad-key": "a/b/c",
        "label-bad-prefix": "Bad_/x",
        "label-trailing-comma": "app=a,",
        "label-leading-operator": "=a",
        "label-negated-with-value": "!app=a",
        "label-in-without-parens": "app in a",
        "label-set-unclosed": "app in (a",
        "label-set-missing-comma": "app in (a b)",
        "label-two-operators": "app=a=b",
        "label-value-too-long": "app=" + "v" * 64,
        "label-no-operator": "app a",
    }
    for name, selector in selectors.items():
        yield case(f"list-{name}", "list", *four_configmaps(), listing({"labelSelector": selector}))
    fields = {
        "field-name": "metadata.name=a1",
        "field-name-not": "metadata.name!=a1",
        "field-namespace": "metadata.namespace={ns}",
        "field-unknown": "data.color=blue",
        "field-and-label": "metadata.name=a1",
        "field-no-operator": "metadata.name",
        "field-bad-escape": "metadata.name=a\\x",
        "field-unescaped-equals": "metadata.name=a=b",
        "field-escaped-comma": "metadata.name=a\\,b",
        "field-two-unknown": "zeta=1,data.color=blue",
    }
    for name, selector in fields.items():
        query = {"fieldSelector": selector}
        if name == "field-and-label":
            query["labelSelector"] = "app=b"
        yield case(f"list-{name}", "list", *four_configmaps(), listing(query))
    yield case(
        "list-field-secret-type",
        "list",
        make(SECRET, "plain"),
        make(SECRET, "auth", type="kubernetes.io/basic-auth", stringData={"username": "u", "password": "p"}),
        listing({"fieldSelector": "type=kubernetes.io/basic-auth"}, SECRET),
    )
    yield case(
        "list-field-event-involved",
        "list",
        make(EVENT, "e1"),
        make(EVENT, "e2", involvedObject={"kind": "ConfigMap", "name": "other", "namespace": "{ns}"}),
        listing({"fieldSelector": "involvedObject.name=target"}, EVENT),
    )
    yield case(
        "list-field-secret-unknown",
        "list",
        make(SECRET, "plain"),
        listing({"fieldSelector": "data.password=x"}, SECRET),
    )
    yield case(
        "list-field-deployment-unknown",
        "list",
        make(DEPLOYMENT),
        listing({"fieldSelector": "spec.replicas=1"}, DEPLOYMENT),
    )
    yield case(
        "list-field-namespaces-by-namespace",
        "list",
        Call("GET", "/api/v1/namespaces", query={"fieldSelector": "metadata.namespace={ns}"}, view="names"),
    )
    yield case(
        "list-field-ksvc-name",
        "list",
        make(KSERVICE, "one"),
        make(KSERVICE, "two"),
        listing({"fieldSelector": "metadata.name=two"}, KSERVICE),
    )
    yield case(
        "list-field-ksvc-unknown",
        "list",
        make(KSERVICE, "one"),
        listing({"fieldSelector": "spec.template=x"}, KSERVICE),
    )
    yield case(
        "list-cluster-wide-label",
        "list",
        *four_configmaps(),
        Call("GET", "/api/v1/configmaps", query={"labelSelector": "case={ns},app=a"}, view="names"),
    )
    yield case(
        "list-namespaces-by-name-label",
        "list",
        Call(
            "GET",
            "/api/v1/namespaces",
            query={"labelSelector": "kubernetes.io/metadata.name={ns}"},
            view="names",
        ),
    )
    yield case("list-chunk-first", "list", *four_configmaps(), listing({"limit": "2"}))
    yield case(
        "list-chunk-continue",
        "list",
        *four_configmaps(),
        listing({"limit": "2"}, save={"continue": "metadata.continue"}),
        listing({"limit": "2", "continue": "{continue}"}),
    )
    yield case(
        "list-chunk-last-page",
        "list",
        *four_configmaps(),
        listing({"limit": "3"}, save={"continue": "metadata.continue"}),
        listing({"limit": "3", "continue": "{continue}"}),
    )
    yield case(
        "list-chunk-with-label",
        "list",
        *four_configmaps(),
        listing({"limit": "1", "labelSelector": "app=a"}, save={"continue": "metadata.continue"}),
        listing({"limit": "1", "labelSelector": "app=a", "continue": "{continue}"}),
    )
    yield case(
        "list-chunk-bad-token", "list", *four_configmaps(), listing({"limit": "1", "continue": "bogus"})
    )
    yield case("list-chunk-bad-limit", "list", *four_configmaps(), listing({"limit": "many"}))
    yield case("list-limit-above-count", "list", *four_configmaps(), listing({"limit": "10"}))
    yield case(
        "list-chunk-ksvc",
        "list",
        make(KSERVICE, "one"),
        make(KSERVICE, "two"),
        make(KSERVICE, "three"),
        listing({"limit": "2"}, KSERVICE, save={"continue": "metadata.continue"}),
        listing({"limit": "2", "continue": "{continue}"}, KSERVICE),
    )
    yield case(
        "list-full-configmaps",
        "list",
        make(CM, "a1"),
        Call("GET", CM.collection),
    )


def patches() -> Iterator[Case]:
    def json_patch(id: str, ops: Any, kind: Kind = CM) -> Case:
        return case(f"patch-json-{id}", "patch-json", make(kind), patch(kind, "demo", ops, JSON_PATCH))

    yield json_patch("add-label", [{"op": "add", "path": "/metadata/labels/extra", "value": "x"}])
    yield json_patch("replace-data", [{"op": "replace", "path": "/data/color", "value": "red"}])
    yield json_patch("remove-key", [{"op": "remove", "path": "/data/color"}])
    yield json_patch("remove-missing", [{"op": "remove", "path": "/data/nothing"}])
    yield json_patch("test-fails", [{"op": "test", "path": "/data/color", "value": "green"}])
    yield json_patch(
        "test-passes",
        [
            {"op": "test", "path": "/data/color", "value": "blue"},
            {"op": "add", "path": "/data/size", "value": "L"},
        ],
    )
    yield json_patch("not-a-list", {"op": "add", "path": "/data/size", "value": "L"})
    yield json_patch("bad-op", [{"op": "frobnicate", "path": "/data/color"}])
    yield json_patch("wrong-type", [{"op": "add", "path": "/data/size", "value": 3}])
    yield json_patch(
        "ksvc-image",
        [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": IMAGE + "2"}],
        KSERVICE,
    )
    yield json_patch(
        "deployment-replicas", [{"op": "replace", "path": "/spec/replicas", "value": 3}], DEPLOYMENT
    )

    def merge(id: str, body: Any, kind: Kind = CM, name: str = "demo") -> Case:
        return case(f"patch-merge-{id}", "patch-merge", make(kind), patch(kind, name, body))

    yield merge("null-removes", {"data": {"color": None, "size": "L"}})
    yield merge("missing-object", {"data": {"size": "L"}}, name="missing")
    yield merge("rename", {"metadata": {"name": "other"}})
    yield merge("malformed", "{not json")
    yield merge("wrong-type", {"data": {"size": 3}})
    yield merge(
        "deployment-containers",
        {"spec": {"template": {"spec": {"containers": [{"name": "side", "image": IMAGE}]}}}},
        DEPLOYMENT,
    )
    yield merge("ksvc-traffic-wrong-type", {"spec": {"traffic": [{"percent": "all"}]}}, KSERVICE)
    yield merge("vs-hosts", {"spec": {"hosts": ["a.example.com", "b.example.com"]}}, VIRTUALSERVICE)

    def strategic(id: str, body: Any, kind: Kind = DEPLOYMENT, setup: Call | None = None) -> Case:
        return case(
            f"patch-strategic-{id}",
            "patch-strategic",
            setup or make(kind),
            patch(kind, "demo", body, STRATEGIC),
        )

    yield strategic(
        "deployment-env",
        {
            "spec": {
                "template": {"spec": {"containers": [{"name": "app", "env": [{"name": "A", "value": "1"}]}]}}
            }
        },
    )
    yield strategic(
        "deployment-add-container",
        {"spec": {"template": {"spec": {"containers": [{"name": "side", "image": IMAGE}]}}}},
    )
    two = DEPLOYMENT.obj("demo")
    two["spec"]["template"]["spec"]["containers"].append({"name": "side", "image": IMAGE})
    yield strategic(
        "delete-directive",
        {"spec": {"template": {"spec": {"containers": [{"name": "side", "$patch": "delete"}]}}}},
        setup=Call("POST", DEPLOYMENT.collection, two, view="code"),
    )
    yield strategic(
        "replace-directive",
        {"metadata": {"labels": {"$patch": "replace", "only": "this"}}},
        CM,
    )
    yield strategic("configmap-labels", {"metadata": {"labels": {"extra": "x"}}}, CM)
    yield strategic(
        "service-ports", {"spec": {"ports": [{"port": 443, "targetPort": 8443, "name": "tls"}]}}, SERVICE
    )
    yield strategic("ksvc-unsupported", {"metadata": {"labels": {"extra": "x"}}}, KSERVICE)
    yield strategic("vs-unsupported", {"metadata": {"labels": {"extra": "x"}}}, VIRTUALSERVICE)
    yield case(
        "patch-unsupported-media-type",
        "patch-merge",
        make(CM),
        patch(CM, "demo", {"data": {"size": "L"}}, "text/plain"),
    )


def applies() -> Iterator[Case]:
    def cm(data: dict[str, str], **extra: Any) -> dict[str, Any]:
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "demo"}, "data": data, **extra}

    yield case(
        "apply-update",
        "apply",
        apply(
            CM,
            "demo",
            cm({"color": "blue"}),
            "a",
        ),
        apply(CM, "demo", cm({"color": "red", "size": "L"}), "a"),
    )
    yield case("apply-no-field-manager", "apply", Call("PATCH", CM.item("demo"), cm({}), content_type=APPLY))
    yield case(
        "apply-conflict",
        "apply",
        apply(CM, "demo", cm({"color": "blue"}), "a"),
        apply(CM, "demo", cm({"color": "red"}), "b"),
    )
    yield case(
        "apply-force",
        "apply",
        apply(CM, "demo", cm({"color": "blue"}), "a"),
        apply(CM, "demo", cm({"color": "red"}), "b", force="true"),
    )
    yield case(
        "apply-conflict-with-update",
        "apply",
        Call("POST", CM.collection, CM.obj("demo"), query={"fieldManager": "creator"}),
        apply(CM, "demo", cm({"color": "red"}), "b"),
    )
    yield case(
        "apply-shared-value",
        "apply",
        apply(CM, "demo", cm({"color": "blue"}), "a"),
        apply(CM, "demo", cm({"color": "blue"}), "b"),
    )
    yield case(
        "apply-removes-dropped-field",
        "apply",
        apply(CM, "demo", cm({"color": "blue", "size": "L"}), "a"),
        apply(CM, "demo", cm({"color": "blue"}), "a"),
    )
    yield case(
        "apply-ksvc-conflict",
        "apply",
        apply(KSERVICE, "demo", KSERVICE.obj("demo"), "a"),
        apply(
            KSERVICE,
            "demo",
            KSERVICE.obj("demo", spec={"template": {"spec": {"containers": [{"image": IMAGE + "2"}]}}}),
            "b",
        ),
    )
    yield case(
        "apply-dry-run",
        "apply",
        apply(CM, "demo", cm({"color": "blue"}), "a", dryRun="All"),
        get(CM, view="code"),
    )
    yield case(
        "apply-wrong-kind",
        "apply",
        apply(CM, "demo", {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "demo"}}, "a"),
    )
    yield case(
        "apply-yaml-body",
        "apply",
        apply(
            CM,
            "demo",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\ndata:\n  color: blue\n",
            "a",
        ),
    )
    yield case("apply-invalid-yaml", "apply", apply(CM, "demo", "kind: [unclosed", "a"))
    yield case(
        "apply-unknown-field",
        "apply",
        apply(CM, "demo", cm({"color": "blue"}, bogus="x"), "a"),
    )
    yield case(
        "apply-conflicts-listed",
        "apply",
        apply(CM, "demo", cm({"color": "blue", "size": "L"}), "a"),
        apply(CM, "demo", cm({"color": "red", "size": "S"}), "b"),
    )
    yield case(
        "apply-update-takes-field",
        "apply",
        apply(CM, "demo", cm({"color": "blue", "size": "L"}), "a"),
        patch(CM, "demo", {"data": {"color": "red"}}, query={"fieldManager": "editor"}),
        apply(CM, "demo", cm({"size": "L"}), "a"),
    )
    yield case(
        "apply-ksvc-traffic-owned",
        "apply",
        apply(KSERVICE, "demo", KSERVICE.obj("demo"), "a"),
        patch(
            KSERVICE,
            "demo",
            {"spec": {"traffic": [{"latestRevision": True, "percent": 100}]}},
            query={"fieldManager": "splitboard"},
        ),
        apply(KSERVICE, "demo", KSERVICE.obj("demo"), "a"),
    )
    yield case(
        "status-write-owned-by-subresource",
        "apply",
        make(KSERVICE),
        Call(
            "PATCH",
            KSERVICE.item("demo") + "/status",
            {"status": {"observedGeneration": 1}},
            query={"fieldManager": "controller"},
            content_type=MERGE,
        ),
    )
    yield case(
        "apply-name-mismatch",
        "apply",
        apply(CM, "demo", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "other"}}, "a"),
    )


def kubectl_cases() -> Iterator[Case]:
    ns = ("-n", "{ns}")

    def k(*args: str, input: str | None = None, as_user: str | None = None, output: str = "text") -> Kubectl:
        return Kubectl((*args, *ns), input, as_user, output)

    def kc(id: str, *steps: Step) -> Case:
        return case(f"kubectl-{id}", "kubectl", *steps)

    cm_yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\ndata:\n  color: {color}\n"
    blue, red = cm_yaml.replace("{color}", "blue"), cm_yaml.replace("{color}", "red")
    ksvc_yaml = (
        "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: hello\nspec:\n"
        f"  template:\n    spec:\n      containers:\n      - image: {IMAGE}\n"
    )
    yield kc("get-configmaps", make(CM), k("get", "configmaps"))
    yield kc("get-configmaps-wide", make(CM), k("get", "configmaps", "-o", "wide", "--show-labels"))
    yield kc("get-name", make(CM), k("get", "configmaps", "-o", "name"))
    yield kc("get-json", make(CM), k("get", "configmap", "demo", "-o", "json", output="json"))
    yield kc("get-missing", k("get", "configmap", "missing"))
    yield kc("get-ksvc", make(KSERVICE), k("get", "ksvc"))
    yield kc("get-routes-revisions", make(ROUTE), k("get", "routes,revisions,configurations"))
    yield kc("get-virtualservices", make(VIRTUALSERVICE), k("get", "virtualservices.networking.istio.io"))
    yield kc(
        "get-deployments-columns",
        make(DEPLOYMENT),
        k("get", "deployments", "-o", "custom-columns=NAME:.metadata.name,STRATEGY:.spec.strategy.type"),
    )
    yield kc(
        "get-services",
        make(SERVICE),
        k("get", "services", "-o", "custom-columns=NAME:.metadata.name,TYPE:.spec.type"),
    )
    yield kc("get-selector", *four_configmaps(), k("get", "configmaps", "-l", "app in (a,b)", "-o", "name"))
    yield kc("get-field-selector", *four_configmaps(), k("get", "cm", "--field-selector", "metadata.name=b1"))
    yield kc("get-chunked", *four_configmaps(), k("get", "configmaps", "--chunk-size=1", "-o", "name"))
    # kubectl get -w lists, then watches from the list's resourceVersion (no WatchList request); the
    # client's own timeout ends the stream.
    yield kc("get-watch", make(CM), k("get", "configmaps", "-w", "--request-timeout=2s", "-o", "name"))
    yield kc("get-forbidden", k("get", "configmaps", as_user="viewer"))
    yield kc("get-ksvc-forbidden", k("get", "ksvc", as_user="viewer"))
    yield kc("create-stdin", k("create", "-f", "-", input=blue))
    yield kc("create-duplicate", make(CM), k("create", "-f", "-", input=blue))
    yield kc("create-forbidden", k("create", "-f", "-", input=blue, as_user="viewer"))
    yield kc(
        "create-dry-run-server",
        k("create", "-f", "-", "--dry-run=server", "-o", "json", input=blue, output="json"),
    )
    yield kc(
        "create-secret-generic",
        k("create", "secret", "generic", "s", "--from-literal=a=b", "-o", "json", output="json"),
    )
    yield kc(
        "create-deployment", k("create", "deployment", "web", f"--image={IMAGE}", "-o", "json", output="json")
    )
    yield kc("create-role", k("create", "role", "reader", "--verb=get,list", "--resource=configmaps"))
    yield kc("create-invalid-name", k("create", "configmap", "Bad_Name"))
    yield kc(
        "apply-client-side",
        k("apply", "-f", "-", input=blue),
        k("apply", "-f", "-", input=red),
        k("get", "configmap", "demo", "-o", "json", output="json"),
    )
    yield kc(
        "apply-server-side",
        k("apply", "--server-side", "-f", "-", input=blue),
        k("get", "configmap", "demo", "-o", "json", "--show-managed-fields", output="json"),
    )
    yield kc(
        "apply-server-side-conflict",
        k("apply", "--server-side", "--field-manager=first", "-f", "-", input=blue),
        k("apply", "--server-side", "--field-manager=second", "-f", "-", input=red),
    )
    yield kc(
        "apply-server-side-force",
        k("apply", "--server-side", "--field-manager=first", "-f", "-", input=blue),
        k("apply", "--server-side", "--field-manager=second", "--force-conflicts", "-f", "-", input=red),
        k("get", "configmap", "demo", "-o", "json", "--show-managed-fields", output="json"),
    )
    sized = blue + "  size: L\n"
    yield kc(
        "apply-server-side-drops-field",
        k("apply", "--server-side", "-f", "-", input=sized),
        k("apply", "--server-side", "-f", "-", input=blue),
        k("get", "configmap", "demo", "-o", "json", "--show-managed-fields", output="json"),
    )
    yield kc(
        "apply-server-side-after-edit",
        k("apply", "--server-side", "-f", "-", input=blue),
        k("patch", "configmap", "demo", "--type=merge", "-p", '{"data":{"color":"green"}}'),
        k("apply", "--server-side", "-f", "-", input=red),
    )
    yield kc(
        "apply-client-then-server",
        k("apply", "-f", "-", input=blue),
        k("apply", "--server-side", "-f", "-", input=red),
    )
    yield kc(
        "apply-ksvc-server-side",
        k("apply", "--server-side", "-f", "-", input=ksvc_yaml),
        k("get", "ksvc", "hello"),
    )
    yield kc("replace", make(CM), k("replace", "-f", "-", input=red))
    yield kc(
        "replace-stale",
        make(CM, save={"rv": "metadata.resourceVersion"}),
        patch(CM, "demo", {"data": {"size": "L"}}, view="code"),
        k("replace", "-f", "-", input=red.replace("name: demo", "name: demo\n  resourceVersion: '{rv}'")),
    )
    yield kc(
        "patch-merge",
        make(CM),
        k("patch", "configmap", "demo", "--type=merge", "-p", '{"data":{"size":"L"}}'),
    )
    yield kc(
        "patch-json",
        make(CM),
        k("patch", "configmap", "demo", "--type=json", "-p", '[{"op":"remove","path":"/data/missing"}]'),
    )
    yield kc(
        "patch-strategic-ksvc",
        make(KSERVICE),
        k("patch", "ksvc", "demo", "-p", '{"metadata":{"labels":{"a":"b"}}}'),
    )
    yield kc(
        "label",
        make(CM),
        k("label", "configmap", "demo", "team=blue"),
        k("label", "configmap", "demo", "team=red"),
    )
    yield kc("annotate", make(CM), k("annotate", "configmap", "demo", "note=hi", "-o", "json", output="json"))
    yield kc("delete", make(CM), k("delete", "configmap", "demo"), k("get", "configmaps"))
    yield kc("delete-missing", k("delete", "configmap", "missing"))
    yield kc("delete-orphan", make(DEPLOYMENT), k("delete", "deployment", "demo", "--cascade=orphan"))
    yield kc("scale", make(DEPLOYMENT), k("scale", "deployment", "demo", "--replicas=3"))
    yield kc("auth-can-i", Kubectl(("auth", "can-i", "list", "configmaps", *ns), as_user="viewer"))
    yield kc(
        "auth-can-i-granted",
        Grant("viewer", (READ_CONFIGMAPS,)),
        Kubectl(("auth", "can-i", "get", "configmaps", *ns), as_user="viewer"),
    )
    yield kc("api-resources-knative", Kubectl(("api-resources", "--api-group=serving.knative.dev")))
    yield kc("explain-configmap-data", Kubectl(("explain", "configmap.data")))
    yield kc("diff", make(CM), k("diff", "-f", "-", input=red))


def replaces() -> Iterator[Case]:
    def body(rv: str | None = "{rv}", **extra: Any) -> dict[str, Any]:
        obj = CM.obj("demo", data={"color": "green"})
        if rv is not None:
            obj["metadata"]["resourceVersion"] = rv
        obj.update(extra)
        return obj

    saving = {"rv": "metadata.resourceVersion"}
    yield case("replace-current", "replace", make(CM, save=saving), Call("PUT", CM.item("demo"), body()))
    yield case(
        "replace-stale",
        "replace",
        make(CM, save=saving),
        patch(CM, "demo", {"data": {"size": "L"}}, view="code"),
        Call("PUT", CM.item("demo"), body()),
    )
    yield case("replace-without-rv", "replace", make(CM), Call("PUT", CM.item("demo"), body(None)))
    yield case("replace-missing", "replace", Call("PUT", CM.item("demo"), body(None)))
    yield case("replace-name-mismatch", "replace", make(CM), Call("PUT", CM.item("other"), body(None)))
    bad_rv = body("not-a-number")
    yield case("replace-bad-rv", "replace", make(CM), Call("PUT", CM.item("demo"), bad_rv))
    ksvc_update = KSERVICE.obj("demo")
    ksvc_update["metadata"]["resourceVersion"] = "{rv}"
    ksvc_update["spec"]["template"]["spec"]["containers"][0]["image"] = IMAGE + "2"
    yield case(
        "replace-ksvc-current",
        "replace",
        make(KSERVICE, save=saving),
        Call("PUT", KSERVICE.item("demo"), ksvc_update),
    )
    yield case(
        "replace-ksvc-stale",
        "replace",
        make(KSERVICE, save=saving),
        patch(KSERVICE, "demo", {"metadata": {"labels": {"x": "y"}}}, view="code"),
        Call("PUT", KSERVICE.item("demo"), ksvc_update),
    )
    yield case(
        "replace-ksvc-without-rv",
        "replace",
        make(KSERVICE),
        Call("PUT", KSERVICE.item("demo"), KSERVICE.obj("demo")),
    )
    with_status = dict(ksvc_update, status={"url": "http://hello.example.com"})
    yield case(
        "replace-ksvc-status-ignored",
        "replace",
        make(KSERVICE, save=saving),
        Call("PUT", KSERVICE.item("demo"), with_status),
    )
    yield case(
        "replace-ksvc-status-subresource",
        "replace",
        make(KSERVICE, save=saving),
        Call("PUT", KSERVICE.item("demo") + "/status", with_status),
    )
    yield case(
        "replace-deployment-status-subresource",
        "replace",
        make(DEPLOYMENT),
        Call(
            "PATCH",
            DEPLOYMENT.item("demo") + "/status",
            {"metadata": {"labels": {"via": "status"}}},
            content_type=MERGE,
            view="code",
        ),
        get(DEPLOYMENT),
    )


def creates_with_resource_version() -> Iterator[Case]:
    with_rv = CM.obj("demo")
    with_rv["metadata"]["resourceVersion"] = "12345"
    yield case(
        "create-with-resource-version", "create", Call("POST", CM.collection, with_rv), get(CM, view="code")
    )
    yield case(
        "create-with-resource-version-dry-run",
        "create",
        Call("POST", CM.collection, with_rv, query=DRY),
        get(CM, view="code"),
    )
    ksvc = KSERVICE.obj("demo")
    ksvc["metadata"]["resourceVersion"] = "12345"
    yield case("create-ksvc-with-resource-version", "create", Call("POST", KSERVICE.collection, ksvc))


def wire() -> Iterator[Case]:
    """Error bodies and delete answers byte for byte: key order, omitted empty fields, escapes, the
    trailing newline and the Content-Type."""

    def raw(id: str, *steps: Step) -> Case:
        return case(f"wire-{id}", "wire", *steps)

    yield raw("not-found", Call("GET", CM.item("missing"), view="raw"))
    yield raw("forbidden-list", Call("GET", CM.collection, user="viewer", view="raw"))
    yield raw("forbidden-get", make(CM), Call("GET", CM.item("demo"), user="viewer", view="raw"))
    yield raw("forbidden-namespace", Call("GET", NAMESPACE.item("demo"), user="viewer", view="raw"))
    yield raw(
        "forbidden-status",
        make(CM),
        Call("GET", KSERVICE.item("demo") + "/status", user="viewer", view="raw"),
    )
    yield raw("already-exists", make(CM), Call("POST", CM.collection, CM.obj("demo"), view="raw"))
    yield raw("invalid-name", Call("POST", CM.collection, CM.obj("Bad_Name"), view="raw"))
    bad_label = {"labelSelector": "app=-a-"}
    yield raw("bad-label-selector", Call("GET", CM.collection, query=bad_label, view="raw"))
    yield raw("delete-status", make(CM), Call("DELETE", CM.item("demo"), view="raw"))
    yield raw("delete-ksvc-status", make(KSERVICE), Call("DELETE", KSERVICE.item("demo"), view="raw"))
    yield raw(
        "delete-deployment-status", make(DEPLOYMENT), Call("DELETE", DEPLOYMENT.item("demo"), view="raw")
    )
    yield raw("path-not-found", Call("GET", "/api/v1/namespaces/{ns}/bogus", view="raw"))


def dry_runs() -> Iterator[Case]:
    yield case(
        "dryrun-patch",
        "dryrun",
        make(CM),
        patch(CM, "demo", {"data": {"size": "L"}}, query=DRY),
        get(CM),
    )
    yield case(
        "dryrun-delete", "dryrun", make(CM), Call("DELETE", CM.item("demo"), query=DRY), get(CM, view="code")
    )
    yield case(
        "dryrun-replace",
        "dryrun",
        make(CM),
        Call("PUT", CM.item("demo"), CM.obj("demo", data={"color": "red"}), query=DRY),
        get(CM),
    )
    yield case(
        "dryrun-invalid-value",
        "dryrun",
        Call("POST", CM.collection, CM.obj("demo"), query={"dryRun": "Some"}),
    )
    generated = CM.obj("demo")
    generated["metadata"] = {"generateName": "gen-"}
    yield case("dryrun-generate-name", "dryrun", Call("POST", CM.collection, generated, query=DRY))
    yield case(
        "dryrun-delete-options-body",
        "dryrun",
        make(CM),
        Call("DELETE", CM.item("demo"), {"kind": "DeleteOptions", "apiVersion": "v1", "dryRun": ["All"]}),
        get(CM, view="code"),
    )


def watches() -> Iterator[Case]:
    saving = {"rv": "metadata.resourceVersion"}
    yield case(
        "watch-configmap-sequence",
        "watch",
        make(CM, save=saving),
        patch(CM, "demo", {"data": {"size": "L"}}, view="code"),
        Call("DELETE", CM.item("demo"), view="code"),
        make(CM, "again"),
        Watch(CM.collection, {"resourceVersion": "{rv}"}, events=3),
    )
    yield case(
        "watch-from-zero",
        "watch",
        make(CM, "a"),
        make(CM, "b"),
        Watch(CM.collection, {"resourceVersion": "0"}, events=2),
    )
    yield case(
        "watch-label-leaves-selector",
        "watch",
        make(CM, save=saving),
        patch(CM, "demo", {"metadata": {"labels": {"app": None}}}, view="code"),
        patch(CM, "demo", {"metadata": {"labels": {"app": "demo"}}}, view="code"),
        Watch(CM.collection, {"resourceVersion": "{rv}", "labelSelector": "app=demo"}, events=2),
    )
    yield case(
        "watch-field-selector",
        "watch",
        make(CM, "a", save=saving),
        make(CM, "b"),
        patch(CM, "b", {"data": {"size": "L"}}, view="code"),
        patch(CM, "a", {"data": {"size": "L"}}, view="code"),
        Watch(CM.collection, {"resourceVersion": "{rv}", "fieldSelector": "metadata.name=a"}, events=1),
    )
    yield case(
        "watch-ksvc-sequence",
        "watch",
        make(KSERVICE, save=saving),
        patch(KSERVICE, "demo", {"metadata": {"labels": {"x": "y"}}}, view="code"),
        Call("DELETE", KSERVICE.item("demo"), view="code"),
        Watch(KSERVICE.collection, {"resourceVersion": "{rv}"}, events=2),
    )
    yield case(
        "watch-virtualservice-sequence",
        "watch",
        make(VIRTUALSERVICE, save=saving),
        patch(VIRTUALSERVICE, "demo", {"spec": {"hosts": ["x.example.com"]}}, view="code"),
        Watch(VIRTUALSERVICE.collection, {"resourceVersion": "{rv}"}, events=1),
    )
    yield case("watch-denied", "watch", Watch(CM.collection, user="viewer"))
    # A fresh server's watch caches began on an empty etcd: a watch from resourceVersion 1 replays all.
    yield case("watch-from-version-one", "watch", make(CM), Watch(CM.collection, {"resourceVersion": "1"}))
    yield case(
        "watch-ends-at-timeout",
        "watch",
        make(CM, save=saving),
        Watch(CM.collection, {"resourceVersion": "{rv}", "timeoutSeconds": "1"}, events=3),
    )
    # A WatchList request (sendInitialEvents): the current objects, then a bookmark marked as their end.
    watch_list = {"sendInitialEvents": "true", "resourceVersionMatch": "NotOlderThan"}
    for kind in (CM, KSERVICE):
        yield case(
            f"watch-list-{kind.id}",
            "watch",
            make(kind),
            Watch(kind.collection, {**watch_list, "allowWatchBookmarks": "true"}, events=2, objects=True),
        )
    yield case("watch-list-without-bookmarks", "watch", make(CM), Watch(CM.collection, watch_list, events=2))
    yield case(
        "watch-list-without-match",
        "watch",
        Watch(CM.collection, {"sendInitialEvents": "true", "allowWatchBookmarks": "true"}),
    )
    yield case(
        "watch-match-without-list", "watch", Watch(CM.collection, {"resourceVersionMatch": "NotOlderThan"})
    )
    yield case(
        "watch-list-exact-match",
        "watch",
        Watch(CM.collection, {"sendInitialEvents": "true", "resourceVersionMatch": "Exact"}),
    )
    yield case("watch-bad-resource-version", "watch", Watch(CM.collection, {"resourceVersion": "abc"}))
    yield case(
        "watch-single-object",
        "watch",
        make(CM, "a", save=saving),
        make(CM, "b"),
        Call("DELETE", CM.item("a"), view="code"),
        Watch(CM.collection, {"resourceVersion": "{rv}", "fieldSelector": "metadata.name=a"}, events=1),
    )


def deletes() -> Iterator[Case]:
    def family(policy: str, *after: Step, body: Any = None) -> tuple[Step, ...]:
        owner_ref = {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": "{uid}"}
        query = {} if body is not None else {"propagationPolicy": policy}
        return (
            make(CM, "owner", save={"uid": "metadata.uid"}),
            make(CM, "child", metadata={"name": "child", "ownerReferences": [owner_ref]}),
            Call("DELETE", CM.item("owner"), body, query=query),
            *after,
        )

    yield case(
        "delete-foreground",
        "delete",
        *family("Foreground", Await(CM.item("child"), 404), Await(CM.item("owner"), 404)),
    )
    yield case("delete-background", "delete", *family("Background", Await(CM.item("child"), 404)))
    yield case("delete-orphan", "delete", *family("Orphan", Await(CM.item("owner"), 404), get(CM, "child")))
    yield case(
        "delete-orphan-in-body",
        "delete",
        *family("", body={"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Orphan"}),
    )
    yield case(
        "delete-invalid-policy",
        "delete",
        make(CM),
        Call("DELETE", CM.item("demo"), query={"propagationPolicy": "Sideways"}),
    )
    yield case(
        "delete-precondition-uid",
        "delete",
        make(CM),
        Call("DELETE", CM.item("demo"), {"preconditions": {"uid": "00000000-0000-0000-0000-000000000000"}}),
    )
    yield case(
        "delete-precondition-rv",
        "delete",
        make(CM, save={"rv": "metadata.resourceVersion"}),
        patch(CM, "demo", {"data": {"size": "L"}}, view="code"),
        Call("DELETE", CM.item("demo"), {"preconditions": {"resourceVersion": "{rv}"}}),
    )
    yield case("delete-missing", "delete", Call("DELETE", CM.item("missing")))
    yield case(
        "delete-collection-label",
        "delete",
        *four_configmaps(),
        Call("DELETE", CM.collection, query={"labelSelector": "app=a"}, view="names"),
        listing({}),
    )
    for policy in ("Foreground", "Background", "Orphan"):
        yield case(
            f"delete-deployment-{policy.lower()}",
            "delete",
            make(DEPLOYMENT),
            Call("DELETE", DEPLOYMENT.item("demo"), query={"propagationPolicy": policy}),
        )
    yield case(
        "delete-ksvc-foreground",
        "delete",
        make(KSERVICE),
        Call("DELETE", KSERVICE.item("demo"), query={"propagationPolicy": "Foreground"}),
    )
    yield case(
        "delete-namespace-terminates",
        "delete",
        make(NAMESPACE),
        Call("DELETE", NAMESPACE.item("demo")),
    )


def workloads() -> Iterator[Case]:
    """Deployments through their ReplicaSets and the scale subresource, finalizers holding a delete."""
    scale = DEPLOYMENT.item("demo") + "/scale"
    replica_sets = "/apis/apps/v1/namespaces/{ns}/replicasets"
    yield case("scale-get", "workloads", make(DEPLOYMENT), Call("GET", scale))
    yield case(
        "scale-patch",
        "workloads",
        make(DEPLOYMENT),
        Call("PATCH", scale, {"spec": {"replicas": 3}}, content_type=MERGE),
        get(DEPLOYMENT),
    )
    yield case(
        "scale-put",
        "workloads",
        make(DEPLOYMENT),
        Call(
            "PUT",
            scale,
            {
                "apiVersion": "autoscaling/v1",
                "kind": "Scale",
                "metadata": {"name": "demo"},
                "spec": {"replicas": 2},
            },
        ),
    )
    yield case(
        "scale-negative",
        "workloads",
        make(DEPLOYMENT),
        Call("PATCH", scale, {"spec": {"replicas": -1}}, content_type=MERGE),
    )
    image = {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": IMAGE + "-next"}]}}}}
    columns = (
        "custom-columns=REVISION:.metadata.annotations.deployment\\.kubernetes\\.io/revision,"
        "REPLICAS:.spec.replicas,IMAGE:.spec.template.spec.containers[0].image"
    )
    yield case(
        "rollout-template-change",
        "workloads",
        make(DEPLOYMENT),
        Await(replica_sets, 200, items=1),
        patch(DEPLOYMENT, "demo", image, content_type=STRATEGIC, view="code"),
        Await(replica_sets, 200, items=2),
        Kubectl(("rollout", "history", "deployment/demo", "-n", "{ns}")),
        Kubectl(
            ("get", "rs", "-n", "{ns}", "-o", columns, "--sort-by=.spec.template.spec.containers[0].image")
        ),
    )
    held = {"name": "held", "labels": {"app": "demo"}, "finalizers": ["example.com/hold"]}
    yield case(
        "delete-finalizer-holds",
        "delete",
        make(CM, "held", metadata=held),
        Call("DELETE", CM.item("held")),
        get(CM, "held"),
        patch(CM, "held", {"metadata": {"finalizers": ["example.com/hold", "example.com/more"]}}),
        patch(CM, "held", {"metadata": {"finalizers": None}}, view="code"),
        Await(CM.item("held"), 404),
    )


def rbac() -> Iterator[Case]:
    for verb, step in {
        "get": get(CM, user="viewer"),
        "create": Call("POST", CM.collection, CM.obj("other"), user="viewer"),
        "delete": Call("DELETE", CM.item("demo"), user="viewer"),
        "patch": patch(CM, "demo", {"data": {"size": "L"}}, user="viewer"),
        "update": Call("PUT", CM.item("demo"), CM.obj("demo"), user="viewer"),
        "deletecollection": Call("DELETE", CM.collection, user="viewer"),
        "list-all-namespaces": Call("GET", "/api/v1/configmaps", user="viewer"),
        "list-namespaces": Call("GET", "/api/v1/namespaces", user="viewer"),
        "create-ksvc": Call("POST", KSERVICE.collection, KSERVICE.obj("other"), user="bob"),
    }.items():
        yield case(f"rbac-denied-{verb}", "rbac", make(CM), step)
    yield case(
        "rbac-get-only",
        "rbac",
        make(CM),
        Grant("viewer", (READ_CONFIGMAPS,)),
        get(CM, user="viewer", view="code"),
        Call("GET", CM.collection, user="viewer"),
    )
    yield case(
        "rbac-resource-names",
        "rbac",
        make(CM, "a"),
        make(CM, "b"),
        Grant("viewer", ({**READ_CONFIGMAPS, "resourceNames": ["a"]},)),
        get(CM, "a", user="viewer", view="code"),
        get(CM, "b", user="viewer"),
    )
    group_binding = {
        "metadata": {"name": "team-a-reads"},
        "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": "{ns}-reader"},
        "subjects": [{"kind": "Group", "name": "team-a", "apiGroup": RBAC}],
    }
    yield case(
        "rbac-group-binding",
        "rbac",
        make(CM),
        Call("POST", CLUSTERROLE.collection, CLUSTERROLE.obj("reader", rules=[READ_CONFIGMAPS]), view="code"),
        Call("POST", f"/apis/{RBAC}/v1/namespaces/{{ns}}/rolebindings", group_binding, view="code"),
        get(CM, user="alice", view="code"),
        get(CM, user="bob"),
    )
    yield case(
        "rbac-cluster-role",
        "rbac",
        *four_configmaps(),
        Grant("editor", ({"apiGroups": [""], "resources": ["configmaps"], "verbs": ["list"]},), cluster=True),
        Call("GET", "/api/v1/configmaps", query={"labelSelector": "case={ns}"}, user="editor", view="names"),
    )
    yield case(
        "rbac-escalation-refused",
        "rbac",
        Grant("editor", ({"apiGroups": [RBAC], "resources": ["roles"], "verbs": ["create"]},)),
        Call(
            "POST",
            ROLE.collection,
            ROLE.obj("wider", rules=[{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]),
            user="editor",
        ),
    )
    # A non-resource URL counts as held when a request for that path would be allowed: every
    # authenticated user may get /healthz (system:public-info-viewer), nobody but the admin /metrics.
    for held, url in ((True, "/healthz"), (False, "/metrics")):
        yield case(
            f"rbac-escalation-nonresource-{'held' if held else 'missing'}",
            "rbac",
            Grant(
                "editor",
                ({"apiGroups": [RBAC], "resources": ["clusterroles"], "verbs": ["create"]},),
                cluster=True,
            ),
            Call(
                "POST",
                CLUSTERROLE.collection,
                CLUSTERROLE.obj("urls", rules=[{"nonResourceURLs": [url], "verbs": ["get"]}]),
                user="editor",
            ),
        )
    review = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": {"namespace": "{ns}", "verb": "list", "resource": "configmaps"}},
    }
    yield case(
        "rbac-self-subject-access-review",
        "rbac",
        Call("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", review, user="viewer"),
    )
    yield case(
        "rbac-watch-granted",
        "rbac",
        make(CM),
        Grant("viewer", ({"apiGroups": [""], "resources": ["configmaps"], "verbs": ["watch"]},)),
        Watch(CM.collection, {"resourceVersion": "0"}, events=1, user="viewer"),
    )


def authentication() -> Iterator[Case]:
    """Who a request is: bearer tokens over HTTPS, anonymous requests, and the reviews a caller asks
    about itself. What anyone may do without a grant is the bootstrap policy (k8s.io/kubernetes
    plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go: system:discovery and system:basic-user
    for system:authenticated, system:public-info-viewer for everyone)."""

    def authn(id: str, *steps: Step) -> Case:
        return case(f"authn-{id}", "authn", *steps)

    whoami, can_i = ("auth", "whoami"), ("auth", "can-i", "--list", "-n", "{ns}")
    review = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
    access = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"

    def may(user: str, **attributes: str) -> Call:
        kind = "nonResourceAttributes" if "path" in attributes else "resourceAttributes"
        body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview"}
        return Call("POST", access, dict(body, spec={kind: attributes}), user=user)

    yield authn("whoami-admin", Kubectl(whoami))
    yield authn("whoami-viewer", Kubectl(whoami, user="viewer"))
    yield authn("whoami-group-member", Kubectl((*whoami, "-o", "json"), user="alice", output="json"))
    yield authn(
        "self-subject-review",
        Call("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", review, user="viewer"),
    )
    yield authn("can-i-list-admin", Kubectl(can_i))
    yield authn("can-i-list-ungranted", Kubectl(can_i, user="viewer"))
    yield authn("can-i-list-granted", Grant("viewer", (READ_CONFIGMAPS,)), Kubectl(can_i, user="viewer"))
    yield authn("can-i-path", Kubectl(("auth", "can-i", "get", "/apis"), user="editor"))
    yield authn("access-review-discovery", may("editor", verb="get", path="/apis"))
    yield authn(
        "access-review-granted",
        Grant("viewer", (READ_CONFIGMAPS,)),
        may("viewer", verb="get", resource="configmaps", namespace="{ns}"),
    )
    yield authn("bogus-token", Call("GET", "/api/v1/namespaces", token="bogus", view="raw"))
    yield authn("bogus-token-kubectl", Kubectl(whoami, token="bogus"))
    yield authn("anonymous-list", Call("GET", CM.collection, token="", view="raw"))
    yield authn("anonymous-discovery", Call("GET", "/apis", token="", view="raw"))
    yield authn("anonymous-core-discovery", Call("GET", "/api", token="", view="code"))
    yield authn("anonymous-group-discovery", Call("GET", "/apis/apps/v1", token="", view="code"))
    yield authn("anonymous-openapi", Call("GET", "/openapi/v3", token="", view="code"))
    yield authn("anonymous-version", Call("GET", "/version", token="", view="code"))
    yield authn("anonymous-healthz", Call("GET", "/healthz", token="", view="raw"))
    yield authn(
        "anonymous-self-subject-review",
        Call("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", review, token="", view="raw"),
    )


def invalid() -> Iterator[Case]:
    def post(id: str, kind: Kind, body: Any, **options: Any) -> Case:
        return case(f"invalid-{id}", "invalid", Call("POST", kind.collection, body, **options))

    yield post("malformed-json", CM, '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {')
    yield post("empty-body", CM, "")
    yield post("json-array", CM, [CM.obj("demo")])
    yield post("data-not-a-map", CM, CM.obj("demo", data="color=blue"))
    yield post("data-value-number", CM, CM.obj("demo", data={"size": 3}))
    replicas = DEPLOYMENT.obj("demo")
    replicas["spec"]["replicas"] = "two"
    yield post("deployment-replicas-string", DEPLOYMENT, replicas)
    no_selector = DEPLOYMENT.obj("demo")
    del no_selector["spec"]["selector"]
    yield post("deployment-missing-selector", DEPLOYMENT, no_selector)
    no_image = DEPLOYMENT.obj("demo")
    no_image["spec"]["template"]["spec"]["containers"] = [{"name": "app"}]
    yield post("deployment-missing-image", DEPLOYMENT, no_image)
    mismatch = DEPLOYMENT.obj("demo")
    mismatch["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
    yield post("deployment-selector-mismatch", DEPLOYMENT, mismatch)
    yield post("service-missing-ports", SERVICE, SERVICE.obj("demo", spec={"selector": {"app": "demo"}}))
    yield post("service-port-out-of-range", SERVICE, SERVICE.obj("demo", spec={"ports": [{"port": 70000}]}))
    yield post(
        "role-rule-missing-verbs", ROLE, ROLE.obj("demo", rules=[{"apiGroups": [""], "resources": ["pods"]}])
    )
    yield post("rolebinding-missing-roleref", ROLE, ROLE.obj("demo", rules="all"))
    yield post("missing-name", CM, {"apiVersion": "v1", "kind": "ConfigMap", "data": {}})
    yield post("name-uppercase", CM, CM.obj("Bad_Name"))
    yield post("name-too-long", CM, CM.obj("n" * 254))
    yield post("service-name-digit", SERVICE, SERVICE.obj("1web"))
    yield post(
        "namespace-name-dot",
        NAMESPACE,
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a.b"}},
    )
    yield post("ksvc-name-uppercase", KSERVICE, KSERVICE.obj("Hello"))
    yield post("kind-mismatch", CM, SECRET.obj("demo"))
    yield post("api-version-unknown", CM, dict(CM.obj("demo"), apiVersion="v2"))
    yield post(
        "namespace-mismatch",
        CM,
        dict(CM.obj("demo"), metadata={"name": "demo", "namespace": "elsewhere"}),
    )
    yield post(
        "label-value-invalid", CM, dict(CM.obj("demo"), metadata={"name": "demo", "labels": {"app": "-x-"}})
    )
    yield post(
        "ksvc-traffic-percent-string",
        KSERVICE,
        KSERVICE.obj("demo", spec={"traffic": [{"percent": "fifty", "latestRevision": True}]}),
    )
    yield post("ksvc-spec-not-object", KSERVICE, KSERVICE.obj("demo", spec="hello"))
    yield post("route-traffic-not-list", ROUTE, ROUTE.obj("demo", spec={"traffic": {"percent": 100}}))
    yield post(
        "vs-hosts-string", VIRTUALSERVICE, VIRTUALSERVICE.obj("demo", spec={"hosts": "hello.example.com"})
    )
    yield post("secret-data-not-base64", SECRET, {**SECRET.obj("demo"), "data": {"password": "not base64!"}})
    yield post(
        "event-wrong-namespace",
        EVENT,
        EVENT.obj("demo", involvedObject={"kind": "ConfigMap", "name": "target", "namespace": "elsewhere"}),
    )
    yield post("generate-name", CM, dict(CM.obj("demo"), metadata={"generateName": "gen-"}))
    yield post("generate-name-invalid", CM, dict(CM.obj("demo"), metadata={"generateName": "Gen_"}))


def unknown_fields() -> Iterator[Case]:
    def post(id: str, kind: Kind, body: Any, validation: str | None) -> Case:
        query = {"fieldValidation": validation} if validation else {}
        read = get(kind, view="object")
        return case(f"unknown-{id}", "unknown-fields", Call("POST", kind.collection, body, query=query), read)

    for validation in ("Strict", "Warn", "Ignore", None):
        suffix = (validation or "default").lower()
        yield post(f"configmap-{suffix}", CM, CM.obj("demo", bogus="x"), validation)
        yield post(
            f"ksvc-{suffix}",
            KSERVICE,
            KSERVICE.obj("demo", spec={"bogus": 1, "template": {"spec": {"containers": [{"image": IMAGE}]}}}),
            validation,
        )
    nested = DEPLOYMENT.obj("demo")
    nested["spec"]["template"]["spec"]["containers"][0]["bogus"] = True
    yield post("deployment-nested-strict", DEPLOYMENT, nested, "Strict")
    yield post(
        "virtualservice-strict",
        VIRTUALSERVICE,
        VIRTUALSERVICE.obj("demo", spec={"hosts": ["h"], "bogus": 1}),
        "Strict",
    )
    duplicate = (
        '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"demo"},"data":{"a":"1"},"data":{"b":"2"}}'
    )
    yield post("duplicate-field-strict", CM, duplicate, "Strict")
    yield post("duplicate-field-warn", CM, duplicate, "Warn")
    yield post("bad-validation-value", CM, CM.obj("demo"), "Loose")
    yield case(
        "unknown-patch-strict",
        "unknown-fields",
        make(CM),
        patch(CM, "demo", {"bogus": "x"}, query={"fieldValidation": "Strict"}),
    )


def immutables() -> Iterator[Case]:
    def changed(id: str, kind: Kind, body: Any, setup: Call | None = None) -> Case:
        return case(f"immutable-{id}", "immutable", setup or make(kind), patch(kind, "demo", body))

    yield changed(
        "service-cluster-ip", SERVICE, {"spec": {"clusterIP": "10.0.0.222", "clusterIPs": ["10.0.0.222"]}}
    )
    yield changed("service-cluster-ip-none", SERVICE, {"spec": {"clusterIP": "None", "clusterIPs": ["None"]}})
    yield changed(
        "deployment-selector", DEPLOYMENT, {"spec": {"selector": {"matchLabels": {"app": "other"}}}}
    )
    frozen = CM.obj("demo", immutable=True)
    yield changed(
        "configmap-data", CM, {"data": {"color": "red"}}, Call("POST", CM.collection, frozen, view="code")
    )
    yield changed(
        "configmap-unfreeze", CM, {"immutable": False}, Call("POST", CM.collection, frozen, view="code")
    )
    yield changed(
        "configmap-labels-allowed",
        CM,
        {"metadata": {"labels": {"still": "editable"}}},
        Call("POST", CM.collection, frozen, view="code"),
    )
    secret = SECRET.obj("demo", immutable=True)
    yield changed(
        "secret-data",
        SECRET,
        {"stringData": {"password": "new"}},
        Call("POST", SECRET.collection, secret, view="code"),
    )
    yield changed("secret-type", SECRET, {"type": "kubernetes.io/basic-auth"})
    yield changed("rolebinding-roleref", ROLEBINDING, {"roleRef": {"name": "other"}})
    yield changed("namespace-name", NAMESPACE, {"metadata": {"name": "{ns}-renamed"}})
    yield changed("uid", CM, {"metadata": {"uid": "00000000-0000-0000-0000-000000000000"}})
    yield changed("creation-timestamp", CM, {"metadata": {"creationTimestamp": "2020-01-01T00:00:00Z"}})


def tables() -> Iterator[Case]:
    yield case("table-single-object", "table", make(CM), get(CM, accept=TABLE, view="table"))
    yield case(
        "table-include-object-none",
        "table",
        make(KSERVICE),
        Call("GET", KSERVICE.collection, query={"includeObject": "None"}, accept=TABLE, view="table"),
    )
    yield case(
        "table-fallback-accept",
        "table",
        make(CM),
        Call("GET", CM.collection, accept=TABLE + ",application/json", view="table"),
    )
    yield case(
        "table-empty-list",
        "table",
        Call("GET", KSERVICE.collection, accept=TABLE, view="table"),
    )


CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"


def definitions() -> Iterator[Case]:
    """CustomResourceDefinitions, which clients read to learn the custom kinds (lightkube's generic
    resources, `kubectl get crd`)."""
    by_name = {"fieldSelector": "metadata.name=services.serving.knative.dev"}
    yield case("crd-list-by-name", "crd", Call("GET", CRDS, query=by_name, view="names"))
    yield case("crd-get-missing", "crd", Call("GET", f"{CRDS}/nothings.example.com"))
    yield case("crd-table", "crd", Call("GET", CRDS, query=by_name, accept=TABLE, view="table"))
    yield case("crd-watch-from-start", "crd", Watch(CRDS, by_name, events=1))
    yield case("crd-rbac-denied", "crd", Call("GET", f"{CRDS}/services.serving.knative.dev", user="viewer"))


def validations() -> Iterator[Case]:
    """Checks a real server makes on writes beyond those above: unknown fields of a patched custom
    resource, several schema errors at once, required fields, namespaces that may not be deleted, and
    the field descriptions `kubectl explain` reads from the published schema."""
    for validation in ("Strict", "Warn"):
        yield case(
            f"unknown-ksvc-patch-{validation.lower()}",
            "unknown-fields",
            make(KSERVICE),
            patch(KSERVICE, "demo", {"spec": {"bogus": 1}}, query={"fieldValidation": validation}),
        )
    no_containers = KSERVICE.obj("demo", spec={"template": {"spec": {"containers": None}}})
    yield case("invalid-ksvc-missing-containers", "invalid", Call("POST", KSERVICE.collection, no_containers))
    for name in ("default", "kube-system"):
        yield case(f"delete-namespace-{name}", "delete", Call("DELETE", f"/api/v1/namespaces/{name}"))
    yield case("kubectl-explain-ksvc-traffic", "kubectl", Kubectl(("explain", "ksvc.spec.traffic")))


def leases() -> Iterator[Case]:
    """Leases, which the dashboard takes to run a rollout plan on one replica only: a stale
    resourceVersion loses (two holders can never both win), the spec's own checks, and a field of a
    feature gate that is off (CoordinatedLeaderElection) dropped, yet named in managedFields."""
    renewed = LEASE.obj("demo")
    renewed["spec"]["holderIdentity"] = "dashboard-b"
    renewed["metadata"]["resourceVersion"] = "1"
    yield case(
        "lease-stale-update",
        "lease",
        make(LEASE),
        Call("PUT", LEASE.item("demo"), renewed),
    )
    yield case(
        "lease-conditional-merge",
        "lease",
        make(LEASE, save={"rv": "metadata.resourceVersion"}),
        patch(LEASE, "demo", {"metadata": {"resourceVersion": "{rv}"}, "spec": {"holderIdentity": "b"}}),
        patch(LEASE, "demo", {"metadata": {"resourceVersion": "{rv}"}, "spec": {"holderIdentity": "c"}}),
    )
    for field, value in (("leaseDurationSeconds", 0), ("leaseTransitions", -1)):
        yield case(
            f"invalid-lease-{field}",
            "invalid",
            Call("POST", LEASE.collection, LEASE.obj("demo", spec={field: value})),
        )
    yield case(
        "lease-gated-field-dropped",
        "lease",
        Call("POST", LEASE.collection, LEASE.obj("demo", spec={"preferredHolder": "x"})),
    )


def all_cases() -> tuple[Case, ...]:
    groups = (
        per_kind,
        lists,
        patches,
        applies,
        kubectl_cases,
        replaces,
        creates_with_resource_version,
        wire,
        dry_runs,
        watches,
        deletes,
        workloads,
        rbac,
        authentication,
        invalid,
        unknown_fields,
        immutables,
        tables,
        definitions,
        validations,
        leases,
    )
    return tuple(found for group in groups for found in group())


CASES = all_cases()
