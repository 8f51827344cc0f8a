"""What a probe may cost the dashboard: a hostile body pattern over long answers never stops it
answering, patterns that need backtracking are refused, starts are limited per client, and probes
are off where writes are."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast

import httpx
from kubernetes.client import ApiClient

from app.settings import ENV_PREFIX, Settings
from tests.support.serving import Dashboard, serve
from tests.support.waiting import wait_until
from tests.web.demo.conftest import API_TOKEN, NAMESPACE, DemoCluster

HOSTILE_PATTERN = r"(\w+\s?)+$"
"""Backtracks exponentially in Python's `re` on a long word not followed by the end of the text."""
HOSTILE_BODY = (b"a" * 40 + b"!") * 5000
"""A 200 KB answer on which that pattern would run for days in Python's `re` (2**40 ways per word)."""
HANG_GUARD = 20.0
"""Seconds the test waits for any answer of the dashboard before calling it frozen: far more than an
answer needs; a frozen dashboard never answers at all."""
SERVICE = f"/namespaces/{NAMESPACE}/services/customer"
ROOT = Path(__file__).resolve().parents[3]


class HostileIngress:
    """The ingress the dashboard probes through: its first answer is HOSTILE_BODY; every later request
    waits for `release` (so the probe is still running while the test looks), then ends in v4: the
    hostile pattern's group is then that version token."""

    def __init__(self) -> None:
        self.hostile_sent = threading.Event()
        self.release = threading.Event()
        self.requests = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests += 1
                first = owner.requests == 1
                if not first:
                    owner.release.wait(60)
                body = HOSTILE_BODY if first else b"hello from v4"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the probe read what it searches and hung up
                    self.wfile.write(body)
                if first:
                    owner.hostile_sent.set()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        host, port = self.server.server_address[:2]
        self.url = f"http://{host!s}:{port}"

    @contextlib.contextmanager
    def serving(self) -> Iterator[HostileIngress]:
        thread = threading.Thread(target=self.server.serve_forever, name="hostile-ingress", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.release.set()
            self.server.shutdown()
            self.server.server_close()


@contextlib.contextmanager
def dashboard_process(kubeconfig: Path, ingress_url: str, workdir: Path) -> Iterator[str]:
    """`splitboard serve` in a process of its own, as people run it; yields its URL.

    Its own process, because a search that holds the interpreter would freeze this test too (the
    search keeps the GIL), and then nothing would be left to notice the freeze."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)} | {"PYTHONPATH": str(ROOT)}
    args = ["serve", "--kubeconfig", str(kubeconfig), "--port", str(port), "--ingress-url", ingress_url]
    log = (workdir / "dashboard.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", *args, "--auth-token", API_TOKEN],
        cwd=workdir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        assert proc.poll() is None, (workdir / "dashboard.log").read_text()
        with contextlib.suppress(httpx.HTTPError):
            return httpx.get(f"{url}/readyz", timeout=HANG_GUARD).status_code == 200
        return False

    try:
        assert wait_until(up, 60, interval=0.1), "the dashboard did not become ready"
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _client() -> httpx.Client:
    return httpx.Client(timeout=HANG_GUARD, headers={"Authorization": f"Bearer {API_TOKEN}"})


def _probes(url: str) -> str:
    return f"{url}/api{SERVICE}/probes"


def _until(client: httpx.Client, url: str, done: str, deadline: float = 30.0) -> dict[str, Any]:
    """Poll a probe until `done` ("answered": its first answer is tallied; "finished": not running)."""
    end = time.monotonic() + deadline
    while True:
        body = cast(dict[str, Any], client.get(url).json())
        reached = body["sent"] >= 1 if done == "answered" else body["state"] != "running"
        if reached or time.monotonic() > end:
            return body
        time.sleep(0.05)


def test_a_hostile_pattern_over_long_answers_never_stops_the_dashboard_answering(
    demo_cluster: DemoCluster, tmp_path: Path
) -> None:
    with (
        HostileIngress().serving() as ingress,
        dashboard_process(demo_cluster.kubeconfig, ingress.url, tmp_path) as url,
        _client() as client,
    ):
        started = client.post(_probes(url), json={"count": 2, "rate": 0.2, "pattern": HOSTILE_PATTERN})
        assert started.status_code == 201, started.text
        probe_url = f"{_probes(url)}/{started.json()['id']}"
        assert ingress.hostile_sent.wait(HANG_GUARD)

        # The hostile answer is being searched or was: a frozen dashboard would answer none of these.
        answered = _until(client, probe_url, "answered")
        health = client.get(f"{url}/healthz")
        page = client.get(f"{url}{SERVICE}/demo")
        during = client.get(probe_url).json()
        assert answered["sent"] == 1 and answered["unattributed"] == 1, answered
        assert health.status_code == 200
        assert page.status_code == 200 and 'class="card demo-probe"' in page.text
        assert during["state"] == "running"  # its second request is due later and then held

        ingress.release.set()
        final = _until(client, probe_url, "finished")
    assert (final["state"], final["sent"], final["unattributed"]) == ("done", 2, 1), final
    assert [(r["revision"], r["count"]) for r in final["rows"] if r["count"]] == [("customer-v4", 1)]


def test_a_pattern_that_needs_backtracking_is_refused_where_it_was_typed(token_dashboard: Dashboard) -> None:
    with _client() as client:
        api = client.post(_probes(token_dashboard.url), json={"pattern": r"(v\d+)\1"})
        form = client.post(
            f"{token_dashboard.url}{SERVICE}/probes",
            data={"pattern": r"(?<=version )v\d+"},
            headers={"HX-Request": "true"},
        )
        plain = client.post(f"{token_dashboard.url}{SERVICE}/probes", data={"pattern": r"(?=v)\w+"})
    assert api.status_code == 422
    assert api.json()["detail"].startswith("the body pattern needs backtracking")
    assert form.status_code == 200  # htmx swaps only successful answers
    assert 'class="probe-error" role="alert" data-status="422"' in form.text
    assert "Cannot start the probe: the body pattern needs backtracking" in form.text
    assert plain.status_code == 422 and "needs backtracking" in plain.text
    with _client() as client:
        page = client.get(f"{token_dashboard.url}{SERVICE}/demo")
    assert 'class="tally' not in page.text  # nothing started


def test_probe_starts_are_limited_per_client_with_retry_after(
    demo_cluster: DemoCluster, demo_api: ApiClient
) -> None:
    settings = Settings(ingress_url=demo_cluster.ingress_url, auth_token=API_TOKEN, probe_starts_per_minute=2)
    with serve(demo_api, settings, lifespan=True) as dashboard, _client() as client:
        first = client.post(_probes(dashboard.url), json={"count": 1, "rate": 100})
        second = client.post(_probes(dashboard.url), json={"count": 1, "rate": 100})
        third = client.post(_probes(dashboard.url), json={"count": 1, "rate": 100})
        htmx = client.post(
            f"{dashboard.url}{SERVICE}/probes", data={"count": "1"}, headers={"HX-Request": "true"}
        )
    assert (first.status_code, second.status_code) == (201, 201)
    assert third.status_code == 429
    assert 1 <= int(third.headers["Retry-After"]) <= 60
    assert third.json()["detail"].startswith("too many probes started: at most 2 per 60 seconds")
    assert htmx.status_code == 200 and 'data-status="429"' in htmx.text
    assert "Retry-After" in htmx.headers


def test_a_read_only_dashboard_starts_no_probe(demo_cluster: DemoCluster, demo_api: ApiClient) -> None:
    settings = Settings(ingress_url=demo_cluster.ingress_url, auth_token=API_TOKEN, read_only=True)
    with serve(demo_api, settings, lifespan=True) as dashboard, _client() as client:
        api = client.post(_probes(dashboard.url), json={"count": 1})
        form = client.post(f"{dashboard.url}{SERVICE}/probes", data={"count": "1"})
        htmx = client.post(
            f"{dashboard.url}{SERVICE}/probes", data={"count": "1"}, headers={"HX-Request": "true"}
        )
        page = client.get(f"{dashboard.url}{SERVICE}/demo")
    message = "Splitboard runs read-only: probes, which send traffic to the Service, are off."
    assert api.status_code == 403 and api.json()["detail"] == message
    assert form.status_code == 403 and message in form.text
    assert 'data-status="403"' in htmx.text and message in htmx.text
    assert page.status_code == 200
    assert 'class="probe-form"' not in page.text and message in page.text
