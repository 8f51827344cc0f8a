"""Fixtures of the editor's tests: the lab's customer Service as the cluster stores it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.model.editing import RevisionChoice, revision_choices
from tests.support.builders import revision, service
from tests.support.forms import csrf_client
from tests.support.serving import Dashboard


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
