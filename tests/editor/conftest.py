"""Fixtures of the editor's tests: the lab's customer Service as the cluster stores it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from app.model.editing import RevisionChoice, revision_choices

LAB_TRAFFIC: list[dict[str, Any]] = [
    {"tag": "current", "revisionName": "customer-v3", "latestRevision": False, "percent": 50},
    {"tag": "candidate", "revisionName": "customer-v4", "latestRevision": False, "percent": 50},
    {"tag": "latest", "latestRevision": True, "percent": 0},
]


def revision(name: str, generation: int, ready: str = "True", service: str = "customer") -> dict[str, Any]:
    """A Revision as the reconciler writes it (only the fields the editor reads)."""
    return {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Revision",
        "metadata": {
            "name": name,
            "namespace": "labs-1",
            "creationTimestamp": f"2026-11-30T08:0{generation}:00Z",
            "labels": {
                "serving.knative.dev/service": service,
                "serving.knative.dev/configuration": service,
                "serving.knative.dev/configurationGeneration": str(generation),
            },
        },
        "status": {"conditions": [{"type": "Ready", "status": ready}]},
    }


def service(traffic: list[dict[str, Any]] | None = None, rv: str = "41", **meta: Any) -> dict[str, Any]:
    """The lab's customer Service with `traffic` (default: the lab's 50/50 block)."""
    return {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {"name": "customer", "namespace": "labs-1", "resourceVersion": rv, **meta},
        "spec": {"traffic": [dict(t) for t in (LAB_TRAFFIC if traffic is None else traffic)]},
    }


@pytest.fixture
def lab_revisions() -> list[dict[str, Any]]:
    """customer-v1 .. customer-v4 (all ready) and another Service's revision."""
    return [
        revision("customer-v1", 1),
        revision("customer-v2", 2),
        revision("customer-v3", 3),
        revision("customer-v4", 4),
        revision("preference-v1", 1, service="preference"),
    ]


@pytest.fixture
def choices(lab_revisions: list[dict[str, Any]]) -> list[RevisionChoice]:
    return revision_choices(lab_revisions)


@pytest.fixture
def lab_service() -> dict[str, Any]:
    return service()


# --- The served dashboard with the editor ------------------------------------------------------------

from tests.serving import Dashboard  # noqa: E402
from tests.web.conftest import (  # noqa: E402  (fixtures shared with the web suite)
    dashboard_api,
    lab_dashboard,
    served_dashboard,
)

__all__ = ["dashboard_api", "lab_dashboard", "served_dashboard"]


@contextmanager
def csrf_client(url: str) -> Iterator[httpx.Client]:
    """A client holding the dashboard's CSRF cookie, sending its token on every request (as htmx does)."""
    from tests.editor.forms import EDITOR, form_fields

    with httpx.Client(base_url=url, timeout=10) as http:
        token = form_fields(http.get(EDITOR).text).get("csrf_token")
        if token:
            http.headers["X-CSRF-Token"] = token
        yield http


@pytest.fixture
def client(served_dashboard: Dashboard) -> Iterator[httpx.Client]:
    """A client of the dashboard on the labs cluster (build_app routes the editor)."""
    with csrf_client(served_dashboard.url) as http:
        yield http


@pytest.fixture
def lab_client(lab_dashboard: Dashboard) -> Iterator[httpx.Client]:
    """A client of the dashboard on the `lab` backend (the simulator, then the real API server)."""
    with csrf_client(lab_dashboard.url) as http:
        yield http
