"""The pods controller: the deployment and replicaset controllers, and the kubelet that runs pods.

Driven by watch events (Deployments, ReplicaSets and Pods) and timers on one scheduler thread:
- a Deployment gets a ReplicaSet per pod template, rolled as app.sim.workloads.rollouts says
  (a template change makes a new one, scaled up as the old ones scale down);
- pods are created or deleted until a ReplicaSet's non-terminating pods match its `spec.replicas`
  (unready pods and the newest go first, as a ReplicaSet chooses);
- a new pod is Pending (ContainerCreating) and becomes Running and Ready `start_delay` seconds later;
- a deleted pod (by scale-down, `kubectl delete` or garbage collection) shows its deletionTimestamp
  (Terminating), drops readiness at once and disappears `stop_delay` seconds later;
- the ReplicaSets' and Deployments' statuses count their pods.
It also dispatches simulated requests: `dispatch()` waits for a ready pod of a revision and picks one
round-robin, as Envoy balances over the revision's endpoints.
"""

from __future__ import annotations

import contextlib
import itertools
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.model.labels import REVISION_LABEL
from app.model.timestamps import rfc3339
from app.sim.client import Client
from app.sim.storage.errors import AlreadyExists, NotFound
from app.sim.storage.resources import DEPLOYMENTS, PODS, REPLICASETS
from app.sim.storage.watching import WatchEvent
from app.sim.workloads.deployments import deployment_status
from app.sim.workloads.pods import (
    KUBELET_FINALIZER,
    SAFE_ALPHABET,
    is_ready,
    is_terminating,
    new_pod,
    pending_status,
    running_status,
    scheduled,
    stopping_status,
    template_hash,
)
from app.sim.workloads.pumping import EventPump
from app.sim.workloads.rollouts import (
    REVISION_ANNOTATION,
    expired,
    is_new,
    new_replica_set,
    plan,
    replica_annotations,
    replica_set_status,
    replicas_of,
    revision_of,
    surge_and_unavailable,
)
from app.sim.workloads.timing import Scheduler

Key = tuple[str, str]  # (namespace, name)
_StatusMaker = Callable[[dict[str, Any]], "dict[str, Any] | None"]


@dataclass(frozen=True)
class Dispatch:
    """The pod a request went to, and that pod's own request count (this request included)."""

    pod: str
    count: int


class PodsController:
    """Keeps every Deployment's pods in line with its replicas and plays their kubelet (a Controller)."""

    def __init__(
        self,
        *,
        start_delay: float = 0.8,
        stop_delay: float = 1.0,
        seed: int | None = None,
        kubelet: bool = True,
    ) -> None:
        """`kubelet` False runs the controllers alone: pods stay Pending, unscheduled, as on a control
        plane without nodes."""
        self._kubelet = kubelet
        self._start_delay = start_delay
        self._stop_delay = stop_delay
        self._rng = random.Random(seed)
        self._cond = threading.Condition()
        self._deployments: dict[Key, dict[str, Any]] = {}
        self._replica_sets: dict[Key, dict[str, Any]] = {}
        self._pods: dict[Key, dict[str, Any]] = {}
        self._stopping: set[Key] = set()
        self._ready: dict[Key, list[str]] = {}  # (namespace, revision) -> ready pods, oldest first
        self._turns: dict[Key, itertools.count[int]] = {}
        self._served: dict[Key, int] = {}  # per pod
        self._ips = itertools.count(2)
        self._scheduler = Scheduler("sim-pods")
        self._pump = EventPump("sim-pods-watch", (PODS, DEPLOYMENTS, REPLICASETS), self._on_event)
        self._client: Client | None = None

    # --- Controller ------------------------------------------------------------------------------

    def start(self, client: Client) -> None:
        """Start watching `store` and acting on it."""
        with self._cond:
            if self._client is not None:
                return
            self._client = client
        self._scheduler.start()
        self._pump.start(client)

    def stop(self) -> None:
        """Stop the watch and the timers (pods stay as they are in the cluster); waiting requests give up."""
        self._pump.stop()
        self._scheduler.stop()
        with self._cond:
            self._client = None
            self._deployments.clear()
            self._replica_sets.clear()
            self._pods.clear()
            self._stopping.clear()
            self._ready.clear()
            self._cond.notify_all()

    # --- requests --------------------------------------------------------------------------------

    def dispatch(self, namespace: str, revision: str, timeout: float) -> Dispatch | None:
        """Send one request to a ready pod of the revision (round-robin), waiting up to `timeout`
        seconds for one to be ready (a cold start); None when none became ready in time."""
        key = (namespace, revision)
        with self._cond:
            self._cond.wait_for(lambda: bool(self._ready.get(key)) or self._client is None, timeout)
            if not self._ready.get(key):
                return None
            pods = self._ready[key]
            turn = self._turns.setdefault(key, itertools.count())
            pod = pods[next(turn) % len(pods)]
            count = self._served.get((namespace, pod), 0) + 1
            self._served[(namespace, pod)] = count
            return Dispatch(pod, count)

    # --- watch events (quick, on the pump's thread) ----------------------------------------------

    def _on_event(self, event: WatchEvent) -> None:
        obj = event.object
        meta = obj["metadata"]
        key = (meta.get("namespace", ""), meta["name"])
        if event.rt.key == DEPLOYMENTS:
            with self._cond:
                if event.type == "DELETED":
                    self._deployments.pop(key, None)
                else:
                    self._remember(self._deployments, key, obj)
            self._scheduler.call_later(0, ("deployment", key), lambda: self._reconcile(key))
            return
        if event.rt.key == REPLICASETS:
            with self._cond:
                if event.type == "DELETED":
                    self._replica_sets.pop(key, None)
                else:
                    self._remember(self._replica_sets, key, obj)
            self._scheduler.call_later(0, ("replicaset", key), lambda: self._reconcile_replica_set(key))
            self._reconcile_owner_soon(key[0], _owner(obj, "Deployment"), self._deployments)
            return
        owner = _owner(obj)
        if owner is None:
            return
        with self._cond:
            if event.type == "DELETED":
                self._pods.pop(key, None)
                self._stopping.discard(key)
                self._served.pop(key, None)
            else:
                self._remember(self._pods, key, obj)
            self._index(key[0], obj)
        self._after_pod_change(key, obj, event.type)

    def _after_pod_change(self, key: Key, pod: Mapping[str, Any], kind: str) -> None:
        """Schedule the kubelet's next step for a pod, and a status refresh of its Deployment."""
        if self._kubelet:
            self._kubelet_step(key, pod, kind)
        self._reconcile_owner_soon(key[0], _owner(pod), self._replica_sets)

    def _kubelet_step(self, key: Key, pod: Mapping[str, Any], kind: str) -> None:
        """Schedule what the kubelet does next with the pod: stop it, bind it, or start it."""
        if kind == "DELETED":
            return
        if is_terminating(pod) and KUBELET_FINALIZER in pod["metadata"].get("finalizers", []):
            with self._cond:
                first = key not in self._stopping
                self._stopping.add(key)
            if first:
                self._scheduler.call_later(0, ("stopping", key), lambda: self._begin_stop(key))
                self._scheduler.call_later(self._stop_delay, ("stop", key), lambda: self._finish_stop(key))
        elif not scheduled(pod):
            self._scheduler.call_later(0, ("schedule", key), lambda: self._schedule_pod(key))
        elif (pod.get("status") or {}).get("phase") == "Pending":
            self._scheduler.call_later(self._start_delay, ("start", key), lambda: self._start_pod(key))

    def _reconcile_owner_soon(
        self, namespace: str, uid: str | None, table: dict[Key, dict[str, Any]]
    ) -> None:
        """Reconcile the ReplicaSet or Deployment (as `table` holds) with this uid, and its owner."""
        if uid is None:
            return
        with self._cond:
            found = next(
                (k for k, o in table.items() if k[0] == namespace and o["metadata"].get("uid") == uid), None
            )
            owner = _owner(table[found], "Deployment") if found is not None else None
        if found is None:
            return
        if table is self._replica_sets:
            self._scheduler.call_later(0, ("replicaset", found), lambda: self._reconcile_replica_set(found))
            self._reconcile_owner_soon(namespace, owner, self._deployments)
        else:
            self._scheduler.call_later(0, ("deployment", found), lambda: self._reconcile(found))

    @staticmethod
    def _remember(table: dict[Key, dict[str, Any]], key: Key, obj: dict[str, Any]) -> None:
        """Keep the newest version of an object (an event may arrive after our own later write)."""
        known = table.get(key)
        if known is None or int(known["metadata"]["resourceVersion"]) <= int(
            obj["metadata"]["resourceVersion"]
        ):
            table[key] = obj

    def _index(self, namespace: str, pod: Mapping[str, Any]) -> None:
        """Recompute the ready pods of the pod's revision (under the lock) and wake waiting requests."""
        revision = (pod["metadata"].get("labels") or {}).get(REVISION_LABEL)
        if not revision:
            return
        ready = sorted(
            (
                p
                for (ns, _), p in self._pods.items()
                if ns == namespace
                and (p["metadata"].get("labels") or {}).get(REVISION_LABEL) == revision
                and is_ready(p)
            ),
            key=lambda p: (p["metadata"].get("creationTimestamp", ""), p["metadata"]["name"]),
        )
        names = [p["metadata"]["name"] for p in ready]
        if names:
            self._ready[(namespace, revision)] = names
        else:
            self._ready.pop((namespace, revision), None)
        self._cond.notify_all()

    # --- timed work (on the scheduler's thread) --------------------------------------------------

    def _reconcile(self, key: Key) -> None:
        """Keep the Deployment's ReplicaSets rolled to its template and replicas; refresh its status."""
        client = self._require_client()
        with self._cond:
            deployment = self._deployments.get(key)
            if deployment is None or deployment["metadata"].get("deletionTimestamp"):
                return
            uid = deployment["metadata"].get("uid")
            owned = [
                rs
                for (ns, _), rs in self._replica_sets.items()
                if ns == key[0]
                and _owner(rs, "Deployment") == uid
                and not rs["metadata"].get("deletionTimestamp")
            ]
            pods = {rs["metadata"]["name"]: self._pods_of(rs) for rs in owned}
        pod_hash = template_hash((deployment.get("spec") or {}).get("template") or {})
        new = next((rs for rs in owned if is_new(rs, deployment)), None)
        old = [rs for rs in owned if rs is not new]
        newest = max((revision_of(rs) for rs in owned), default=0)
        rt = client.registry.get(REPLICASETS)
        if new is None:
            body = new_replica_set(deployment, pod_hash, newest + 1, 0)
            # Created at the size the rollout allows at once, as the controller does.
            ready = {
                rs["metadata"]["name"]: sum(1 for p in pods[rs["metadata"]["name"]] if is_ready(p))
                for rs in owned
            }
            body["spec"]["replicas"] = plan(deployment, body, owned, ready, 0)[body["metadata"]["name"]]
            try:
                new = client.create(rt, key[0], body)
            except (AlreadyExists, NotFound):
                return
            with self._cond:
                self._remember(self._replica_sets, (key[0], new["metadata"]["name"]), new)
            pods[new["metadata"]["name"]] = []
        elif revision_of(new) < newest:  # a rollback: the old template is the newest revision again
            self._patch_replica_set(
                key[0], new, {"metadata": {"annotations": {REVISION_ANNOTATION: str(newest + 1)}}}
            )
        live = {name: [p for p in found if not is_terminating(p)] for name, found in pods.items()}
        available = {name: sum(1 for p in found if is_ready(p)) for name, found in live.items()}
        old_pods = sum(len(found) for name, found in pods.items() if name != new["metadata"]["name"])
        counts = plan(deployment, new, old, available, old_pods)
        surge, _ = surge_and_unavailable(deployment)
        sizes = replica_annotations(deployment, surge)
        for rs in [new, *old]:
            name = rs["metadata"]["name"]
            annotations = rs["metadata"].get("annotations") or {}
            stale = {k: v for k, v in sizes.items() if annotations.get(k) != v}
            if counts[name] != replicas_of(rs) or stale:
                patch: dict[str, Any] = {"spec": {"replicas": counts[name]}}
                if stale:
                    patch["metadata"] = {"annotations": stale}
                self._patch_replica_set(key[0], rs, patch)
        revision = str(max(revision_of(new), newest + 1 if revision_of(new) < newest else 0))
        if ((deployment["metadata"].get("annotations") or {}).get(REVISION_ANNOTATION)) != revision:
            with contextlib.suppress(NotFound):
                client.patch(
                    client.registry.get(DEPLOYMENTS),
                    key[0],
                    key[1],
                    {"metadata": {"annotations": {REVISION_ANNOTATION: revision}}},
                    "merge",
                )
        for name in expired(deployment, old, {n: len(found) for n, found in pods.items()}):
            with contextlib.suppress(NotFound):
                client.delete(rt, key[0], name)
        with self._cond:
            latest = self._deployments.get(key, deployment)
        every = [p for found in pods.values() for p in found]
        status = deployment_status(
            latest, every, new["metadata"]["name"], _now(), updated=pods.get(new["metadata"]["name"], [])
        )
        if status != latest.get("status"):
            with contextlib.suppress(NotFound):
                client.patch(
                    client.registry.get(DEPLOYMENTS),
                    key[0],
                    key[1],
                    [_set_status(status)],
                    "json",
                    subresource="status",
                )

    def _patch_replica_set(self, namespace: str, rs: Mapping[str, Any], patch: dict[str, Any]) -> None:
        client = self._require_client()
        try:
            patched = client.patch(
                client.registry.get(REPLICASETS), namespace, rs["metadata"]["name"], patch, "merge"
            )
        except NotFound:
            return
        with self._cond:
            self._remember(self._replica_sets, (namespace, patched["metadata"]["name"]), patched)

    def _reconcile_replica_set(self, key: Key) -> None:
        """Create or delete pods to match the ReplicaSet's replicas; then refresh its status."""
        client = self._require_client()
        with self._cond:
            rs = self._replica_sets.get(key)
            if rs is None or rs["metadata"].get("deletionTimestamp"):
                return
            owned = self._pods_of(rs)
        live = [pod for pod in owned if not is_terminating(pod)]
        want = replicas_of(rs)
        pod_hash = ((rs.get("metadata") or {}).get("labels") or {}).get("pod-template-hash") or template_hash(
            (rs.get("spec") or {}).get("template") or {}
        )
        for _ in range(want - len(live)):
            self._create_pod(client, rs, pod_hash)
        for victim in _victims(live, len(live) - want):
            self._delete_pod(client, victim)
        with self._cond:
            owned = self._pods_of(rs)
        alive = [pod for pod in owned if not is_terminating(pod)]
        status = replica_set_status(rs, len(alive), sum(1 for pod in alive if is_ready(pod)))
        if status != rs.get("status"):
            with contextlib.suppress(NotFound):
                client.patch(
                    client.registry.get(REPLICASETS),
                    key[0],
                    key[1],
                    [_set_status(status)],
                    "json",
                    subresource="status",
                )

    def _pods_of(self, owner: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The pods the ReplicaSet owns, as last seen (under the lock)."""
        uid = owner["metadata"].get("uid")
        namespace = owner["metadata"].get("namespace")
        return [p for (ns, _), p in self._pods.items() if ns == namespace and _owner(p) == uid]

    def _create_pod(self, client: Client, rs: Mapping[str, Any], pod_hash: str) -> None:
        rt = client.registry.get(PODS)
        namespace = rs["metadata"]["namespace"]
        while True:
            name = f"{rs['metadata']['name']}-{''.join(self._rng.choices(SAFE_ALPHABET, k=5))}"
            try:
                created = client.create(rt, namespace, new_pod(rs, name, pod_hash, kubelet=self._kubelet))
            except AlreadyExists:
                continue
            except NotFound:  # the namespace is going away
                return
            break
        with self._cond:
            self._remember(self._pods, (namespace, name), created)
        if self._kubelet:
            self._schedule_pod((namespace, name))

    def _schedule_pod(self, key: Key) -> None:
        """Bind the pod and start its containers (Pending, ContainerCreating); Running after the delay."""
        pod = self._patch_status(key, lambda pod: None if scheduled(pod) else pending_status(pod, _now()))
        if pod is not None:
            self._scheduler.call_later(self._start_delay, ("start", key), lambda: self._start_pod(key))

    def _start_pod(self, key: Key) -> None:
        ip = f"10.128.{(n := next(self._ips)) // 250 % 250}.{n % 250 + 2}"
        self._patch_status(
            key,
            lambda pod: (
                running_status(pod, _now(), ip)
                if (pod.get("status") or {}).get("phase") == "Pending"
                else None
            ),
        )

    def _begin_stop(self, key: Key) -> None:
        self._patch_status(key, lambda pod: stopping_status(pod, _now()) if is_ready(_alive(pod)) else None)

    def _finish_stop(self, key: Key) -> None:
        client = self._require_client()
        try:
            pod = client.lister.get(client.registry.get(PODS), key[0], key[1])
            if pod is None:
                return
            finalizers = [f for f in pod["metadata"].get("finalizers") or [] if f != KUBELET_FINALIZER]
            client.patch(
                client.registry.get(PODS),
                key[0],
                key[1],
                {"metadata": {"finalizers": finalizers or None}},
                "merge",
            )
        except NotFound:
            pass

    def _patch_status(self, key: Key, make: _StatusMaker) -> dict[str, Any] | None:
        """Replace a pod's status with make(pod) unless that is None or the pod is gone."""
        client = self._require_client()
        rt = client.registry.get(PODS)
        try:
            pod = client.lister.get(rt, key[0], key[1])
            if pod is None:
                return None
            status = make(pod)
            if status is None:
                return None
            patched = client.patch(rt, key[0], key[1], [_set_status(status)], "json", subresource="status")
        except NotFound:
            return None
        with self._cond:
            if key in self._pods:
                self._remember(self._pods, key, patched)
                self._index(key[0], patched)
        return patched

    def _delete_pod(self, client: Client, pod: Mapping[str, Any]) -> None:
        meta = pod["metadata"]
        try:
            deleted = client.delete(client.registry.get(PODS), meta["namespace"], meta["name"])
        except NotFound:
            return
        key = (meta["namespace"], meta["name"])
        with self._cond:
            if key in self._pods:
                self._remember(self._pods, key, deleted)
                self._index(key[0], deleted)
        self._after_pod_change(key, deleted, "MODIFIED")

    def _require_client(self) -> Client:
        if self._client is None:
            raise RuntimeError("the pods controller is not started")
        return self._client


def _owner(obj: Mapping[str, Any], kind: str = "ReplicaSet") -> str | None:
    """The uid of the `kind` controlling the object (a pod's ReplicaSet, a ReplicaSet's Deployment)."""
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("kind") == kind and ref.get("controller"):
            return str(ref.get("uid"))
    return None


def _victims(pods: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """The pods a ReplicaSet deletes first when scaling down: not ready, then the newest."""
    if count <= 0:
        return []
    newest_first = sorted(
        pods, key=lambda p: (p["metadata"].get("creationTimestamp", ""), p["metadata"]["name"]), reverse=True
    )
    return sorted(newest_first, key=is_ready)[:count]


def _alive(pod: Mapping[str, Any]) -> dict[str, Any]:
    """The pod as if not deleted (to ask whether it was ready before its deletion)."""
    meta = {k: v for k, v in pod["metadata"].items() if k != "deletionTimestamp"}
    return dict(pod, metadata=meta)


def _set_status(status: dict[str, Any]) -> dict[str, Any]:
    return {"op": "add", "path": "/status", "value": status}


def _now() -> str:
    return rfc3339(datetime.now(UTC))
