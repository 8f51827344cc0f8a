"""Runs a case's steps on one side (the simulator or the real API server) and records the answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import urllib3
from kubernetes.client import ApiClient

from app.kube.errors import ApiError
from tests.backends import Backend, backend_on_sim, create_namespace, grant
from tests.differential.normalizing import Normalizer
from tests.differential.steps import Await, Call, Case, Grant, Kubectl, Step, Watch
from tests.plugins.sim import Kubectl as KubectlRunner
from tests.plugins.sim import make_kubectl
from tests.support.waiting import wait_until

TIMEOUT = urllib3.Timeout(connect=5.0, read=30.0)
WATCH_SECONDS = "2"
"""Every watch asks the server to end the stream after this long: a side that sends fewer events than
the case reads from the other cannot hang the case."""


class Side:
    """One cluster as the cases see it: a client per user and kubectl, all through kubeconfigs."""

    def __init__(self, name: str, backend: Backend, cache_dir: Path) -> None:
        self.name = name
        self._backend = backend
        self._cache_dir = cache_dir
        self._clients: dict[str, ApiClient] = {}
        self._kubectl: dict[str, KubectlRunner] = {}

    def client(self, user: str = "admin") -> ApiClient:
        if user not in self._clients:
            self._clients[user] = self._backend.client(user)
        return self._clients[user]

    def kubectl(self, user: str = "admin") -> KubectlRunner:
        if user not in self._kubectl:
            self._kubectl[user] = make_kubectl(self._backend.kubeconfig(user), self._cache_dir)
        return self._kubectl[user]

    def close(self) -> None:
        self._clients.clear()
        self._backend.close()


@contextmanager
def sim_side(folder: Path) -> Iterator[Side]:
    """A fresh simulator knowing every test user by a token as the real one does, running what the real
    control plane runs of the workloads: the deployment and replicaset controllers, no kubelet."""
    from app.sim.cluster import SimCluster
    from app.sim.workloads.replicating import PodsController

    with SimCluster() as sim:
        sim.add_controller(PodsController(kubelet=False))
        side = Side("sim", backend_on_sim(sim, folder), folder / "kube-cache")
        try:
            yield side
        finally:
            side.close()


class Answer:
    """An HTTP answer: status, decoded JSON body (or its text) and its Warning headers."""

    def __init__(self, status: int, data: bytes, warnings: list[str], content_type: str = "") -> None:
        self.status = status
        self.warnings = warnings
        self.raw = data
        self.content_type = content_type
        try:
            self.body: Any = json.loads(data)
        except ValueError:
            self.body = data.decode("utf-8", "replace").strip()


def send(
    api: ApiClient,
    method: str,
    path: str,
    *,
    query: dict[str, str] | None = None,
    body: Any = None,
    content_type: str = "application/json",
    accept: str = "application/json",
    token: str | None = None,
) -> Answer:
    """One request with the client's server, credentials and TLS settings. The client's own request
    path is bypassed because it re-serializes every JSON body (no malformed bodies) and hides response
    headers (warnings)."""
    headers = {"Accept": accept}
    data = None
    if body is not None:
        headers["Content-Type"] = content_type
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    method, url, headers, _, _ = api.param_serialize(
        method=method,
        resource_path=path,
        query_params=list((query or {}).items()),
        header_params=headers,
        auth_settings=["BearerToken"],
    )
    if token is not None:  # another token than the client's, or none at all
        headers = {key: value for key, value in headers.items() if key.lower() != "authorization"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
    response = api.rest_client.pool_manager.request(
        method, url, body=data, headers=headers, timeout=TIMEOUT, preload_content=True
    )
    warnings = list(response.headers.getlist("Warning"))
    return Answer(response.status, response.data, warnings, response.headers.get("Content-Type", ""))


def run_case(case: Case, side: Side, namespace: str) -> list[dict[str, Any]]:
    """The case's records on this side, normalized; the namespace is made here, fresh.

    Namespaces are not deleted afterwards: emptying hundreds of them would keep the real cluster's
    namespace controller busy while the suite runs, and the cluster lives for one session only.
    """
    create_namespace(side.client(), namespace)
    saved = {"ns": namespace}
    records = [_run(step, side, saved) for step in case.steps]
    normalizer = Normalizer(namespace)
    normalized = []
    for record in records:
        if "kubectl" in record:
            for stream in ("stdout", "stderr"):
                if isinstance(record[stream], str):
                    record[stream] = normalizer.lines(record[stream])
        normalized.append(normalizer.value(record))
    return normalized


def _run(step: Step, side: Side, saved: dict[str, str]) -> dict[str, Any]:
    if isinstance(step, Call):
        return _call(step, side, saved)
    if isinstance(step, Watch):
        return _watch(step, side, saved)
    if isinstance(step, Kubectl):
        return _kubectl(step, side, saved)
    if isinstance(step, Grant):
        return _grant(step, side, saved)
    return _await(step, side, saved)


def fill(value: Any, saved: dict[str, str]) -> Any:
    """`value` with every `{name}` of a saved value replaced by it."""
    if isinstance(value, str):
        for name, text in saved.items():
            value = value.replace("{" + name + "}", text)
        return value
    if isinstance(value, dict):
        return {fill(key, saved): fill(item, saved) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [fill(item, saved) for item in value]
    return value


def dig(body: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(body, list) and part.isdigit() and int(part) < len(body):
            body = body[int(part)]
        elif isinstance(body, dict):
            body = body.get(part)
        else:
            return None
    return body


def _call(step: Call, side: Side, saved: dict[str, str]) -> dict[str, Any]:
    answer = send(
        side.client(step.user),
        step.method,
        fill(step.path, saved),
        query=fill(dict(step.query), saved),
        body=fill(step.body, saved),
        content_type=step.content_type,
        accept=step.accept,
        token=step.token,
    )
    for name, where in step.save.items():
        found = dig(answer.body, where)
        saved[name] = "" if found is None else str(found)
    record: dict[str, Any] = {"call": _title(step), "status": answer.status}
    failed = answer.status >= 300
    if step.view == "code":
        return record
    if step.view == "raw":
        record["content-type"] = answer.content_type
        record["raw"] = answer.raw.decode("utf-8", "replace")
        return record
    if failed or step.view == "object":
        record["body"] = answer.body
    elif step.view == "names":
        record["list"] = _names(answer.body)
    elif step.view == "table":
        record["table"] = _table(answer.body)
    if answer.warnings:
        record["warnings"] = answer.warnings
    return record


def _title(step: Call) -> str:
    query = "&".join(f"{key}={value}" for key, value in step.query.items())
    who = "" if step.user == "admin" else f" as {step.user}"
    if step.token is not None:
        who = f" with token {step.token!r}" if step.token else " anonymously"
    return f"{step.method} {step.path}{'?' + query if query else ''}{who}"


def _names(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        return {"body": body}
    meta = body.get("metadata") or {}
    names = []
    for item in body.get("items") or []:
        item_meta = item.get("metadata") or {}
        prefix = f"{item_meta['namespace']}/" if item_meta.get("namespace") else ""
        names.append(prefix + str(item_meta.get("name")))
    listing: dict[str, Any] = {
        "kind": body.get("kind"),
        "names": names,
        "continues": bool(meta.get("continue")),
    }
    if "remainingItemCount" in meta:
        listing["remainingItemCount"] = meta["remainingItemCount"]
    return listing


def _table(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        return {"body": body}
    columns = [
        {key: column.get(key) for key in ("name", "type", "format", "priority")}
        for column in body.get("columnDefinitions") or []
    ]
    rows = [
        {"first cell": (row.get("cells") or [None])[0], "object": (row.get("object") or {}).get("kind")}
        for row in body.get("rows") or []
    ]
    return {"kind": body.get("kind"), "apiVersion": body.get("apiVersion"), "columns": columns, "rows": rows}


def _watch(step: Watch, side: Side, saved: dict[str, str]) -> dict[str, Any]:
    api = side.client(step.user)
    query = {"watch": "true", "timeoutSeconds": WATCH_SECONDS, **fill(dict(step.query), saved)}
    method, url, headers, _, _ = api.param_serialize(
        method="GET",
        resource_path=fill(step.path, saved),
        query_params=list(query.items()),
        header_params={"Accept": "application/json"},
        auth_settings=["BearerToken"],
    )
    record: dict[str, Any] = {"watch": f"{step.path} {dict(step.query)}"}
    response = api.rest_client.pool_manager.request(
        method, url, headers=headers, timeout=TIMEOUT, preload_content=False
    )
    try:
        record["status"] = response.status
        if response.status != 200:
            record["body"] = Answer(response.status, response.read(), []).body
            return record
        events: list[list[Any]] = []
        for line in response:
            if not line.strip():
                continue
            event = json.loads(line)
            obj = event.get("object") or {}
            if step.objects:
                events.append([event.get("type"), obj])
            elif event.get("type") == "ERROR":
                events.append(["ERROR", obj.get("code"), obj.get("reason"), obj.get("message")])
            else:
                events.append([event.get("type"), (obj.get("metadata") or {}).get("name")])
            if len(events) >= step.events:
                break
        record["events"] = events
        return record
    finally:
        response.release_conn()


def _kubectl(step: Kubectl, side: Side, saved: dict[str, str]) -> dict[str, Any]:
    args = [str(arg) for arg in fill(list(step.args), saved)]
    if step.as_user is not None:
        args.append(f"--as={step.as_user}")
    if step.token is not None:
        args.append(f"--token={step.token}")
    result = side.kubectl(step.user)(*args, input=fill(step.input, saved), check=False)
    record: dict[str, Any] = {"kubectl": " ".join(step.args), "exit": result.returncode}
    if step.output == "json" and result.returncode == 0:
        record["stdout"] = json.loads(result.stdout)
    else:
        record["stdout"] = result.stdout
    record["stderr"] = result.stderr
    return record


def _grant(step: Grant, side: Side, saved: dict[str, str]) -> dict[str, Any]:
    namespace = None if step.cluster else saved["ns"]
    name = f"{saved['ns']}-{step.user}" if step.cluster else f"{step.user}-role"
    rules = [dict(rule) for rule in step.rules]
    try:
        grant(side.client(), namespace, step.user, rules, name)
    except ApiError as error:
        return {"grant": step.user, "status": error.code, "message": error.message}
    # A real API server authorizes from an informer's cache of RBAC objects: a new binding counts a
    # moment later. Wait until the user may do what the first rule allows.
    first = rules[0]
    attributes = {
        "namespace": saved["ns"],
        "verb": first["verbs"][0],
        "group": first["apiGroups"][0],
        "resource": first["resources"][0],
        **({"name": first["resourceNames"][0]} if first.get("resourceNames") else {}),
    }
    review = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": attributes},
    }
    api, path = side.client(step.user), "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
    allowed = wait_until(lambda: dig(send(api, "POST", path, body=review).body, "status.allowed"), 5, 0.02)
    return {"grant": step.user, "status": "ok", "in effect": allowed}


def _await(step: Await, side: Side, saved: dict[str, str]) -> dict[str, Any]:
    api, path = side.client(), fill(step.path, saved)

    def arrived() -> bool:
        answer = send(api, "GET", path)
        if answer.status != step.code:
            return False
        return step.items is None or len(dig(answer.body, "items") or []) == step.items

    reached = wait_until(arrived, step.timeout, 0.05)
    wanted = "" if step.items is None else f" with {step.items} items"
    return {"await": f"GET {step.path} answers {step.code}{wanted}", "reached": reached}
