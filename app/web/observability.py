"""Health, readiness, Prometheus metrics and JSON logs.

- `/healthz`: the process answers. `/readyz`: the namespace list has been read once (or listing it
  was forbidden and the allow-list stands in) with the cluster reachable; it stays ready afterwards,
  so a cluster outage shows the dashboard's banner instead of taking the dashboard away.
- `/metrics`: requests and latency by route template, open SSE streams, the cache's watch counters,
  and traffic patch outcomes (`record_patch(request, outcome)` from the editor). Each app has its
  own registry, so apps built side by side (tests) never share counters. Unlike the two probes it
  is served only to allowed Host names and, with a read mode, to an identity (see HEALTH_PATHS).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.kube.caching import ClusterCache

PROBE_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
HEALTH_PATHS = frozenset({"/healthz", "/readyz"})
"""Served whatever the Host and without an identity: kubelet probes use the pod's address and sign in
nowhere. /metrics is not among them: it goes through the Host check and the read mode like a page."""
PATCH_OUTCOMES = ("applied", "conflict", "invalid", "refused", "unchanged", "error")
CACHE_COUNTERS = {
    "relists": "Full lists made by the cache's reflectors",
    "watch_restarts": "Watches the cache had to start again",
    "expired": "Watches that ended with 410 Gone (history expired)",
    "errors": "Failed list or watch calls",
}

router = APIRouter(include_in_schema=False)


class Metrics:
    """The app's Prometheus registry and the metrics the middleware and the editor update."""

    def __init__(self, cache: Callable[[], ClusterCache], sse_clients: Callable[[], int]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "splitboard_http_requests",
            "HTTP requests answered, by route template",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "splitboard_http_request_duration_seconds",
            "Time to answer an HTTP request (an SSE stream: its whole life)",
            ["method", "route"],
            registry=self.registry,
        )
        self.patches = Counter(
            "splitboard_traffic_patches",
            "Traffic changes sent, by outcome",
            ["outcome"],
            registry=self.registry,
        )
        self.registry.register(_CacheCollector(cache, sse_clients))


class _CacheCollector(Collector):
    """Reads the current cache's counters and the open SSE streams at scrape time."""

    def __init__(self, cache: Callable[[], ClusterCache], sse_clients: Callable[[], int]) -> None:
        self.cache = cache
        self.sse_clients = sse_clients

    def collect(self) -> Iterator[Metric]:
        cache = self.cache()
        stats = cache.stats()
        for name, text in CACHE_COUNTERS.items():
            yield CounterMetricFamily(f"splitboard_cache_{name}", text, value=stats.get(name, 0))
        yield GaugeMetricFamily(
            "splitboard_sse_clients", "Open Server-Sent Events streams", value=self.sse_clients()
        )
        yield GaugeMetricFamily(
            "splitboard_cache_informers", "Running informers", value=stats.get("informers", 0)
        )
        yield GaugeMetricFamily(
            "splitboard_cache_active_namespaces",
            "Namespaces being watched",
            value=stats.get("active_namespaces", 0),
        )
        yield GaugeMetricFamily(
            "splitboard_cluster_connected", "1 when the cluster answers", value=int(cache.connected)
        )


class Readiness:
    """Latched readiness over the current cache (see the module docstring)."""

    def __init__(self, cache: Callable[[], ClusterCache]) -> None:
        self.cache = cache
        self._ready = threading.Event()

    def check(self) -> bool:
        """Blocking (at most the cache's sync timeout, only before the first list): call from a thread."""
        if self._ready.is_set():
            return True
        cache = self.cache()
        cache.namespaces()
        if cache.connected:
            self._ready.set()
        return self._ready.is_set()


class MetricsMiddleware:
    """Counts every HTTP request (refusals by the security guard too) by its route template."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = str(scope["method"])
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(time.perf_counter() - started)


def metrics_of(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


def record_patch(request: Request, outcome: str) -> None:
    """Count one traffic change by outcome (one of PATCH_OUTCOMES)."""
    if outcome not in PATCH_OUTCOMES:
        raise ValueError(f"unknown patch outcome {outcome!r}; expected one of {PATCH_OUTCOMES}")
    metrics_of(request).patches.labels(outcome).inc()


@router.get("/healthz")
def healthz() -> PlainTextResponse:
    return PlainTextResponse("ok")


@router.get("/readyz")
async def readyz(request: Request) -> PlainTextResponse:
    readiness: Readiness = request.app.state.readiness
    if await run_in_threadpool(readiness.check):
        return PlainTextResponse("ready")
    return PlainTextResponse("waiting for the cluster cache", status_code=503)


@router.get("/metrics")
def metrics(request: Request) -> Response:
    return Response(generate_latest(metrics_of(request).registry), media_type=CONTENT_TYPE_LATEST)


def install_observability(
    app: FastAPI, cache: Callable[[], ClusterCache], sse_clients: Callable[[], int]
) -> None:
    """Add /healthz, /readyz, /metrics and the request metrics (outermost middleware: add it last)."""
    app.state.metrics = Metrics(cache, sse_clients)
    app.state.readiness = Readiness(cache)
    app.include_router(router)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the exception if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def log_config(json_logs: bool, level: str = "INFO") -> dict[str, Any]:
    """A logging.config.dictConfig for the app and uvicorn (pass as uvicorn's `log_config`)."""
    formatter: dict[str, Any] = (
        {"()": f"{__name__}.JsonFormatter"}
        if json_logs
        else {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    )
    handler = {"class": "logging.StreamHandler", "formatter": "default", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            name: {"handlers": [], "level": level, "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }
