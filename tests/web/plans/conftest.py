"""Fixtures of the rollout plans' tests: dashboards that run plans (lifespan on, short ticks)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from kubernetes.client import ApiClient

from app.kube.config import load_api_client
from app.settings import Settings
from app.sim.building import build_cluster
from tests.backends import Backend
from tests.plugins.knative import TEST_SETTINGS
from tests.plugins.sim import dashboard_client
from tests.support.forms import csrf_client
from tests.support.serving import Dashboard, serve
from tests.web.demo.conftest import DEMO_WORKLOADS

PLAN = "/api/namespaces/labs-1/services/customer/plan"
FAST = {"plan_tick_seconds": 0.05, "plan_lease_seconds": 5.0}


def phase_of(body: dict[str, Any]) -> str | None:
    """The phase in a GET of the plan (None: no plan, or the cache has not seen it yet)."""
    progress = body.get("progress")
    return str(progress["phase"]) if progress else None


@contextmanager
def plan_dashboard(lab: Backend, **settings: Any) -> Iterator[tuple[Dashboard, httpx.Client]]:
    """A dashboard on `lab` whose lifespan runs the plan runner, and a client of it."""
    with (
        load_api_client(lab.kubeconfig("admin")) as api,
        serve(api, Settings(**{**FAST, **settings}), lifespan=True) as dashboard,
        csrf_client(dashboard.url) as http,
    ):
        yield dashboard, http


@pytest.fixture
def planner(lab: Backend) -> Iterator[tuple[Dashboard, httpx.Client]]:
    """One plan-running dashboard on `lab` and its client."""
    with plan_dashboard(lab) as made:
        yield made


@pytest.fixture
def demo_planner(tmp_path: Path) -> Iterator[tuple[ApiClient, Dashboard, httpx.Client]]:
    """The demo's cluster (pods, gateway, faults on demand) and a plan-running dashboard that reads
    its gates from a probe through the gateway, as `splitboard demo` runs them."""
    with (
        build_cluster(scenario="labs", settings=TEST_SETTINGS, workloads=DEMO_WORKLOADS) as cluster,
        dashboard_client(cluster.write_kubeconfig(tmp_path / "kubeconfig")) as api,
    ):
        settings = Settings(ingress_url=cluster.ingress_url, plan_tick_seconds=0.05, plan_lease_seconds=5.0)
        with serve(api, settings, lifespan=True) as dashboard, csrf_client(dashboard.url) as http:
            yield api, dashboard, http
