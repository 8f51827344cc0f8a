"""Fixtures of the rollout plans' tests: dashboards that run plans (lifespan on, short ticks)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from app.kube.config import load_api_client
from app.settings import Settings
from tests.backends import Backend
from tests.support.forms import csrf_client
from tests.support.serving import Dashboard, serve

PLAN = "/api/namespaces/labs-1/services/customer/plan"
FAST = {"plan_tick_seconds": 0.05, "plan_lease_seconds": 5.0}


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
