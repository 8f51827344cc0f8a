"""The measurements: page latencies, API requests per view, patch-to-SSE, SSE fan-out, demo start."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from bench.serving import PROJECT_ROOT, ServedDashboard, stop, wait_until_ok
from bench.splitting import LIMITS, SplitTarget, apply_split, load_target
from bench.sse import SseStream
from bench.stats import Timing

KUBECTL = "/usr/bin/kubectl"
KUBECTL_KINDS = "ksvc,revisions,routes,virtualservices,services"
INITIAL_SECTION = b"event: pods\n"
"""The namespace stream's last section: once it arrived, the stream shows the whole page."""


def time_calls(call: Callable[[], None], n: int, warmup: int = 3) -> Timing:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return Timing(tuple(samples))


def page_latency(http: httpx.Client, path: str, n: int, warmup: int = 3) -> Timing:
    """GET `path` n times on one keep-alive connection (each answer read whole, checked 200)."""

    def get() -> None:
        answer = http.get(path)
        if answer.status_code != 200:
            raise RuntimeError(f"GET {path}: {answer.status_code} {answer.text[:200]}")

    return time_calls(get, n, warmup)


def lone_page_latency(http: httpx.Client, path: str, n: int, gap: float = 1.1) -> Timing:
    """GET `path` n times, `gap` seconds apart: each view comes alone, in a second of its own (what one
    person clicking around sees; nothing rendered for an earlier view can be reused)."""
    samples = []
    for _ in range(n):
        time.sleep(gap)
        started = time.perf_counter()
        answer = http.get(path)
        samples.append(time.perf_counter() - started)
        if answer.status_code != 200:
            raise RuntimeError(f"GET {path}: {answer.status_code} {answer.text[:200]}")
    return Timing(tuple(samples))


def kubectl_latency(kubeconfig: Path, namespace: str, cache_dir: Path, n: int) -> Timing:
    """`kubectl get ksvc,revisions,routes,virtualservices,services -n NS` (discovery cache warmed first)."""
    command = [KUBECTL, "--kubeconfig", str(kubeconfig), "--cache-dir", str(cache_dir)]
    command += ["get", KUBECTL_KINDS, "-n", namespace]

    def run() -> None:
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    return time_calls(run, n, warmup=1)


def requests_during(count: Callable[[], int], call: Callable[[], None], n: int) -> float:
    """API requests the server answered per call, over n calls."""
    before = count()
    for _ in range(n):
        call()
    return (count() - before) / n


def percent_for(sample: int) -> int:
    """A different split for every sample (never 50, the scenario's own)."""
    return 1 + (sample * 37) % 98 if (sample * 37) % 98 != 49 else 99


async def patch_to_sse(dashboard: ServedDashboard, namespace: str, service: str, n: int) -> Timing:
    """Apply a split n times; each time, until one SSE client of the namespace page shows it served."""
    async with httpx.AsyncClient(
        base_url=dashboard.url, headers=dashboard.auth, timeout=30, limits=LIMITS
    ) as http:
        target = await load_target(http, namespace, service)
        stream = SseStream(dashboard.host, dashboard.port, f"/namespaces/{namespace}/events")
        await stream.open()
        try:
            await stream.wait_for(INITIAL_SECTION, since=0, timeout=60)
            samples = []
            for sample in range(n):
                samples.append(await _one_change(http, target, [stream], percent_for(sample)))
                stream.trim()
            return Timing(tuple(samples))
        finally:
            await stream.close()


async def _one_change(
    http: httpx.AsyncClient, target: SplitTarget, streams: list[SseStream], p: int
) -> float:
    """Seconds from sending the apply until the last of `streams` shows the split served."""
    marks = [s.offset for s in streams]
    started = time.perf_counter()
    answer = await apply_split(http, target, p)
    if answer.status_code != 200:
        raise RuntimeError(f"apply {p}% answered {answer.status_code}: {answer.text[:300]}")
    marker = target.marker(p)
    arrived = await asyncio.gather(
        *(s.wait_for(marker, since=m, timeout=60) for s, m in zip(streams, marks, strict=True))
    )
    return max(arrived) - started


async def fan_out(
    dashboard: ServedDashboard, namespace: str, service: str, clients: int, rounds: int
) -> Timing:
    """`clients` SSE clients on the namespace page; per round, one change and the time until all have it."""
    async with httpx.AsyncClient(
        base_url=dashboard.url, headers=dashboard.auth, timeout=30, limits=LIMITS
    ) as http:
        target = await load_target(http, namespace, service)
        streams = [
            SseStream(dashboard.host, dashboard.port, f"/namespaces/{namespace}/events")
            for _ in range(clients)
        ]
        try:
            for stream in streams:
                await stream.open()
            await asyncio.gather(*(s.wait_for(INITIAL_SECTION, since=0, timeout=300) for s in streams))
            samples = []
            for round_ in range(rounds):
                for stream in streams:
                    stream.trim()
                samples.append(await _one_change(http, target, streams, percent_for(100 + round_)))
            return Timing(tuple(samples))
        finally:
            await asyncio.gather(*(s.close() for s in streams))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def demo_ready(n: int, timeout: float = 60.0) -> Timing:
    """`splitboard demo` from process start until /readyz answers 200, n times."""
    samples = []
    for _ in range(n):
        port = free_port()
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "demo", "--host", "127.0.0.1", "--port", str(port)],
            cwd=PROJECT_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            ready = wait_until_ok(f"http://127.0.0.1:{port}/readyz", timeout, process)
            samples.append(ready - started)
        finally:
            stop(process)
    return Timing(tuple(samples))
