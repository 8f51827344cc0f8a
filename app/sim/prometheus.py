"""A small Prometheus HTTP API over the simulated gateway's request metrics, on its own loopback port.

It answers `GET|POST /api/v1/query` for the queries a rollout gate asks of Knative's queue-proxy
histogram `kn_serving_invocation_duration_seconds` (the OpenTelemetry instrument
`kn.serving.invocation.duration` as Prometheus names it, labels `k8s_namespace_name`, `kn_revision_name`
and `http_response_status_code`; see app.sim.ingress.metrics for the upstream files):

- `sum(increase(kn_serving_invocation_duration_seconds_count{<selector>}[<n>s]))`: answers in the window,
  where the selector names the namespace and revision and may add `http_response_status_code=~"5.."`;
- `histogram_quantile(<q>, sum by (le) (increase(kn_serving_invocation_duration_seconds_bucket{<selector>}
  [<n>s])))`: the latency quantile, interpolated within the buckets as Prometheus does.

It is not PromQL: anything else gets Prometheus's own 400 `bad_data` error, so a dashboard that drifts
from these shapes fails its tests instead of reading zeros. `increase` here counts the answers in the
window exactly (a real Prometheus extrapolates from scrapes); a series that never had an answer is absent
from the result, as one that was never scraped is.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from app.sim.client import Client
from app.sim.ingress.metrics import Observation, RequestMetrics, cumulative_buckets
from app.sim.loopback import LoopbackPort

log = logging.getLogger(__name__)

METRIC = "kn_serving_invocation_duration_seconds"
_LABEL = r'\s*(\w+)\s*(=~|=)\s*"((?:[^"\\]|\\.)*)"\s*'
_SELECTOR = rf"\{{(?P<selector>(?:{_LABEL},)*{_LABEL},?)\}}\s*\[\s*(?P<window>\d+)s\s*\]"
_COUNT = re.compile(rf"^\s*sum\s*\(\s*increase\s*\(\s*{METRIC}_count\s*{_SELECTOR}\s*\)\s*\)\s*$")
_QUANTILE = re.compile(
    rf"^\s*histogram_quantile\s*\(\s*(?P<q>[0-9.]+)\s*,\s*sum\s+by\s*\(\s*le\s*\)\s*\(\s*increase\s*\(\s*"
    rf"{METRIC}_bucket\s*{_SELECTOR}\s*\)\s*\)\s*\)\s*$"
)
_PAIR = re.compile(_LABEL)
ERROR_CODES = "5.."
"""The one regular expression a status code label may be matched with: every 5xx."""


class QueryError(ValueError):
    """A query this API does not answer (Prometheus's `bad_data`)."""


def _selector(body: str) -> tuple[str, str, bool]:
    """(namespace, revision, only 5xx) from a label selector's text; QueryError for anything else."""
    namespace = revision = None
    errors_only = False
    for name, op, value in _PAIR.findall(body):
        if name == "k8s_namespace_name" and op == "=":
            namespace = value
        elif name == "kn_revision_name" and op == "=":
            revision = value
        elif name == "http_response_status_code" and op == "=~" and value == ERROR_CODES:
            errors_only = True
        else:
            raise QueryError(f"unsupported matcher {name}{op}{json.dumps(value)}")
    if namespace is None or revision is None:
        raise QueryError("the selector must name k8s_namespace_name and kn_revision_name")
    return namespace, revision, errors_only


def histogram_quantile(q: float, buckets: Sequence[tuple[float, float]]) -> float:
    """Prometheus's histogram_quantile over cumulative (upper bound, count) buckets ending at +Inf:
    linear interpolation inside the bucket holding the rank (from 0 in the first), the highest finite
    bound when the rank lies in +Inf, NaN without observations."""
    if math.isnan(q):
        return math.nan
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    ordered = sorted(buckets)
    if len(ordered) < 2 or not math.isinf(ordered[-1][0]):
        return math.nan
    total = ordered[-1][1]
    if total == 0:
        return math.nan
    rank = q * total
    index = next(i for i, (_, count) in enumerate(ordered) if count >= rank)
    if index == len(ordered) - 1:
        return ordered[-2][0]
    end, count = ordered[index]
    if index == 0 and end <= 0:
        return end
    start, below = (0.0, 0.0) if index == 0 else ordered[index - 1]
    return start + (end - start) * ((rank - below) / (count - below))


def evaluate(metrics: RequestMetrics, query: str, at: float) -> list[dict[str, Any]]:
    """The instant vector `query` yields at `at` (Unix seconds); QueryError when not one of the shapes."""
    counting = _COUNT.match(query)
    quantile = _QUANTILE.match(query)
    if counting is None and quantile is None:
        raise QueryError(
            f"unsupported query {query!r}: this simulated Prometheus answers only the rollout gate's"
            f" sum(increase({METRIC}_count{{...}}[Ns])) and histogram_quantile(q, sum by (le)"
            f" (increase({METRIC}_bucket{{...}}[Ns])))"
        )
    found = counting or quantile
    assert found is not None
    selector, window = found.group("selector"), int(found.group("window"))
    if window <= 0:
        raise QueryError("the range must be positive")
    namespace, revision, errors_only = _selector(selector)
    if (namespace, revision) not in metrics.series():
        return []
    seen: list[Observation] = metrics.window(namespace, revision, at - window, at)
    if counting is not None:
        if errors_only:
            if not any(500 <= o.status <= 599 for o in metrics.window(namespace, revision, -math.inf, at)):
                return []  # no 5xx series was ever reported
            seen = [o for o in seen if 500 <= o.status <= 599]
        return [{"metric": {}, "value": [at, _number(float(len(seen)))]}]
    if errors_only:
        seen = [o for o in seen if 500 <= o.status <= 599]
    assert quantile is not None
    q = float(quantile.group("q"))
    value = histogram_quantile(q, [(le, float(n)) for le, n in cumulative_buckets(seen)])
    return [{"metric": {}, "value": [at, _number(value)]}]


def _number(value: float) -> str:
    """A sample value as Prometheus's JSON writes it."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value) if value != int(value) else str(int(value))


class PrometheusServer:
    """Serves the API on `host:port` while the cluster runs (a Controller); the port is chosen at the
    first start (0: any free port) and kept by later starts."""

    def __init__(
        self,
        metrics: RequestMetrics,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.metrics = metrics
        self.clock = clock
        self._port = LoopbackPort(host, port, "sim-prometheus")

    @property
    def url(self) -> str:
        return self._port.url

    def start(self, client: Client) -> None:
        self._port.start(lambda address: _Server(address, self))

    def stop(self) -> None:
        self._port.stop()

    def answer(self, path: str, params: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        """(status, JSON body) for a request to `path` with these query or form parameters."""
        if path != "/api/v1/query":
            return 404, {"status": "error", "errorType": "not_found", "error": f"no API at {path}"}
        query = (params.get("query") or [""])[-1]
        raw_time = (params.get("time") or [""])[-1]
        if not query:
            return _bad('invalid parameter "query": no query given')
        try:
            at = float(raw_time) if raw_time else self.clock()
        except ValueError:
            return _bad(f'invalid parameter "time": cannot parse "{raw_time}" to a valid timestamp')
        try:
            result = evaluate(self.metrics, query, at)
        except QueryError as exc:
            return _bad(f'invalid parameter "query": {exc}')
        return 200, {"status": "success", "data": {"resultType": "vector", "result": result}}


def _bad(message: str) -> tuple[int, dict[str, Any]]:
    return 400, {"status": "error", "errorType": "bad_data", "error": message}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], api: PrometheusServer) -> None:
        self.api = api
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def _reply(self, params: dict[str, list[str]]) -> None:
        url = urlsplit(self.path)
        merged = parse_qs(url.query)
        for key, values in params.items():
            merged.setdefault(key, []).extend(values)
        status, payload = self.server.api.answer(url.path, merged)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._reply({})

    def do_POST(self) -> None:
        raw_length = self.headers.get("Content-Length") or "0"
        length = int(raw_length) if raw_length.isdigit() else 0
        body = self.rfile.read(min(length, 1 << 16)).decode("utf-8", "replace") if length else ""
        self._reply(parse_qs(body))
