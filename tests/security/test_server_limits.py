"""Connection limits: slow or idle request heads are cut off, one address cannot hold every connection,
and running out of file descriptors is survived calmly (a few log lines, service resumes)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from app.web.listening import REFUSAL
from tests.support.guarded import MakeDashboard

ROOT = Path(__file__).resolve().parents[2]
NOFILE = 160
"""The served process's descriptor cap: the idle sockets below are more than it can hold."""
IDLE_SOCKETS = 300


def _connect(url: str, source: str = "127.0.0.1") -> socket.socket:
    parts = urlsplit(url)
    return socket.create_connection(
        (parts.hostname or "127.0.0.1", parts.port or 80), timeout=30, source_address=(source, 0)
    )


def _closed_by_server(sock: socket.socket) -> bool:
    """Reads until the server closes the connection (True) or the socket's timeout passes (False)."""
    try:
        while sock.recv(4096):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        pass
    return True


def test_a_connection_that_sends_nothing_is_closed(make_dashboard: MakeDashboard) -> None:
    served = make_dashboard(header_timeout_seconds=0.5)
    with _connect(served.url) as sock:
        assert _closed_by_server(sock)


def test_a_request_head_that_never_ends_is_closed(make_dashboard: MakeDashboard) -> None:
    served = make_dashboard(header_timeout_seconds=0.5)
    with _connect(served.url) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        assert _closed_by_server(sock)


def test_a_kept_alive_connection_without_a_request_is_closed(make_dashboard: MakeDashboard) -> None:
    served = make_dashboard(idle_timeout_seconds=0.5)
    with _connect(served.url) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        assert _closed_by_server(sock)


def test_the_server_answers_requests_that_come_in_time(make_dashboard: MakeDashboard) -> None:
    served = make_dashboard(header_timeout_seconds=0.5)
    for _ in range(3):
        assert served.client.get("/healthz").text == "ok"


@dataclass
class LimitedServer:
    """The dashboard in a process with few file descriptors, and what it logged so far."""

    url: str
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def read_log(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self.changed:
                self.lines.append(line)
                self.changed.notify_all()

    def wait_for_log(self, text: str) -> None:
        with self.changed:
            found = self.changed.wait_for(lambda: any(text in line for line in self.lines), timeout=60)
        assert found, f"never logged {text!r}: {self.lines[-20:]}"

    def logged(self, text: str) -> list[str]:
        with self.changed:
            return [line for line in self.lines if text in line]


@contextmanager
def limited_server(kubeconfig: Path, **settings: str) -> Iterator[LimitedServer]:
    env = {**os.environ, **{f"SPLITBOARD_{k.upper()}": v for k, v in settings.items()}}
    command = [sys.executable, "-m", "tests.security.limited_server", str(kubeconfig), str(NOFILE)]
    with subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            assert process.stdout is not None
            served = LimitedServer(f"http://127.0.0.1:{int(process.stdout.readline())}", process)
            threading.Thread(target=served.read_log, daemon=True).start()
            assert httpx.get(served.url + "/healthz", timeout=30).text == "ok"
            yield served
        finally:
            process.terminate()
            process.wait(30)


def _idle_sockets(stack: ExitStack, url: str) -> list[socket.socket]:
    return [stack.enter_context(_connect(url)) for _ in range(IDLE_SOCKETS)]


def test_idle_sockets_beyond_the_per_client_cap_do_not_lock_out_another_client(
    knative_kubeconfig: Path,
) -> None:
    with (
        limited_server(knative_kubeconfig, max_connections_per_client="20") as served,
        ExitStack() as stack,
    ):
        idle = _idle_sockets(stack, served.url)
        other = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"), timeout=30)
        with other:
            assert other.get(served.url + "/healthz").text == "ok"
        # The excess got a clear refusal, not silence.
        assert idle[-1].recv(len(REFUSAL)).startswith(b"HTTP/1.1 503")


def test_running_out_of_file_descriptors_is_survived_with_few_log_lines(knative_kubeconfig: Path) -> None:
    with limited_server(
        knative_kubeconfig, max_connections_per_client="0", header_timeout_seconds="600"
    ) as served:
        with ExitStack() as stack:
            _idle_sockets(stack, served.url)
            served.wait_for_log("accept")  # the server has run out of descriptors
        # The idle sockets are closed: descriptors free up and the server answers again.
        with httpx.Client(timeout=60) as client:
            assert client.get(served.url + "/healthz").text == "ok"
            assert client.get(served.url + "/namespaces/labs-1").status_code == 200
        logged = served.logged("accept")
        assert 1 <= len(logged) <= 3, logged[:5]
