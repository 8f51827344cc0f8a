"""Running the dashboard child process (bench.dashboard) and reading its memory."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ServedDashboard:
    process: subprocess.Popen[str]
    port: int
    token: str
    host: str = "127.0.0.1"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def auth(self) -> dict[str, str]:
        """Headers that allow writes (a Bearer token needs no CSRF token)."""
        return {"Authorization": f"Bearer {self.token}"}

    def rss_bytes(self) -> int:
        return rss_bytes(self.process.pid)


def rss_bytes(pid: int) -> int:
    """A process's resident set size (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def wait_until_ok(url: str, timeout: float, process: subprocess.Popen[str] | None = None) -> float:
    """Poll `url` every 10 ms until it answers 200; return when (perf_counter). TimeoutError after
    `timeout`."""
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2.0) as http:
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
            try:
                if http.get(url).status_code == 200:
                    return time.perf_counter()
            except httpx.TransportError:
                pass
            time.sleep(0.01)
    raise TimeoutError(f"{url} did not answer 200 within {timeout} s")


def stop(process: subprocess.Popen[str], timeout: float = 10.0) -> None:
    """SIGTERM, then SIGKILL if it does not end in time."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)


@contextmanager
def run_dashboard(kubeconfig: Path, token: str, timeout: float = 300.0) -> Iterator[ServedDashboard]:
    """The dashboard child process, ready (its cache has the namespace list) until the block ends.
    `timeout` is generous: on a machine shared with other test runs, the imports alone took 44 s."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.dashboard", str(kubeconfig), token],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        readable, _, _ = select.select([process.stdout], [], [], timeout)
        line = process.stdout.readline() if readable else ""
        if not line.startswith("PORT "):
            raise RuntimeError(f"the dashboard did not start (said {line!r})")
        served = ServedDashboard(process, int(line.split()[1]), token)
        wait_until_ok(f"{served.url}/readyz", timeout, process)
        yield served
    finally:
        stop(process)
        if process.stdout is not None:
            process.stdout.close()
