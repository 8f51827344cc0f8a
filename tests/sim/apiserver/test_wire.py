"""The simulated API server's answers byte for byte: error bodies, delete answers, creates that name a
resourceVersion, watches from before a restart. The real server's shapes are cited per test; the
differential suite's `wire-*` cases compare the same bytes with a real kube-apiserver."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from app.sim.cluster import SimCluster

CONFIGMAPS = "/api/v1/namespaces/default/configmaps"


class Wire:
    """HTTPS to the simulated cluster: status, headers and the body's bytes as sent; as the admin
    unless another token is given."""

    def __init__(self, cluster: SimCluster) -> None:
        self._address = urlsplit(cluster.url)
        self._context = cluster.client_context()
        self._admin = cluster.admin_token

    def __call__(
        self, method: str, path: str, body: Any = None, token: str | None = None
    ) -> tuple[int, str, bytes]:
        connection = http.client.HTTPSConnection(
            self._address.hostname or "", self._address.port, timeout=10, context=self._context
        )
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        headers["Authorization"] = f"Bearer {token or self._admin}"
        try:
            connection.request(method, path, None if body is None else json.dumps(body), headers)
            response = connection.getresponse()
            return response.status, response.getheader("Content-Type") or "", response.read()
        finally:
            connection.close()


@pytest.fixture
def wire(sim_cluster: SimCluster) -> Iterator[Wire]:
    sim_cluster.add_token("viewer-token", "viewer")
    yield Wire(sim_cluster)


def configmap(name: str = "demo", **metadata: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, **metadata}}


def test_an_error_body_is_a_status_in_metav1_order_with_a_newline(wire: Wire) -> None:
    """metav1.Status fields in declaration order, empty ones left out (k8s.io/apimachinery
    pkg/apis/meta/v1/types.go), written by a json.Encoder (one trailing newline)."""
    status, content_type, body = wire("GET", f"{CONFIGMAPS}/missing")
    assert (status, content_type) == (404, "application/json")
    assert body == (
        b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
        b'"message":"configmaps \\"missing\\" not found","reason":"NotFound",'
        b'"details":{"name":"missing","kind":"configmaps"},"code":404}\n'
    )


def test_a_forbidden_list_has_no_details_name(wire: Wire) -> None:
    status, _, body = wire("GET", CONFIGMAPS, token="viewer-token")
    assert status == 403
    assert body == (
        b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
        b'"message":"configmaps is forbidden: User \\"viewer\\" cannot list resource \\"configmaps\\" '
        b'in API group \\"\\" in the namespace \\"default\\"","reason":"Forbidden",'
        b'"details":{"kind":"configmaps"},"code":403}\n'
    )


def test_a_namespace_is_its_own_namespace_in_a_forbidden_message(wire: Wire) -> None:
    """The request info of /api/v1/namespaces/x has namespace x (k8s.io/apiserver endpoints/request)."""
    _, _, body = wire("GET", "/api/v1/namespaces/default", token="viewer-token")
    assert json.loads(body)["message"] == (
        'namespaces "default" is forbidden: User "viewer" cannot get resource "namespaces" in API group "" '
        'in the namespace "default"'
    )


def test_a_forbidden_subresource_names_it(wire: Wire) -> None:
    _, _, body = wire("GET", "/api/v1/namespaces/default/services/web/status", token="viewer-token")
    assert 'cannot get resource "services/status" in API group ""' in json.loads(body)["message"]


def test_html_characters_are_escaped_as_go_does(wire: Wire) -> None:
    wire("POST", CONFIGMAPS, dict(configmap(), data={"page": "<a href='x'>&</a>"}))
    _, _, body = wire("GET", f"{CONFIGMAPS}/demo")
    assert b'"page":"\\u003ca href=\'x\'\\u003e\\u0026\\u003c/a\\u003e"' in body
    assert body.endswith(b"}\n")


def test_delete_of_an_object_removed_at_once_answers_a_success_status(wire: Wire) -> None:
    """The generic registry's finalizeDelete: Status Success naming the object (details.kind is the
    resource, uid included), for kinds whose storage does not return deleted objects."""
    created = json.loads(wire("POST", CONFIGMAPS, configmap())[2])
    status, _, body = wire("DELETE", f"{CONFIGMAPS}/demo")
    assert status == 200
    uid = created["metadata"]["uid"]
    assert body == (
        b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success",'
        b'"details":{"name":"demo","kind":"configmaps","uid":"' + uid.encode() + b'"}}\n'
    )


def test_delete_of_a_service_or_a_kept_object_answers_the_object(wire: Wire) -> None:
    """Services return the deleted object (ReturnDeletedObject); an Orphan delete leaves the object
    to the garbage collector on a real server, which answers it as it stands."""
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {"ports": [{"port": 80}]},
    }
    wire("POST", "/api/v1/namespaces/default/services", service)
    assert json.loads(wire("DELETE", "/api/v1/namespaces/default/services/web")[2])["kind"] == "Service"
    wire("POST", CONFIGMAPS, configmap())
    orphaned = wire("DELETE", f"{CONFIGMAPS}/demo", {"propagationPolicy": "Orphan"})
    assert json.loads(orphaned[2])["kind"] == "ConfigMap"


def test_create_naming_a_resource_version_fails_in_storage(wire: Wire) -> None:
    """etcd3 store.Create refuses it with a plain error: a 500 Status without a reason."""
    status, _, body = wire("POST", CONFIGMAPS, configmap(resourceVersion="12345"))
    assert status == 500
    assert body == (
        b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
        b'"message":"resourceVersion should not be set on objects to be created","code":500}\n'
    )
    assert wire("GET", f"{CONFIGMAPS}/demo")[0] == 404


def test_a_dry_run_create_naming_a_resource_version_echoes_it(wire: Wire) -> None:
    """A dry run never reaches storage (registry/generic/registry/dryrun.go copies the object out)."""
    status, _, body = wire("POST", f"{CONFIGMAPS}?dryRun=All", configmap(resourceVersion="12345"))
    assert status == 201
    assert json.loads(body)["metadata"]["resourceVersion"] == "12345"


def test_a_watch_from_before_a_restart_ends_with_410_in_the_stream(
    wire: Wire, sim_cluster: SimCluster
) -> None:
    """A restarted API server fills its watch caches anew; older resourceVersions get an ERROR event
    holding 410 Expired (cacher/watch_cache_history.go, GetIntervalLocked), and the stream ends."""
    created = json.loads(wire("POST", CONFIGMAPS, configmap())[2])
    before = created["metadata"]["resourceVersion"]
    wire("POST", CONFIGMAPS, configmap("second"))
    assert wire("GET", f"{CONFIGMAPS}?watch=true&timeoutSeconds=1&resourceVersion={before}")[0] == 200
    sim_cluster.restart()
    now = sim_cluster.store.resource_version
    status, _, body = wire("GET", f"{CONFIGMAPS}?watch=true&timeoutSeconds=5&resourceVersion={before}")
    assert status == 200
    assert body == (
        b'{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
        b'"message":"too old resource version: '
        + f"{before} ({now})".encode()
        + b'","reason":"Expired","code":410}}\n'
    )
    fresh = wire("GET", f"{CONFIGMAPS}?watch=true&timeoutSeconds=1&resourceVersion={now}")
    assert fresh[0] == 200 and b"ERROR" not in fresh[2]


def test_a_watch_list_ends_its_initial_events_with_a_marked_bookmark(wire: Wire) -> None:
    """sendInitialEvents: the current objects, then a bookmark annotated k8s.io/initial-events-end
    (k8s.io/apiserver storage/cacher/cacher.go, setInitialEventsEndBookmarkIfRequested)."""
    wire("POST", CONFIGMAPS, configmap())
    query = "watch=true&timeoutSeconds=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan"
    status, _, body = wire("GET", f"{CONFIGMAPS}?{query}&allowWatchBookmarks=true")
    assert status == 200
    events = [json.loads(line) for line in body.splitlines()]
    assert [event["type"] for event in events[:2]] == ["ADDED", "BOOKMARK"]
    assert events[1]["object"] == {
        "kind": "ConfigMap",
        "apiVersion": "v1",
        "metadata": {
            "resourceVersion": events[0]["object"]["metadata"]["resourceVersion"],
            "annotations": {"k8s.io/initial-events-end": "true"},
        },
    }


def test_a_watch_list_needs_resource_version_match(wire: Wire) -> None:
    """validateWatchOptions (k8s.io/apimachinery pkg/apis/meta/internalversion/validation)."""
    status, _, body = wire("GET", f"{CONFIGMAPS}?watch=true&sendInitialEvents=true")
    assert status == 422
    assert json.loads(body)["message"] == (
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires '
        "setting resourceVersionMatch to NotOlderThan"
    )


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "message"),
    [
        # Options are meta.k8s.io objects: a bad value is a 422 naming the options kind.
        (
            "POST",
            f"{CONFIGMAPS}?dryRun=Some",
            configmap(),
            422,
            'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["Some"]: '
            'supported values: "All"',
        ),
        (
            "DELETE",
            f"{CONFIGMAPS}/demo?propagationPolicy=Sideways",
            None,
            422,
            'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Sideways": '
            'supported values: "Foreground", "Background", "Orphan", "nil"',
        ),
        # Numbers that Go's strconv cannot parse.
        ("GET", f"{CONFIGMAPS}?limit=many", None, 400, 'strconv.ParseInt: parsing "many": invalid syntax'),
        (
            "GET",
            f"{CONFIGMAPS}?watch=true&resourceVersion=abc",
            None,
            500,
            'resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax',
        ),
        (
            "PUT",
            f"{CONFIGMAPS}/demo",
            configmap(resourceVersion="x"),
            500,
            'strconv.ParseUint: parsing "x": invalid syntax',
        ),
        # registry/rest/delete.go BeforeDelete names the kind in its conflicts.
        (
            "DELETE",
            f"{CONFIGMAPS}/demo",
            {"preconditions": {"resourceVersion": "1"}},
            409,
            'Operation cannot be fulfilled on ConfigMap "demo": the ResourceVersion in the precondition (1) '
            "does not match the ResourceVersion in record (<rv>). The object might have been modified",
        ),
        # The patch handler's own 415.
        ("PATCH", f"{CONFIGMAPS}/demo", {}, 415, "415: Unsupported Media Type"),
    ],
)
def test_options_and_numbers_are_refused_in_the_real_words(
    wire: Wire, method: str, path: str, body: Any, status: int, message: str
) -> None:
    created = json.loads(wire("POST", CONFIGMAPS, configmap())[2])
    answer = wire(method, path, body)
    assert answer[0] == status
    expected = message.replace("<rv>", created["metadata"]["resourceVersion"])
    assert json.loads(answer[2])["message"] == expected


def test_a_garbled_continue_token_is_refused_as_base64_decoding_refuses_it(wire: Wire) -> None:
    """storage.DecodeContinue reads tokens as unpadded URL-safe base64 (k8s.io/apiserver
    storage/continue.go); the cacher wraps its error as an invalid continue token."""
    status, _, body = wire("GET", f"{CONFIGMAPS}?limit=1&continue=bogus")
    assert status == 400
    assert json.loads(body)["message"] == (
        "invalid continue token: continue key is not valid: illegal base64 data at input byte 4"
    )
    for name in ("a", "b", "c"):
        wire("POST", CONFIGMAPS, configmap(name))
    first = json.loads(wire("GET", f"{CONFIGMAPS}?limit=1")[2])
    token = first["metadata"]["continue"]
    assert "=" not in token
    second = json.loads(wire("GET", f"{CONFIGMAPS}?limit=1&continue={token}")[2])
    assert [item["metadata"]["name"] for item in second["items"]] == ["b"]
