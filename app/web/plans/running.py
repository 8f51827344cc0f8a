"""The plan runner: every tick it looks at the Knative Services that carry an active rollout plan and
does what the model decides (app.model.plans.decide): apply the next step, pause for an outside change,
abort on a failed gate, finish.

One runner per dashboard process, started by the app's lifespan. A plan is run by the dashboard that
holds its Lease (app.kube.leasing), so a second replica, or a dashboard restarted while the first's
Lease has not expired, waits; and every write is conditional on the Service's resourceVersion, so a
step is applied once even if two runners ever met. Everything a plan is lives in its annotation: a
restarted dashboard carries on where the last one stopped.

Which Services: those in `plan_namespaces`: a namespace where a plan was started here, or where a list
of all Knative Services, every `scan_seconds`, found one (a plan started by another dashboard, or
before a restart). The runner reads them from the watch cache, keeping those namespaces watched while
a plan runs there. Blocking cluster calls run in worker
threads; an error with one Service is kept for the API to show and never stops the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

import anyio

from app.kube import errors
from app.kube.errors import ApiError
from app.kube.leasing import Held, acquire, holder_identity, lease_name, release
from app.kube.requesting import request_json
from app.kube.resources import KNATIVE_SERVICES
from app.model.bodies import meta, name_of
from app.model.editing import service_traffic
from app.model.gates import Readings, Verdict, evaluate
from app.model.objects import KubeObject
from app.model.plans import ANNOTATION, Decision, Plan, Progress, decide, reading_of, record_reading
from app.model.plans.plan import step_label
from app.model.timestamps import parse_time
from app.web.dashboard import Dashboard
from app.web.gating import GateSource
from app.web.plans.actions import state_of
from app.web.plans.storing import store, traffic_writer

log = logging.getLogger(__name__)

READINGS_SECONDS = 5.0
"""How often a gated step's readings are written to the annotation between decisions (each write is
an update of the Service): often enough for the page, rarely enough for the cluster."""


@dataclass
class _Tracked:
    held: Held | None = None
    readings_written: float = -math.inf


def _active(service: KubeObject) -> bool:
    """Whether the Service's plan runs (or cannot be read: the runner keeps saying why)."""
    found = state_of(str(meta(service).get("namespace") or ""), service)
    return found.error is not None or (found.progress is not None and found.progress.active)


class PlanRunner:
    """Runs the rollout plans of the Services it can see (see the module's docstring)."""

    def __init__(
        self,
        dashboard: Dashboard,
        gates: GateSource | None = None,
        *,
        holder: str | None = None,
        scan_seconds: float | None = None,
    ) -> None:
        self.dashboard = dashboard
        self.gates = gates
        self.holder = holder or holder_identity()
        tick = dashboard.settings.plan_tick_seconds
        self.tick_seconds = tick
        self.scan_seconds = scan_seconds if scan_seconds is not None else max(10.0, 10 * tick)
        self.problems: dict[tuple[str, str], str] = {}
        """The last problem per Service (namespace, name), for the API; cleared when it goes away."""
        self.ticks = 0
        self._tracked: dict[tuple[str, str], _Tracked] = {}
        self._scanned_at = -math.inf
        self._task: asyncio.Task[None] | None = None

    # --- Lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="plan runner")

    async def stop(self) -> None:
        """Stop ticking, give up every Lease held (another dashboard takes over at once), close the
        gate source."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        held = [t.held for t in self._tracked.values() if t.held is not None]
        self._tracked.clear()
        if held:
            await anyio.to_thread.run_sync(self._release_all, held)
        if self.gates is not None:
            await self.gates.close()

    def _release_all(self, held: Iterable[Held]) -> None:
        for lease in held:
            try:
                release(self.dashboard.api_client, lease.namespace, lease.name, self.holder)
            except ApiError as error:
                log.warning("could not release Lease %s/%s: %s", lease.namespace, lease.name, error)

    async def _run(self) -> None:
        while True:
            started = time.monotonic()
            await self.tick()
            await asyncio.sleep(max(0.0, self.tick_seconds - (time.monotonic() - started)))

    # --- One tick ---------------------------------------------------------------------------------

    async def tick(self) -> None:
        """Look at every plan once. Never raises (but for cancellation)."""
        self.ticks += 1
        try:
            if time.monotonic() - self._scanned_at >= self.scan_seconds:
                self._scanned_at = time.monotonic()
                self.dashboard.plan_namespaces |= await anyio.to_thread.run_sync(self._scan)
            namespaces = sorted(self.dashboard.plan_namespaces)
        except Exception as error:  # a failing cluster must not stop the runner
            log.warning("rollout plans: cannot list the Services with plans: %s", error)
            namespaces = sorted(self.dashboard.plan_namespaces)
        seen: set[tuple[str, str]] = set()
        for namespace in namespaces:
            try:
                services = await anyio.to_thread.run_sync(self._planned, namespace)
            except Exception as error:
                log.warning("rollout plans: cannot read namespace %s: %s", namespace, error)
                continue
            if not any(_active(s) for s in services):
                # Nothing left to run here: stop looking (and keeping the namespace watched) until a
                # plan is started here or a scan finds one.
                self.dashboard.plan_namespaces.discard(namespace)
            for service in services:
                key = (namespace, name_of(service))
                seen.add(key)
                try:
                    await self._run_plan(namespace, service)
                except asyncio.CancelledError:
                    raise
                except Exception as error:  # one bad Service never stops the others
                    log.exception("rollout plan of %s/%s failed", *key)
                    self.problems[key] = f"the runner failed on this plan: {error}"
        for key in set(self._tracked) - seen:
            await self._let_go(key)
        for key in set(self.problems) - seen:
            del self.problems[key]

    def _scan(self) -> set[str]:
        """The namespaces holding Services with a plan, from one list of all Knative Services (or, when
        that is forbidden, one per namespace the dashboard shows)."""
        api = self.dashboard.api_client
        try:
            items = request_json(api, "GET", KNATIVE_SERVICES.path()).get("items") or []
        except errors.Forbidden:
            items = []
            for namespace in self.dashboard.cache.namespaces():
                try:
                    items += request_json(api, "GET", KNATIVE_SERVICES.path(namespace)).get("items") or []
                except ApiError:
                    continue
        except errors.NotFound:  # no Knative on this cluster
            return set()
        allowed = self.dashboard.cache.allowed
        return {
            str(meta(s).get("namespace") or "")
            for s in items
            if ANNOTATION in (meta(s).get("annotations") or {})
            and (not allowed or meta(s).get("namespace") in allowed)
        }

    def _planned(self, namespace: str) -> list[KubeObject]:
        objects = self.dashboard.cache.objects(namespace)
        return [s for s in objects.services if ANNOTATION in (meta(s).get("annotations") or {})]

    async def _let_go(self, key: tuple[str, str]) -> None:
        tracked = self._tracked.pop(key, None)
        if tracked is not None and tracked.held is not None:
            await anyio.to_thread.run_sync(self._release_all, [tracked.held])

    # --- One plan ---------------------------------------------------------------------------------

    async def _run_plan(self, namespace: str, service: KubeObject) -> None:
        name = name_of(service)
        key = (namespace, name)
        found = state_of(namespace, service)
        if found.error is not None:
            self.problems[key] = found.error
            await self._let_go(key)
            return
        plan, progress = found.plan, found.progress
        if plan is None or progress is None or not progress.active:
            self.problems.pop(key, None)
            await self._let_go(key)
            return
        if not await anyio.to_thread.run_sync(self._hold, namespace, name):
            self.problems[key] = "run by another dashboard (it holds the plan's Lease)"
            return
        self.problems.pop(key, None)
        now = self.dashboard.clock()
        readings, verdict = await self._gate(namespace, name, plan, progress)
        decision = decide(
            plan, progress, now, service_traffic(service), verdict, changed_by=traffic_writer(service)
        )
        new_progress = decision.progress
        reading = reading_of(progress.step, readings, verdict)
        tracked = self._tracked[key]
        if reading is not None:
            due = time.monotonic() - tracked.readings_written >= READINGS_SECONDS
            if new_progress is not None:
                new_progress = record_reading(new_progress, reading)
            elif due and reading not in progress.readings:
                new_progress = record_reading(progress, reading)
        if new_progress is None:
            return
        label = self._label(plan, decision, new_progress)
        written = await anyio.to_thread.run_sync(
            self._store, namespace, service, plan, new_progress, decision, label
        )
        if written and reading is not None:
            tracked.readings_written = time.monotonic()

    @staticmethod
    def _label(plan: Plan, decision: Decision, progress: Progress) -> str:
        if decision.action == "abort":
            return f"plan abort, {step_label(plan, progress.step)} failed its gate"
        return step_label(plan, progress.step)

    async def _gate(
        self, namespace: str, name: str, plan: Plan, progress: Progress
    ) -> tuple[Readings | None, Verdict | None]:
        """The current step's readings of the candidate since the step started, and its gate's verdict
        (None, None: not gated, or no source to read)."""
        gate = plan.steps[progress.step].gate
        began = parse_time(progress.step_started_at)
        if gate is None or self.gates is None or began is None:
            return None, None
        readings = await self.gates.readings(namespace, name, plan.candidate, began.timestamp())
        if readings is None and (problem := self.gates.problem(namespace, name)):
            self.problems[(namespace, name)] = f"no gate readings: {problem}"
        return readings, evaluate(gate, readings)

    def _hold(self, namespace: str, name: str) -> bool:
        """Whether this runner holds the plan's Lease, renewing it a third of the way through."""
        tracked = self._tracked.setdefault((namespace, name), _Tracked())
        now = self.dashboard.clock()
        duration = self.dashboard.settings.plan_lease_seconds
        held = tracked.held
        if held is not None and now < held.renewed + timedelta(seconds=duration / 3):
            return True
        tracked.held = acquire(
            self.dashboard.api_client,
            namespace,
            lease_name(name),
            self.holder,
            duration_seconds=duration,
            now=now,
        )
        return tracked.held is not None

    def _store(
        self,
        namespace: str,
        service: KubeObject,
        plan: Plan,
        progress: Progress,
        decision: Decision,
        label: str,
    ) -> bool:
        """Write the decision; False when the Service changed since the cache showed it (the next tick
        decides again from the newer object)."""
        try:
            store(
                self.dashboard,
                namespace,
                service,
                plan,
                progress,
                decision.split,
                label=label,
                user=plan.created_by or None,
            )
        except errors.Conflict:
            return False
        except ApiError as error:
            self.problems[(namespace, name_of(service))] = f"the cluster refused the plan's write: {error}"
            return False
        log.info("rollout plan of %s/%s: %s (%s)", namespace, name_of(service), decision.action, label)
        return True
