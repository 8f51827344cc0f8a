"""Security fixtures: dashboards built by build_app with chosen settings, on the simulated cluster."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from app.settings import Settings
from tests.support.guarded import MakeDashboard, Served, serve_dashboard


@pytest.fixture
def make_dashboard(knative_kubeconfig: Path) -> Iterator[MakeDashboard]:
    """make(kubeconfig=None, **settings fields) -> Served; all stopped after the test."""
    with ExitStack() as stack:

        def make(kubeconfig: Path | None = None, **fields: Any) -> Served:
            settings = Settings(**fields)
            return stack.enter_context(serve_dashboard(settings, kubeconfig or knative_kubeconfig))

        yield make


@pytest.fixture
def dashboard(make_dashboard: MakeDashboard) -> Served:
    """Default settings: bound to loopback, open to writes (with CSRF and same-origin checks)."""
    return make_dashboard()
