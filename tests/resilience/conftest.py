"""Resilience fixtures: the dashboard served by uvicorn over the labs cluster, healing fast, and a record
of every log line at ERROR or above (from the app, the cache's threads and uvicorn alike)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes.client import ApiClient

from app.kube.config import close_api_client, load_api_client
from tests.support.serving import FAST, HEALING, Dashboard, serve

LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access")
"""uvicorn's loggers do not propagate to the root logger: each gets the handler."""


class ErrorLog(logging.Handler):
    """Keeps every record at ERROR or above."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def lines(self) -> list[str]:
        return [f"{r.name}: {r.getMessage()}" for r in self.records]


@pytest.fixture
def resilient_api(knative_kubeconfig: Path) -> Iterator[ApiClient]:
    client = load_api_client(knative_kubeconfig)
    try:
        yield client
    finally:
        close_api_client(client)


@pytest.fixture
def resilient_dashboard(resilient_api: ApiClient) -> Iterator[Dashboard]:
    """The dashboard over the labs cluster, retrying fast, with no periodic relist (what heals is the
    reflector's reaction to each fault)."""
    with serve(resilient_api, options=FAST) as dashboard:
        yield dashboard


@pytest.fixture
def relisting_dashboard(resilient_api: ApiClient) -> Iterator[Dashboard]:
    """The same, relisting every second (what heals a lost watch event)."""
    with serve(resilient_api, options=HEALING) as dashboard:
        yield dashboard


@pytest.fixture
def error_log() -> Iterator[ErrorLog]:
    """Every ERROR logged while the test runs. Request it after the dashboard fixture: uvicorn
    configures its loggers when the server is built."""
    handler = ErrorLog()
    for name in LOGGERS:
        logging.getLogger(name).addHandler(handler)
    try:
        yield handler
    finally:
        for name in LOGGERS:
            logging.getLogger(name).removeHandler(handler)
