"""The lab's objects on a cluster where no Knative controller runs.

On the real backend nothing reconciles Knative, so the lab is written as data: the simulator runs its
`labs` scenario once, and every object it made in the lab's namespace (Knative Services,
Configurations, Revisions, Routes, KIngresses, VirtualServices, the generated Kubernetes Services,
Deployments, ConfigMaps and Events) is created through the real API, its status through the status
subresource, as a controller would have written it.

What the real API server owns is left to it: uids, resourceVersions, generations, timestamps,
managedFields and cluster IPs. Owner references and Events' involvedObject are remapped to the new
uids (otherwise the garbage collector deletes the children of owners it cannot find), and each
status's observedGeneration follows the generation the real server gave the object.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kubernetes.client import ApiClient

from app.kube.errors import ApiError
from app.kube.requesting import request_json

LAB_NAMESPACE = "labs-1"
LAB_PROFILE = "current"
"""The Knative release the lab is shaped by on both backends: the real server has Knative 1.23's CRDs
(and Istio 1.32's, which refuse the seed era's `websocketUpgrade`), so both hold what 1.23 makes."""

Body = dict[str, Any]

SERVER_OWNED = ("uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink")
SKIPPED_KINDS = {"ReplicaSet", "Pod", "EndpointSlice"}
"""Made on the real cluster by its own controllers (from the Deployments) or by no one without a kubelet."""


@dataclass(frozen=True)
class Kind:
    """Where objects of one kind live in the REST API."""

    group: str
    version: str
    plural: str
    has_status: bool

    def path(self, namespace: str, name: str | None = None, status: bool = False) -> str:
        base = f"/api/{self.version}" if not self.group else f"/apis/{self.group}/{self.version}"
        path = f"{base}/namespaces/{namespace}/{self.plural}"
        if name is not None:
            path += f"/{name}"
            if status:
                path += "/status"
        return path


def snapshot(namespace: str = LAB_NAMESPACE) -> list[Body]:
    """The objects the simulator's labs scenario holds in `namespace`, owners before what they own."""
    import time

    from app.sim.building import SimSettings, build_cluster

    settings = SimSettings(revision_ready_delay=0.0, retry_delay=0.01)
    with build_cluster(scenario="labs", settings=settings, knative=LAB_PROFILE) as cluster:
        if not cluster.wait_ready(timeout=30):
            raise RuntimeError("the simulator's labs scenario did not become ready")
        time.sleep(0.2)  # let the last status writes land
        objects: list[Body] = []
        for resource in cluster.store.registry.all():
            if not resource.namespaced:
                continue
            items = cluster.store.list(resource, namespace)[0]
            objects.extend(copy.deepcopy(i) for i in items if i.get("kind") not in SKIPPED_KINDS)
    return owners_first(objects)


def owners_first(objects: list[Body]) -> list[Body]:
    """Objects ordered so that every owner (and every Event's object) comes before what refers to it."""
    by_uid = {o["metadata"]["uid"]: o for o in objects}
    ordered: list[Body] = []
    seen: set[str] = set()

    def visit(obj: Body) -> None:
        uid = obj["metadata"]["uid"]
        if uid in seen:
            return
        seen.add(uid)
        for ref in references(obj):
            if ref in by_uid:
                visit(by_uid[ref])
        ordered.append(obj)

    for obj in objects:
        visit(obj)
    return ordered


def references(obj: Body) -> list[str]:
    refs = [str(r["uid"]) for r in obj["metadata"].get("ownerReferences", [])]
    involved = obj.get("involvedObject") or {}
    if involved.get("uid"):
        refs.append(str(involved["uid"]))
    return refs


def kind_of(api: ApiClient, obj: Body) -> Kind:
    """The REST home of `obj`'s kind, read from the cluster's discovery."""
    api_version = str(obj["apiVersion"])
    group, _, version = api_version.rpartition("/")
    path = f"/apis/{api_version}" if group else f"/api/{version}"
    listing = _get(api, path)
    for resource in listing["resources"]:
        if resource["kind"] == obj["kind"] and "/" not in resource["name"]:
            has_status = any(r["name"] == f"{resource['name']}/status" for r in listing["resources"])
            return Kind(group, version, resource["name"], has_status)
    raise LookupError(f"{api_version} {obj['kind']} is not served")


def write(api: ApiClient, objects: Iterable[Body], namespace: str = LAB_NAMESPACE) -> dict[str, str]:
    """Create every object (then its status) in `namespace`; returns the simulator's uids mapped to the
    real ones."""
    uids: dict[str, str] = {}
    kinds: dict[tuple[str, str], Kind] = {}
    for original in objects:
        key = (str(original["apiVersion"]), str(original["kind"]))
        if key not in kinds:
            kinds[key] = kind_of(api, original)
        kind = kinds[key]
        body = prepare(original, uids, namespace)
        status = body.pop("status", None)
        name = body["metadata"]["name"]
        created = _send(api, "POST", kind.path(namespace), body, strict=True)
        uids[original["metadata"]["uid"]] = created["metadata"]["uid"]
        if kind.has_status and status:
            status = dict(status)
            if "observedGeneration" in status:
                status["observedGeneration"] = created["metadata"].get("generation", 1)
            created["status"] = status
            _send(api, "PUT", kind.path(namespace, name, status=True), created, strict=False)
    return uids


def prepare(obj: Body, uids: dict[str, str], namespace: str) -> Body:
    """A copy of `obj` fit to create: server-owned fields dropped, references remapped."""
    body = copy.deepcopy(obj)
    meta = body["metadata"]
    for field in SERVER_OWNED:
        meta.pop(field, None)
    meta["namespace"] = namespace
    # Nothing on this cluster would ever remove a controller's finalizer.
    meta.pop("finalizers", None)
    owners = [dict(r, uid=uids[r["uid"]]) for r in meta.get("ownerReferences", []) if r["uid"] in uids]
    if owners:
        meta["ownerReferences"] = owners
    else:
        meta.pop("ownerReferences", None)
    if body.get("kind") == "Event":
        involved = body.get("involvedObject") or {}
        if involved.get("uid") in uids:
            involved["uid"] = uids[involved["uid"]]
        involved["namespace"] = namespace
        involved.pop("resourceVersion", None)
    if body.get("kind") == "Service" and body.get("apiVersion") == "v1":
        spec = body.get("spec", {})
        # The real server allocates cluster IPs from its own range; headless ("None") stays headless.
        if spec.get("clusterIP") not in (None, "None"):
            spec.pop("clusterIP", None)
            spec.pop("clusterIPs", None)
    return body


def _send(api: ApiClient, method: str, path: str, body: Body, strict: bool) -> Body:
    """One request; with `strict`, unknown fields are refused rather than silently dropped, so an object
    the simulator shapes wrongly fails here instead of reaching the dashboard half-pruned."""
    query = {"fieldValidation": "Strict"} if strict else {}
    try:
        return request_json(api, method, path, query=query, body=body, content_type="application/json")
    except ApiError as exc:
        raise RuntimeError(f"{method} {path} was refused: {exc}") from exc


def _get(api: ApiClient, path: str) -> Body:
    return request_json(api, "GET", path)


RESTORED_EXTRAS = ("serving.knative.dev", "Event")
"""Kinds of which a test may leave objects behind (a Service it created, history Events): any not in the
lab are deleted on restore. Other kinds also hold what the real cluster's own controllers made."""


@dataclass
class LabCopy:
    """The lab as written into a real cluster, and how to put it back as it was."""

    objects: list[Body]
    uids: dict[str, str]
    namespace: str

    @classmethod
    def write(cls, api: ApiClient, objects: list[Body], namespace: str = LAB_NAMESPACE) -> LabCopy:
        return cls(objects, write(api, objects, namespace), namespace)

    def restore(self, api: ApiClient) -> None:
        """Put every lab object's spec, labels and annotations back, recreate deleted ones, and delete
        what a test added of the kinds tests add. Unchanged objects cost one list per kind."""
        groups: dict[tuple[str, str], list[Body]] = {}
        for obj in self.objects:
            groups.setdefault((str(obj["apiVersion"]), str(obj["kind"])), []).append(obj)
        for (api_version, kind_name), objects in groups.items():
            kind = kind_of(api, objects[0])
            group = api_version.rpartition("/")[0]
            # Only these are compared: the server defaults other kinds' specs (a Service's clusterIP...).
            restored = group in RESTORED_EXTRAS or kind_name in RESTORED_EXTRAS
            current = {o["metadata"]["name"]: o for o in _get(api, kind.path(self.namespace))["items"]}
            for obj in objects:
                wanted = prepare(obj, self.uids, self.namespace)
                have = current.pop(wanted["metadata"]["name"], None)
                if have is None:
                    self.uids.update(write(api, [obj], self.namespace))
                elif restored and _changed(wanted, have):
                    have = copy.deepcopy(have)
                    have["spec"] = wanted.get("spec")
                    for field in ("labels", "annotations"):
                        have["metadata"][field] = wanted["metadata"].get(field)
                    put = _send(
                        api, "PUT", kind.path(self.namespace, have["metadata"]["name"]), have, strict=False
                    )
                    _observe_generation(api, kind, self.namespace, obj, put)
            if restored:
                for name in current:
                    _delete(api, kind.path(self.namespace, name))


def _observe_generation(api: ApiClient, kind: Kind, namespace: str, original: Body, stored: Body) -> None:
    """Putting a spec back gives the object a new generation; its status is written again (as the lab
    had it) observing that one, or the lab would look unreconciled to every test after the first."""
    status = original.get("status") or {}
    if not kind.has_status or "observedGeneration" not in status:
        return
    stored = dict(stored, status=dict(status, observedGeneration=stored["metadata"].get("generation", 1)))
    _send(api, "PUT", kind.path(namespace, stored["metadata"]["name"], status=True), stored, strict=False)


def _changed(wanted: Body, have: Body) -> bool:
    if wanted.get("spec") != have.get("spec"):
        return True
    return any(
        (wanted["metadata"].get(field) or {}) != (have["metadata"].get(field) or {})
        for field in ("labels", "annotations")
    )


def _delete(api: ApiClient, path: str) -> None:
    try:
        request_json(api, "DELETE", path)
    except ApiError as exc:
        if exc.code != 404:
            raise
