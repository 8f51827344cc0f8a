"""Where a rollout gate's readings come from: a traffic probe of the Service, or Prometheus.

A plan's runner asks a `GateSource` what one revision did since its step began and judges that with
app.model.gates. Two sources:

- `ProbeGateSource` (the demo, and any cluster without a Prometheus): while readings are asked for, a
  probe of the Service's route URL runs on the dashboard's probe registry (started on demand, started
  again when it ends, stopped after `idle_seconds` without a question and at `close`); each answer is
  attributed to the revision that gave it, errors too (app.model.probestats.revision_readings).
- `PrometheusGateSource` (when `SPLITBOARD_PROMETHEUS_URL` is set): three instant queries over Knative's
  queue-proxy request histogram. Knative 1.18 moved the queue-proxy's metrics to OpenTelemetry: each
  revision pod records `kn.serving.invocation.duration` (seconds, buckets up to 10 s, the answer's
  `http.response.status_code`; knative/serving `pkg/queue/request_metric.go`) with the pod's
  `kn.revision.name` and `k8s.namespace.name` (`pkg/queue/sharedmain/otel.go`, `pkg/metrics/key.go`),
  which Prometheus names `kn_serving_invocation_duration_seconds_{count,bucket}` with labels
  `kn_revision_name`, `k8s_namespace_name` and `http_response_status_code`. The error rate is the 5xx
  answers over all answers in the window, the p95 `histogram_quantile(0.95, ...)` of its buckets.
  The revision and namespace are the pod's OpenTelemetry resource attributes: Knative's Prometheus
  exporter (`knative.dev/pkg/observability/metrics/prometheus_enabled.go`) leaves them on `target_info`
  alone, so they label the histogram's series only where the collection promotes resource attributes
  (an OpenTelemetry Collector's `resource_to_telemetry_conversion`, Prometheus's OTLP
  `promote_resource_attributes`, or scrape relabelling that copies them); set that up with the URL.

Neither raises for an unreachable or confused backend: readings are None and `problem` says why, in
words the page can show.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

import anyio.to_thread
import httpx

from app.model.gates import Readings
from app.model.probestats import revision_readings
from app.web.dashboard import Dashboard
from app.web.demo.probing import Probe, ProbeError
from app.web.demo.starting import plan
from app.web.demo.views import split_reader
from app.web.loading import LoadError

METRIC = "kn_serving_invocation_duration_seconds"
"""Knative 1.18+'s queue-proxy request histogram as Prometheus names it (see the module docstring)."""
ERROR_CODES = "5.."


class GateSource(Protocol):
    async def readings(self, namespace: str, service: str, revision: str, since: float) -> Readings | None:
        """`revision`'s answers from `since` (Unix seconds) to now; None if nothing can be read (then
        `problem` says why)."""
        ...

    def problem(self, namespace: str, service: str) -> str | None:
        """Why the Service's last readings were None (None: they were not)."""
        ...

    async def close(self) -> None: ...


def gate_source(dashboard: Dashboard) -> GateSource:
    """Prometheus when `settings.prometheus_url` is set, else a probe of the Service."""
    url = dashboard.settings.prometheus_url
    if url:
        return PrometheusGateSource(url)
    return ProbeGateSource(dashboard)


# ------------------------------------------------------------------------------------------ the probe


class ProbeGateSource:
    """Readings from probes of the Service's route URL, one running per Service while asked about."""

    CLIENT = "rollout-gates"
    """Whom these probes' starts count against in the registry's start limiter."""

    def __init__(
        self,
        dashboard: Dashboard,
        *,
        rate: float = 10.0,
        idle_seconds: float = 60.0,
        keep_probes: int = 12,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.dashboard = dashboard
        self.rate = rate
        self.idle_seconds = idle_seconds
        self.keep_probes = keep_probes
        self.wall = wall
        self._probes: dict[tuple[str, str], list[Probe]] = {}
        self._asked: dict[tuple[str, str], float] = {}
        self._problems: dict[tuple[str, str], str] = {}
        self._lock = asyncio.Lock()

    def problem(self, namespace: str, service: str) -> str | None:
        return self._problems.get((namespace, service))

    def probes(self, namespace: str, service: str) -> list[Probe]:
        """The probes this source started for the Service, latest last."""
        return list(self._probes.get((namespace, service), ()))

    async def readings(self, namespace: str, service: str, revision: str, since: float) -> Readings | None:
        key = (namespace, service)
        async with self._lock:
            self._asked[key] = time.monotonic()
            await self._stop_idle()
            probes = self._probes.setdefault(key, [])
            if not probes or probes[-1].finished:
                try:
                    probes.append(await self._start(namespace, service))
                except (ProbeError, LoadError) as exc:
                    self._problems[key] = f"cannot probe {service}: {exc}"
                    return None
                del probes[: max(0, len(probes) - self.keep_probes)]
            self._problems.pop(key, None)
            # the probes' clock is monotonic; `since` is wall-clock time
            since_monotonic = since - (self.wall() - time.monotonic())
            answers = [answer for probe in probes for answer in probe.answers]
        return revision_readings(answers, revision, since_monotonic)

    async def _start(self, namespace: str, service: str) -> Probe:
        registry = self.dashboard.probes
        limits = registry.limits
        fields = {
            "count": str(limits.max_count),
            "rate": f"{min(self.rate, limits.max_rate):g}",
            "duration": f"{limits.max_duration:g}",
        }
        spec, target, configured, attribution = await anyio.to_thread.run_sync(
            plan, self.dashboard, registry, namespace, service, fields
        )
        return registry.start(
            spec,
            target,
            configured,
            attribution,
            client=self.CLIENT,
            reader=split_reader(self.dashboard, spec),
        )

    async def _stop_idle(self) -> None:
        """Stop the probes of Services nobody asked about for `idle_seconds`."""
        now = time.monotonic()
        for key, asked in list(self._asked.items()):
            if now - asked > self.idle_seconds:
                for probe in self._probes.pop(key, ()):
                    await self.dashboard.probes.stop(probe)
                del self._asked[key]
                self._problems.pop(key, None)

    async def close(self) -> None:
        async with self._lock:
            for probes in self._probes.values():
                for probe in probes:
                    await self.dashboard.probes.stop(probe)
            self._probes.clear()
            self._asked.clear()


# ------------------------------------------------------------------------------------------ Prometheus


def _selector(namespace: str, revision: str, *, errors_only: bool = False) -> str:
    labels = f"k8s_namespace_name={json.dumps(namespace)},kn_revision_name={json.dumps(revision)}"
    if errors_only:
        labels += f",http_response_status_code=~{json.dumps(ERROR_CODES)}"
    return "{" + labels + "}"


def count_query(namespace: str, revision: str, window: int, *, errors_only: bool = False) -> str:
    """The revision's answers (or its 5xx answers) in the last `window` seconds."""
    selector = _selector(namespace, revision, errors_only=errors_only)
    return f"sum(increase({METRIC}_count{selector}[{window}s]))"


def p95_query(namespace: str, revision: str, window: int) -> str:
    """The 95th percentile of the revision's latency in the last `window` seconds (seconds)."""
    selector = _selector(namespace, revision)
    return f"histogram_quantile(0.95, sum by (le) (increase({METRIC}_bucket{selector}[{window}s])))"


class PrometheusError(Exception):
    """Prometheus could not be asked, refused, or answered something else than a query result."""


class PrometheusGateSource:
    """Readings from a Prometheus that scrapes Knative's queue-proxies (async, one client)."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 5.0,
        wall: Callable[[], float] = time.time,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"SPLITBOARD_PROMETHEUS_URL must be an http(s) URL, got {url!r}")
        self.url = url.rstrip("/")
        self.wall = wall
        self._client = httpx.AsyncClient(timeout=timeout, trust_env=False, follow_redirects=False)
        self._problems: dict[tuple[str, str], str] = {}

    def problem(self, namespace: str, service: str) -> str | None:
        return self._problems.get((namespace, service))

    async def readings(self, namespace: str, service: str, revision: str, since: float) -> Readings | None:
        now = self.wall()
        if since >= now:
            return Readings(0, 0, None, "prometheus")  # a window not begun holds no answers
        window = max(1, math.ceil(now - since))  # PromQL ranges are whole seconds here: rounded up
        try:
            total, errors, p95 = await asyncio.gather(
                self.query(count_query(namespace, revision, window), now),
                self.query(count_query(namespace, revision, window, errors_only=True), now),
                self.query(p95_query(namespace, revision, window), now),
            )
        except PrometheusError as exc:
            self._problems[(namespace, service)] = str(exc)
            return None
        self._problems.pop((namespace, service), None)
        requests = round(total or 0.0)
        failed = min(requests, round(errors or 0.0))
        p95_ms = p95 * 1000 if p95 is not None and math.isfinite(p95) and p95 >= 0 else None
        return Readings(requests, failed, p95_ms, "prometheus")

    async def query(self, promql: str, at: float) -> float | None:
        """The single sample `promql` yields at `at` (None: an empty result or NaN)."""
        endpoint = f"{self.url}/api/v1/query"
        try:
            response = await self._client.post(endpoint, data={"query": promql, "time": f"{at:.3f}"})
        except httpx.HTTPError as exc:
            raise PrometheusError(f"Prometheus at {self.url} is unreachable: {_describe(exc)}") from None
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if not isinstance(payload, Mapping):
            raise PrometheusError(
                f"Prometheus at {self.url} answered {response.status_code} with something that is not"
                " its API's JSON (is the URL a Prometheus?)"
            )
        if payload.get("status") != "success":
            error = payload.get("error") or f"HTTP {response.status_code}"
            raise PrometheusError(f"Prometheus at {self.url} refused the query {promql}: {error}")
        return _sample(payload.get("data"), self.url)

    async def close(self) -> None:
        await self._client.aclose()


def _sample(data: Any, url: str) -> float | None:
    garbled = PrometheusError(f"Prometheus at {url} answered with a result that is not an instant vector")
    if not isinstance(data, Mapping) or data.get("resultType") != "vector":
        raise garbled
    result = data.get("result")
    if not isinstance(result, list):
        raise garbled
    if not result:
        return None
    first = result[0]
    value = first.get("value") if isinstance(first, Mapping) else None
    if not isinstance(value, list) or len(value) != 2 or not isinstance(value[1], str):
        raise garbled
    try:
        number = float(value[1])
    except ValueError:
        raise garbled from None
    return None if math.isnan(number) else number


def _describe(exc: httpx.HTTPError) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
