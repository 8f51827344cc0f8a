"""The autoscaler: writes each revision's Deployment `spec.replicas` from its simulated load.

Knative's KPA owns a revision Deployment's replicas once the reconciler has created it; so does this
controller. It learns revisions (scale annotations, routing state) and their Deployments from watch
events, hears of requests from the request simulator (`request_started` / `request_finished`), and
re-evaluates a revision on a timer: every `tick` seconds while requests are recent, then once when
the grace period or the young-revision period ends. The rules are in `app.sim.workloads.scaling`.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.model.labels import REVISION_LABEL, ROUTING_STATE_LABEL
from app.model.timestamps import parse_time
from app.sim.client import Client
from app.sim.storage.errors import NotFound
from app.sim.storage.resources import DEPLOYMENTS, REVISIONS
from app.sim.storage.watching import WatchEvent
from app.sim.workloads.deployments import desired_replicas
from app.sim.workloads.pumping import EventPump
from app.sim.workloads.scaling import Load, ScalePolicy, desired_scale
from app.sim.workloads.timing import Scheduler

Key = tuple[str, str]  # (namespace, revision)


@dataclass
class _Revision:
    """What the autoscaler knows of one revision."""

    policy: ScalePolicy = field(default_factory=ScalePolicy)
    routed: bool = True
    deployment: str | None = None
    replicas: int | None = None  # the Deployment's spec.replicas as last seen or written
    born: float = 0.0  # monotonic time the Deployment was created
    load: Load = field(default_factory=Load)


class Autoscaler:
    """Scales revision Deployments from request load (a Controller); the arguments are those of
    `WorkloadSettings` (validated there)."""

    def __init__(
        self,
        *,
        grace: float = 30.0,
        window: float = 6.0,
        request_seconds: float = 1.0,
        tick: float = 1.0,
    ) -> None:
        self._grace = grace
        self._window = window
        self._request_seconds = request_seconds
        self._tick = tick
        self._lock = threading.Lock()
        self._revisions: dict[Key, _Revision] = {}
        self._scheduler = Scheduler("sim-autoscaler")
        self._pump = EventPump("sim-autoscaler-watch", (REVISIONS, DEPLOYMENTS), self._on_event)
        self._client: Client | None = None

    # --- Controller ------------------------------------------------------------------------------

    def start(self, client: Client) -> None:
        """Start watching `store` and scaling."""
        self._client = client
        self._scheduler.start()
        self._pump.start(client)

    def stop(self) -> None:
        """Stop watching and scaling; what was learnt is forgotten (a restart relearns it)."""
        self._pump.stop()
        self._scheduler.stop()
        with self._lock:
            self._revisions.clear()

    # --- requests (from the request simulator, any thread) ---------------------------------------

    def request_started(self, namespace: str, revision: str) -> None:
        """A request for the revision arrived: count it, and scale from zero at once if need be."""
        key = (namespace, revision)
        with self._lock:
            self._revisions.setdefault(key, _Revision()).load.arrive(self._scheduler.now())
        self._evaluate_soon(key)

    def request_finished(self, namespace: str, revision: str) -> None:
        """A request for the revision was answered (or gave up)."""
        with self._lock:
            found = self._revisions.get((namespace, revision))
            if found is not None:
                found.load.finish(self._scheduler.now())

    # --- watch events ----------------------------------------------------------------------------

    def _on_event(self, event: WatchEvent) -> None:
        meta = event.object["metadata"]
        namespace = meta.get("namespace", "")
        labels = meta.get("labels") or {}
        if event.rt.key == REVISIONS:
            key = (namespace, meta["name"])
            with self._lock:
                if event.type == "DELETED":
                    self._revisions.pop(key, None)
                    return
                state = self._revisions.setdefault(key, _Revision())
                state.policy = ScalePolicy.from_annotations(meta.get("annotations"))
                state.routed = labels.get(ROUTING_STATE_LABEL) != "reserve"
        else:
            revision = labels.get(REVISION_LABEL)
            if not revision:
                return
            key = (namespace, revision)
            with self._lock:
                if event.type == "DELETED":
                    gone = self._revisions.get(key)
                    if gone is not None:
                        gone.deployment, gone.replicas = None, None
                    return
                state = self._revisions.setdefault(key, _Revision())
                if state.deployment != meta["name"]:
                    state.born = self._born(meta.get("creationTimestamp"))
                state.deployment = meta["name"]
                state.replicas = desired_replicas(event.object)
        self._evaluate_soon(key)

    def _born(self, created: str | None) -> float:
        """The monotonic time matching a creationTimestamp (now when unknown)."""
        now = self._scheduler.now()
        moment = parse_time(created)
        if moment is None:
            return now
        # The timestamp has whole seconds: the true age may be up to 1 s less; err on the young side.
        return now - max(0.0, (datetime.now(UTC) - moment).total_seconds() - 1.0)

    # --- evaluation (on the scheduler's thread) --------------------------------------------------

    def _evaluate_soon(self, key: Key) -> None:
        self._scheduler.call_later(0, key, lambda: self._evaluate(key))

    def _evaluate(self, key: Key) -> None:
        """Write the desired replicas to the revision's Deployment; plan the next evaluation."""
        now = self._scheduler.now()
        with self._lock:
            state = self._revisions.get(key)
            if state is None or state.deployment is None:
                return
            load = state.load
            concurrency = load.concurrency(now, self._window, self._request_seconds)
            active = load.active(now, self._grace)
            young = now - state.born < self._grace
            want = desired_scale(state.policy, concurrency, active=active, young=young, routed=state.routed)
            deployment, current = state.deployment, state.replicas
            state.replicas = want
            wake = [state.born + self._grace] if young else []
            if load.arrivals or load.in_flight:
                wake.append(now + self._tick)
            elif active and load.last_request is not None:
                wake.append(load.last_request + self._grace)
        if wake:
            self._scheduler.call_at(min(wake), key, lambda: self._evaluate(key))
        if want != current:
            self._scale(key[0], deployment, want)

    def _scale(self, namespace: str, deployment: str, replicas: int) -> None:
        client = self._client
        if client is None:
            return
        patch: dict[str, Any] = {"spec": {"replicas": replicas}}
        with contextlib.suppress(NotFound):
            client.patch(client.registry.get(DEPLOYMENTS), namespace, deployment, patch, "merge")
