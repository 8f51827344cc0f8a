"""build_cluster: a simulated cluster with Knative Serving and its ingress (a profile of
app.model.profiles: net-istio or Kourier), loaded with a scenario."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from app.model.naming import LOCAL_DOMAIN, DomainConfig
from app.model.profiles import CURRENT, KnativeProfile, profile_named
from app.sim.apiserver.users import add_users
from app.sim.client import Client
from app.sim.cluster import SimCluster
from app.sim.knative.conditions import status_of
from app.sim.knative.reconciling import KnativeController, install_admission
from app.sim.knative.settings import SimSettings
from app.sim.scenarios.applying import apply_object
from app.sim.scenarios.reading import apply_scenario, load_scenario
from app.sim.storage.resources import KNATIVE_SERVICES, default_registry
from app.sim.workloads.assembling import Workloads
from app.sim.workloads.settings import WorkloadSettings

__all__ = ["KnativeCluster", "SimSettings", "WorkloadSettings", "build_cluster"]

SYSTEM_NAMESPACES = ("knative-serving", "istio-system")
KOURIER_NAMESPACES = ("knative-serving", "kourier-system")


class KnativeCluster(SimCluster):
    """A SimCluster whose store is worked on by the Knative control plane (`knative`) and, when
    built with workloads, by the pods controller, autoscaler and request simulator (`workloads`)."""

    knative: KnativeController
    workloads: Workloads | None = None
    profile: KnativeProfile = CURRENT
    """The Knative release (and ingress) the control plane reproduces."""

    @property
    def ingress_url(self) -> str | None:
        """The request simulator's `http://host:port` once started (None without workloads)."""
        return self.workloads.ingress_url if self.workloads is not None else None

    @property
    def prometheus_url(self) -> str | None:
        """The simulated Prometheus API's `http://host:port` once started (None without workloads): it
        answers the rollout gates' queries over the requests the ingress served."""
        return self.workloads.prometheus_url if self.workloads is not None else None

    def settle(self, timeout: float = 10.0) -> bool:
        """Wait until the control plane has reconciled every change so far (timers aside)."""
        return self.knative.settle(timeout)

    def wait_ready(self, timeout: float = 10.0) -> bool:
        """Wait until no Knative Service is still on its way (Ready Unknown): each one is served or
        has said why not, so its hosts answer at the ingress. False when `timeout` ran out first."""
        deadline = time.monotonic() + timeout
        pending: set[str] = set()
        with self.store.watch(self.registry.get(KNATIVE_SERVICES), copy=False) as watcher:
            listed = False
            while True:
                remaining = deadline - time.monotonic()
                if listed and not pending:
                    return True
                if remaining <= 0:
                    return False
                event = watcher.next(remaining if listed else 0)
                if event is None:
                    listed = True
                    continue
                meta = event.object["metadata"]
                key = f"{meta['namespace']}/{meta['name']}"
                if event.type == "DELETED" or status_of(event.object) != "Unknown":
                    pending.discard(key)
                else:
                    pending.add(key)


def build_cluster(
    *,
    scenario: str | None = "labs",
    settings: SimSettings | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    state_file: Path | None = None,
    workloads: WorkloadSettings | None = None,
    knative: str | None = None,
    ingress: str | None = None,
) -> KnativeCluster:
    """A cluster (not started) with Knative's webhook and reconciler, and `scenario` applied through
    the store unless `state_file` brought objects back. With `workloads`, revisions also get pods,
    an autoscaler and a request simulator (`ingress_url`). The scenario's users get their tokens and
    RBAC rules. `knative` names the Knative profile (default: the scenario's, e.g. `seed` for the lab)
    and `ingress` its ingress (`istio`, default, or `kourier`). ValueError for an unknown scenario,
    profile or ingress."""
    settings = settings or SimSettings()
    if workloads is not None:
        settings = dataclasses.replace(settings, simulate_pods=True)
    plan = load_scenario(scenario)
    profile = profile_named(knative or plan.knative, ingress)
    domain = settings.domain or plan.domain or LOCAL_DOMAIN
    registry = default_registry(profile.serving_versions, profile.served_virtual_service_versions)
    cluster = KnativeCluster(host=host, port=port, state_file=state_file, registry=registry)
    cluster.profile = profile
    install_admission(cluster.store, settings)
    controller = KnativeController(settings, DomainConfig(domain=domain), profile)
    cluster.knative = controller
    store = cluster.store
    restored = bool(store.list(store.registry.get(KNATIVE_SERVICES), copy=False)[0])
    if not restored:
        for namespace in SYSTEM_NAMESPACES if profile.istio else KOURIER_NAMESPACES:
            apply_object(store, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
        apply_object(
            store,
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "config-domain", "namespace": "knative-serving"},
                "data": {domain: ""},
            },
        )
        controller.start(Client(store))
        try:
            apply_scenario(store, plan, controller.settle)
        finally:
            controller.stop()
    add_users(store, cluster.add_token, plan.users)  # tokens live in memory: again after a restore
    cluster.add_controller(controller)
    if workloads is not None:
        cluster.workloads = Workloads(workloads, host=host)
        cluster.add_controller(cluster.workloads)
    return cluster
