"""The request simulator: an HTTP port that answers like Knative behind Istio, by Host header.

`curl -H "Host: customer.labs-1.<domain>" http://127.0.0.1:PORT/` is routed as the gateway would
(see `matching`): a weighted pick among the route's current revisions, the autoscaler told of the
request (so pods follow load, and a revision at zero cold-starts while the request waits), then a
ready pod answers as the lab's app does (see `replies`), with envoy's headers. Unknown hosts get
Istio's empty 404; a revision that finds no ready pod within `timeout` seconds gets 503.

A revision annotated with `sim.splitboard.dev/faults` (app.model.faults) misbehaves on demand: each
answer it gives first waits the delay, and the given fraction of them are errors. Such an error comes
from the revision (its app or queue-proxy), not from the gateway, so it carries the revision headers
every answer of that revision carries here. Every answer a revision gives is counted in `metrics`, as
its queue-proxy would count it for Prometheus.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from app.model.faults import NO_FAULTS, Faults, faults_of
from app.model.labels import CONFIGURATION_LABEL, SERVICE_LABEL
from app.model.naming import local_host
from app.model.routing import NAMESPACE_HEADER, REVISION_HEADER
from app.sim.client import Client
from app.sim.ingress.matching import (
    Backend,
    kingress_backends,
    pick,
    request_host,
    revision_host,
    route_backends,
)
from app.sim.ingress.metrics import RequestMetrics
from app.sim.ingress.replies import CONTENT_TYPE, body, callee, version_of
from app.sim.loopback import LoopbackPort
from app.sim.storage.resources import KINGRESSES, REVISIONS, VIRTUAL_SERVICES
from app.sim.workloads.autoscaling import Autoscaler
from app.sim.workloads.replicating import Dispatch, PodsController

log = logging.getLogger(__name__)

NO_UPSTREAM = "no healthy upstream"


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: status, headers (beyond date/server/content-length) and body."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    text: str = ""


@dataclass(frozen=True)
class _Served:
    """What answered a request: the entry pod, its revision's VERSION, the services reached."""

    dispatch: Dispatch
    version: str
    services: list[str]
    faults: Faults = NO_FAULTS
    """What the entry revision's annotation asks of its answers."""


class IngressServer:
    """Serves simulated requests on `host:port` while the cluster runs (a Controller).

    The port is chosen at the first start (0: any free port) and kept by later starts.
    """

    def __init__(
        self,
        autoscaler: Autoscaler,
        pods: PodsController,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._autoscaler = autoscaler
        self._pods = pods
        self._port = LoopbackPort(host, port, "sim-ingress")
        self._timeout = timeout
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        self.metrics = RequestMetrics()
        self._client: Client | None = None

    @property
    def host(self) -> str:
        return self._port.host

    @property
    def port(self) -> int:
        return self._port.port

    @property
    def url(self) -> str:
        """`http://host:port` (the port is known once started)."""
        return self._port.url

    def start(self, client: Client) -> None:
        """Bind the port and serve requests on a thread (one more thread per connection)."""
        if self._port.serving:
            return
        self._client = client
        self._port.start(lambda address: _Server(address, self))

    def stop(self) -> None:
        """Stop serving and free the port."""
        self._port.stop()

    # --- one request -----------------------------------------------------------------------------

    def answer(self, host_header: str, headers: Mapping[str, str]) -> Reply:
        """The reply to a request with this Host header (and request headers)."""
        client = self._client
        if client is None:
            raise RuntimeError("the ingress is not started")
        started = time.monotonic()
        backend = self._route(client, request_host(host_header), headers)
        if backend is None:
            return Reply(404)
        served = self._serve(client, backend)
        if served is None:
            return Reply(503, (("content-type", "text/plain"),), NO_UPSTREAM)
        faults = served.faults
        if faults.delay_ms > 0:
            time.sleep(faults.delay_ms / 1000)  # this connection's own thread: other answers go on
        with self._rng_lock:
            failing = faults.error_rate > 0 and self._rng.random() < faults.error_rate
        sent = dict(backend.headers)
        seconds = time.monotonic() - started
        revision = (REVISION_HEADER, sent.get(REVISION_HEADER, backend.revision))
        namespace = (NAMESPACE_HEADER, sent.get(NAMESPACE_HEADER, backend.namespace))
        upstream = ("x-envoy-upstream-service-time", str(round(seconds * 1000)))
        self.metrics.record(backend.namespace, backend.revision, faults.status if failing else 200, seconds)
        if failing:
            text = f"simulated fault: {backend.revision} answered {faults.status}\n"
            return Reply(faults.status, (("content-type", "text/plain"), revision, namespace, upstream), text)
        return Reply(
            200,
            (("content-type", CONTENT_TYPE), revision, namespace, upstream),
            body(served.services, served.version, served.dispatch.pod, served.dispatch.count),
        )

    def _serve(self, client: Client, backend: Backend) -> _Served | None:
        """Deliver a request to a pod of the backend's revision and, through the mesh, to the service
        it calls; the autoscaler counts the request in flight until the callee has answered.
        None when a revision is missing or found no ready pod in time."""
        revision = client.lister.get(client.registry.get(REVISIONS), backend.namespace, backend.revision)
        if revision is None:
            return None
        labels = revision["metadata"].get("labels") or {}
        service = labels.get(SERVICE_LABEL) or labels.get(CONFIGURATION_LABEL) or backend.revision
        self._autoscaler.request_started(backend.namespace, backend.revision)
        try:
            dispatch = self._pods.dispatch(backend.namespace, backend.revision, self._timeout)
            if dispatch is None:
                return None
            services = [service]
            next_service = callee(service)
            hop = (
                self._route(client, local_host(next_service, backend.namespace), {}) if next_service else None
            )
            if hop is not None:
                called = self._serve(client, hop)
                if called is None:
                    return None
                services += called.services
            return _Served(dispatch, version_of(revision), services, faults_of(revision))
        finally:
            self._autoscaler.request_finished(backend.namespace, backend.revision)

    def _route(self, client: Client, host: str, headers: Mapping[str, str]) -> Backend | None:
        """The revision a request for `host` goes to (weighted pick), or None for an unknown host."""
        served = {rt.key for rt in client.registry.all()}
        backends = None
        if VIRTUAL_SERVICES in served:
            services = client.lister.list(client.registry.get(VIRTUAL_SERVICES))
            backends = route_backends(services, host, headers)
        if backends is None:
            kingresses = client.lister.list(client.registry.get(KINGRESSES))
            backends = kingress_backends(kingresses, host, headers)
        if backends is None:
            direct = revision_host(host)
            if direct is None or client.lister.get(client.registry.get(REVISIONS), *direct) is None:
                return None
            backends = [Backend(direct[0], direct[1], 100)]
        with self._rng_lock:
            return pick(backends, self._rng)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], ingress: IngressServer) -> None:
        self.ingress = ingress
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive; every method is answered the same way (the apps ignore it)."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall
    timeout = 30  # seconds an idle keep-alive connection is kept
    server: _Server

    def version_string(self) -> str:
        return "istio-envoy"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def _answer(self, with_body: bool = True) -> None:
        raw_length = self.headers.get("Content-Length") or "0"
        if not raw_length.isdigit():
            self.send_error(400, "bad Content-Length")
            return
        if int(raw_length):
            self.rfile.read(int(raw_length))  # the apps ignore bodies
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True  # an unread chunked body: do not parse it as the next request
        try:
            reply = self.server.ingress.answer(self.headers.get("Host", ""), dict(self.headers.items()))
        except Exception:
            log.exception("the simulated ingress failed to answer")
            reply = Reply(500, (("content-type", "text/plain"),), "internal error in the simulated ingress")
        data = reply.text.encode()
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if with_body and data:
            self.wfile.write(data)

    def do_GET(self) -> None:
        self._answer()

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET
