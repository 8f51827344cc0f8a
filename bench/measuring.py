"""The measurements: page latencies, API requests per view, patch-to-SSE, SSE fan-out, demo start."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.serving import PROJECT_ROOT, ServedDashboard, stop, wait_until_ok
from bench.splitting import LIMITS, SplitTarget, apply_split, load_target
from bench.sse import SseStream
from bench.stats import Timing, percentile

KUBECTL = "/usr/bin/kubectl"
INITIAL_SECTION = b"event: pods\n"
"""The namespace stream's last section: once it arrived, the stream shows the whole page."""
SERVICE_INITIAL_SECTION = b"event: plan\n"
"""The Service stream's last section (the plan comes after the live sections)."""


@dataclass(frozen=True)
class StreamedPage:
    """A page whose SSE stream is timed: its stream's path and the event that ends its first state."""

    label: str
    path: str
    initial: bytes


def namespace_page(namespace: str) -> StreamedPage:
    return StreamedPage("namespace page", f"/namespaces/{namespace}/events", INITIAL_SECTION)


def service_page(namespace: str, service: str) -> StreamedPage:
    """The Service page of the Service whose split is changed: its split bar shows the change."""
    return StreamedPage(
        "Service page", f"/namespaces/{namespace}/services/{service}/events", SERVICE_INITIAL_SECTION
    )


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


def kubectl_latency(kubeconfig: Path, kinds: str, namespace: str | None, cache_dir: Path, n: int) -> Timing:
    """`kubectl get KINDS -n NS` (`-A` when `namespace` is None), discovery cache warmed first."""
    command = [KUBECTL, "--kubeconfig", str(kubeconfig), "--cache-dir", str(cache_dir), "get", kinds]
    command += ["-A"] if namespace is None else ["-n", namespace]

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


class KubectlWatch:
    """`kubectl get ksvc -n NS -w -o json`: each version it prints becomes one line of the Service's
    served split as `revision=percent` pairs, timed as it arrives. It watches the namespace, not the
    one Service by name, and prints JSON, not a jsonpath: on the simulator a watch by `metadata.name`,
    or a jsonpath of the watched versions, printed the first state and never a change (simulator
    gaps, left to its owners; `-o name` and `--raw` showed the events arriving)."""

    def __init__(self, kubeconfig: Path, cache_dir: Path, namespace: str) -> None:
        self.command = [KUBECTL, "--kubeconfig", str(kubeconfig), "--cache-dir", str(cache_dir)]
        self.command += ["get", "ksvc", "-n", namespace, "-w", "-o", "json"]
        self.lines: list[tuple[float, str]] = []
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._new = asyncio.Event()

    async def open(self) -> None:
        """Start watching; returns once kubectl printed a Service's current state."""
        self._process = await asyncio.create_subprocess_exec(
            *self.command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
        )
        self._reader = asyncio.create_task(self._read())
        await self.wait_for(lambda line: True, since=0, timeout=60)

    async def _read(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        decoder, text = json.JSONDecoder(), ""
        while chunk := await self._process.stdout.read(65536):
            at = time.perf_counter()
            text += chunk.decode()
            while text.strip():
                try:
                    obj, end = decoder.raw_decode(text.lstrip())
                except ValueError:
                    break  # the rest of this object is still on its way
                text = text.lstrip()[end:]
                traffic = (obj.get("status") or {}).get("traffic") or []
                self.lines.append(
                    (at, "".join(f"{t.get('revisionName')}={t.get('percent')} " for t in traffic))
                )
                self._new.set()

    @property
    def offset(self) -> int:
        return len(self.lines)

    async def wait_for(self, wanted: Callable[[str], bool], *, since: int, timeout: float) -> float:
        """When (perf_counter) a line `wanted` accepts arrived at or after line `since`."""
        deadline = time.perf_counter() + timeout
        while True:
            for at, line in self.lines[since:]:
                if wanted(line):
                    return at
            since = len(self.lines)
            self._new.clear()
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"kubectl -w never printed the wanted line (last: {self.lines[-1:]})")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new.wait(), remaining)

    async def close(self) -> None:
        if self._process is not None and self._process.returncode is None:
            self._process.terminate()
            await self._process.wait()
        if self._reader is not None:
            await self._reader


@dataclass(frozen=True)
class PatchTimings:
    """Per sample: until the namespace page's SSE client shows the split served, and until a `kubectl
    get -w` watching since before the patch prints it served."""

    sse: Timing
    kubectl: Timing

    def ratio_p50(self) -> float:
        """The p50 of each sample's SSE time over its kubectl time (both saw the same change)."""
        ratios = [s / k for s, k in zip(self.sse.samples, self.kubectl.samples, strict=True)]
        return percentile(ratios, 50)


async def patch_to_sse(
    dashboard: ServedDashboard, namespace: str, service: str, n: int, kubeconfig: Path, cache_dir: Path
) -> PatchTimings:
    """Apply a split n times; each time, until one SSE client of the namespace page shows it served,
    and until a `kubectl get -w` of the namespace's Services, started with that client, prints it served."""
    async with httpx.AsyncClient(
        base_url=dashboard.url, headers=dashboard.auth, timeout=30, limits=LIMITS
    ) as http:
        target = await load_target(http, namespace, service)
        stream = SseStream(dashboard.host, dashboard.port, f"/namespaces/{namespace}/events")
        watch = KubectlWatch(kubeconfig, cache_dir, namespace)
        await asyncio.gather(stream.open(), watch.open())
        try:
            await stream.wait_for(INITIAL_SECTION, since=0, timeout=60)
            sse, kubectl = [], []
            for sample in range(n):
                p = percent_for(sample)
                served = f"{target.older}={p} "
                since = watch.offset
                started, arrived = await _one_change(http, target, [stream], p)
                sse.append(arrived[0] - started)
                seen = await watch.wait_for(lambda line: served in line, since=since, timeout=60)  # noqa: B023
                kubectl.append(seen - started)
                stream.trim()
            return PatchTimings(Timing(tuple(sse)), Timing(tuple(kubectl)))
        finally:
            await asyncio.gather(stream.close(), watch.close())


async def _one_change(
    http: httpx.AsyncClient, target: SplitTarget, streams: list[SseStream], p: int
) -> tuple[float, list[float]]:
    """When (perf_counter) the apply was sent, and when each of `streams` showed the split served."""
    marks = [s.offset for s in streams]
    started = time.perf_counter()
    answer = await apply_split(http, target, p)
    if answer.status_code != 200:
        raise RuntimeError(f"apply {p}% answered {answer.status_code}: {answer.text[:300]}")
    marker = target.marker(p)
    arrived = await asyncio.gather(
        *(s.wait_for(marker, since=m, timeout=60) for s, m in zip(streams, marks, strict=True))
    )
    return started, list(arrived)


@dataclass(frozen=True)
class FanOut:
    """Per round, the time until the first and until the last SSE client had the change."""

    first: Timing
    last: Timing

    def ratio_p50(self) -> float:
        """The p50 over rounds of last over first."""
        ratios = [la / fi for fi, la in zip(self.first.samples, self.last.samples, strict=True)]
        return percentile(ratios, 50)


async def fan_out(
    dashboard: ServedDashboard,
    page: StreamedPage,
    namespace: str,
    service: str,
    clients: int,
    rounds: int,
    first_sample: int = 0,
) -> FanOut:
    """`clients` SSE clients on `page`; per round, one change and the time until all have it."""
    async with httpx.AsyncClient(
        base_url=dashboard.url, headers=dashboard.auth, timeout=30, limits=LIMITS
    ) as http:
        target = await load_target(http, namespace, service)
        streams = [SseStream(dashboard.host, dashboard.port, page.path) for _ in range(clients)]
        try:
            for stream in streams:  # on a loaded machine the dashboard may take long to answer each
                await stream.open(timeout=180)
            await asyncio.gather(*(s.wait_for(page.initial, since=0, timeout=300) for s in streams))
            first, last = [], []
            for round_ in range(rounds):
                for stream in streams:
                    stream.trim()
                started, arrived = await _one_change(
                    http, target, streams, percent_for(first_sample + round_)
                )
                first.append(min(arrived) - started)
                last.append(max(arrived) - started)
            return FanOut(Timing(tuple(first)), Timing(tuple(last)))
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
