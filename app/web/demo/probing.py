"""Traffic probes: a bounded burst of requests to a route or tag URL, tallied per revision as it runs.

A probe sends at most `count` requests at `rate` per second for at most `duration` seconds, with a
timeout on each, and can be stopped at any time. It only reaches the cluster's own URLs (a Route's
status URLs) or loopback: through the configured ingress address with the URL's Host header when one is
set (as Knative's docs curl a gateway without DNS), else the URL itself. Probes run as tasks on the
server's event loop; watchers wait on `Probe.changed` to push the tally live.

The event loop serves every page, so no answer is searched on it: the first `max_body_bytes` of each
answer are decoded and matched in the registry's own small thread pool, with a linear-time pattern
(see app.model.probestats). Each client may start only `starts_per_client` probes per `start_window`
seconds; more is refused with a 429 and the seconds to wait.

A probe follows the split: it compares a rolling window of its latest answers with the split its URL
serves now, and when that split changes (read from the Route's status every `follow_seconds`) the
window restarts, leaving out every answer to a request sent before the change had settled. A probe
running through the lab's shift from 50/50 to 90/10 thus compares 90/10 with answers given at 90/10,
instead of raising a false alarm. The last few answers are kept for a ticker, as the lab's curl loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import itertools
import math
import secrets
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

import httpx

from app.model.probestats import (
    DEFAULT_PATTERN,
    Answer,
    Attribution,
    Comparison,
    Tally,
    attribute_answer,
    compare,
    first_line,
    record,
    record_error,
    window_tally,
)
from app.settings import Settings

State = Literal["running", "done", "stopped", "failed"]
Split = list[tuple[str, int]]
SplitReader = Callable[[], "Split | None"]
"""Reads the split the probed URL serves now (None: unknown); blocking, so run in a worker thread."""


@dataclass(frozen=True)
class ProbeLimits:
    """Bounds on what one probe, and all probes together, may do."""

    max_count: int = 5000
    max_rate: float = 100.0
    """Requests per second."""
    max_duration: float = 300.0
    """Seconds."""
    max_running: int = 4
    """Probes running at once, over all services."""
    request_timeout: float = 5.0
    concurrency: int = 16
    """Requests of one probe in flight at once."""
    keep_finished: int = 20
    """Finished probes kept for their tallies (the oldest are forgotten)."""
    max_body_bytes: int = 64 * 1024
    """Only the start of each answer is read and searched for a version token."""
    match_workers: int = 2
    """Threads searching answers, shared by all probes (the event loop never searches)."""
    starts_per_client: int = 10
    """Probes one client may start per `start_window` (0: no limit)."""
    start_window: float = 60.0
    """Seconds."""
    follow_seconds: float = 0.25
    """How often a running probe reads the split its URL serves."""
    follow_settle: float = 0.5
    """After a split change, answers to requests sent this soon are left out of the new window too
    (the ingress may still be switching over)."""
    ticker: int = 8
    """The latest answers kept for the ticker."""


def probe_limits(settings: Settings) -> ProbeLimits:
    """The probe limits `settings` choose (the rest stay at ProbeLimits' defaults); ValueError names a
    setting out of range."""
    if settings.probe_body_bytes < 1:
        raise ValueError(f"SPLITBOARD_PROBE_BODY_BYTES must be at least 1, got {settings.probe_body_bytes}")
    if settings.probe_starts_per_minute < 0:
        raise ValueError(
            f"SPLITBOARD_PROBE_STARTS_PER_MINUTE must be 0 (no limit) or more,"
            f" got {settings.probe_starts_per_minute}"
        )
    return ProbeLimits(
        max_body_bytes=settings.probe_body_bytes, starts_per_client=settings.probe_starts_per_minute
    )


@dataclass(frozen=True)
class ProbeSpec:
    """A validated probe request: where to, how many, how fast, for how long, and how to attribute."""

    namespace: str
    service: str
    tag: str | None
    """None: the route URL; else that tag's URL."""
    count: int
    rate: float
    duration: float
    pattern: str = DEFAULT_PATTERN
    window: int = 0
    """Answers compared with the split: the latest this many (0: every answer since the last change)."""


class ProbeError(ValueError):
    """A probe that cannot start; the message says why and `status` is the HTTP status to answer:
    400 bad input, 409 too many running, 422 an unusable body pattern, 429 started too often (then
    `retry_after` is the whole seconds to wait)."""

    def __init__(self, message: str, *, status: int = 400, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


def _number(fields: Mapping[str, str], key: str, default: float, low: float, high: float) -> float:
    raw = str(fields.get(key) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ProbeError(f"{key} must be a number, got {raw!r}") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise ProbeError(f"{key} must be between {low:g} and {high:g}, got {raw}")
    return value


def probe_spec(namespace: str, service: str, fields: Mapping[str, str], limits: ProbeLimits) -> ProbeSpec:
    """A ProbeSpec from form or JSON fields (`target`, `count`, `rate`, `duration`, `pattern`), bounded
    by `limits`; ProbeError names the first bad field."""
    count = _number(fields, "count", 100, 1, limits.max_count)
    if count != int(count):
        raise ProbeError(f"count must be a whole number, got {fields.get('count')}")
    rate = _number(fields, "rate", min(20.0, limits.max_rate), 0.1, limits.max_rate)
    duration = _number(fields, "duration", limits.max_duration, 1, limits.max_duration)
    window = _number(fields, "window", 0, 0, limits.max_count)
    if window != int(window):
        raise ProbeError(f"window must be a whole number, got {fields.get('window')}")
    target = str(fields.get("target") or "").strip()
    pattern = str(fields.get("pattern") or "").strip() or DEFAULT_PATTERN
    return ProbeSpec(namespace, service, target or None, int(count), rate, duration, pattern, int(window))


# ------------------------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class ProbeTarget:
    """Where requests go: the URL connected to, the Host header (None: the URL's own), the URL shown."""

    connect: str
    host: str | None
    public: str


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def probe_target(public_url: str, cluster_urls: Sequence[str], ingress_url: str | None) -> ProbeTarget:
    """How to reach `public_url`, which must be one of the cluster's URLs or on loopback.

    With an ingress address, requests go there with the URL's host as Host header; the ingress must
    itself be a cluster URL's host or loopback. Anything else is refused (ProbeError)."""
    public = urlsplit(public_url)
    if public.scheme not in ("http", "https") or not public.hostname:
        raise ProbeError(f"cannot probe {public_url!r}: not an http(s) URL")
    allowed = {urlsplit(u).hostname for u in cluster_urls if u}
    if public.hostname not in allowed and not _is_loopback(public.hostname):
        raise ProbeError(f"cannot probe {public_url!r}: only the cluster's URLs and loopback are allowed")
    if not ingress_url:
        return ProbeTarget(public_url, None, public_url)
    ingress = urlsplit(ingress_url)
    if ingress.scheme not in ("http", "https") or not ingress.hostname:
        raise ProbeError(f"the ingress address {ingress_url!r} is not an http(s) URL")
    if not _is_loopback(ingress.hostname) and ingress.hostname not in allowed:
        raise ProbeError(f"the ingress address {ingress_url!r} is neither loopback nor a cluster URL's host")
    connect = urlunsplit((ingress.scheme, ingress.netloc, public.path or "/", public.query, ""))
    return ProbeTarget(connect, public.netloc, public_url)


# -------------------------------------------------------------------------------------------- probes


@dataclass
class Probe:
    """One running or finished probe. Mutated only on the event loop; `version` counts changes."""

    id: str
    spec: ProbeSpec
    target: ProbeTarget
    configured: Split
    """The split the URL serves (revision, percent): at the start, then as the probe last read it."""
    attribution: Attribution
    started: float
    tally: Tally = field(default_factory=Tally)
    """Every answer since the start (the head line's counts)."""
    window: deque[Answer] = field(default_factory=deque)
    """The answers compared with `configured`: sent after its last change settled, the latest
    `spec.window` of them."""
    window_since: float | None = None
    """When the window last restarted (None: it runs from the start)."""
    split_changes: int = 0
    recent: deque[Answer] = field(default_factory=lambda: deque(maxlen=8))
    """The latest answers, newest last (the ticker)."""
    answers: deque[Answer] = field(default_factory=lambda: deque(maxlen=ProbeLimits.max_count))
    """Every answer, newest last (at most a probe's largest count): a rollout gate reads a revision's
    errors and latency from those sent since its step began, across split changes."""
    state: State = "running"
    ended: float | None = None
    version: int = 0
    task: asyncio.Task[None] | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    """Set (and replaced) at every change: watchers wait on the one current when they looked."""

    @property
    def finished(self) -> bool:
        return self.state != "running"

    def comparison(self) -> Comparison:
        """The window's answers beside the split the URL serves."""
        return compare(self.configured, window_tally(self.window))

    def record(self, answer: Answer) -> None:
        """Count an answer: in the total, the ticker, and the window unless sent before it restarted."""
        if answer.ok:
            self.tally = record(self.tally, answer.revision)
        else:
            self.tally = record_error(self.tally, answer.status)
        self.recent.append(answer)
        self.answers.append(answer)
        if self.window_since is None or answer.sent >= self.window_since:
            self.window.append(answer)
            if self.spec.window:
                while len(self.window) > self.spec.window:
                    self.window.popleft()
        self.bump()

    def follow(self, split: Split | None, settles: float) -> bool:
        """Take the split the URL serves now; when it changed, restart the window from `settles` (the
        probe's clock). False when nothing changed (or the split is unknown)."""
        if split is None or split == self.configured:
            return False
        self.configured = split
        self.window.clear()
        self.window_since = settles
        self.split_changes += 1
        self.bump()
        return True

    def elapsed(self, now: float) -> float:
        return (self.ended if self.ended is not None else now) - self.started

    def bump(self) -> None:
        """Record a change and wake every watcher."""
        self.version += 1
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def changed(self, seen: int, timeout: float) -> int:
        """Wait until `version` passes `seen` (or the timeout); returns the current version."""
        if self.version <= seen:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout)
        return self.version


def _read_answer(header: str | None, body: bytes, rule: Attribution) -> tuple[str | None, str | None, str]:
    """(revision, version token, first line) of an answer; runs in a match thread, never on the loop."""
    text = body.decode("utf-8", errors="replace")
    revision, token = attribute_answer(header, text, rule)
    return revision, token, first_line(text)


async def _one(
    client: httpx.AsyncClient, probe: Probe, timeout: float, limits: ProbeLimits, matcher: ThreadPoolExecutor
) -> None:
    headers = {"Host": probe.target.host} if probe.target.host else {}
    sent = time.monotonic()
    try:
        async with client.stream("GET", probe.target.connect, headers=headers, timeout=timeout) as response:
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body.extend(chunk[: limits.max_body_bytes - len(body)])
                if len(body) >= limits.max_body_bytes:
                    break
        elapsed = time.monotonic() - sent  # before the search: a busy match thread is not the app's latency
        header = response.headers.get(probe.attribution.header)
        revision, token, text = await asyncio.get_running_loop().run_in_executor(
            matcher, _read_answer, header, bytes(body), probe.attribution
        )
        if response.status_code >= 400:
            answer = Answer(sent, f"HTTP {response.status_code}", False, revision, token, text, elapsed)
        else:
            answer = Answer(sent, str(response.status_code), True, revision, token, text, elapsed)
    except httpx.TimeoutException:
        answer = Answer(sent, f"timed out after {timeout:g}s", False)
    except httpx.HTTPError as exc:
        answer = Answer(sent, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__, False)
    probe.record(answer)


def probe_client(limits: ProbeLimits) -> httpx.AsyncClient:
    """The HTTP client of one probe: no redirects, no proxies from the environment, bounded connections."""
    return httpx.AsyncClient(
        follow_redirects=False,
        trust_env=False,
        timeout=httpx.Timeout(limits.request_timeout),
        limits=httpx.Limits(max_connections=limits.concurrency),
    )


async def run_probe(
    probe: Probe, limits: ProbeLimits, matcher: ThreadPoolExecutor, reader: SplitReader | None = None
) -> None:
    """Send the probe's requests on schedule until its count or duration is reached (or it is cancelled);
    answers are searched in `matcher`'s threads; with a `reader`, the probe follows the split."""
    following = asyncio.create_task(_follow(probe, limits, reader)) if reader is not None else None
    try:
        async with probe_client(limits) as client:
            await _send_all(client, probe, limits, matcher)
    finally:
        if following is not None:
            following.cancel()
            await asyncio.gather(following, return_exceptions=True)


async def _follow(probe: Probe, limits: ProbeLimits, reader: SplitReader) -> None:
    """Read the served split every `follow_seconds` while the probe runs (a failed read is skipped)."""
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(limits.follow_seconds)
        try:
            split = await loop.run_in_executor(None, reader)
        except Exception:  # the cache may be reconnecting: the next read will tell
            continue
        probe.follow(split, time.monotonic() + limits.follow_settle)


async def _send_all(
    client: httpx.AsyncClient, probe: Probe, limits: ProbeLimits, matcher: ThreadPoolExecutor
) -> None:
    spec = probe.spec
    interval = 1.0 / spec.rate
    slots = asyncio.Semaphore(limits.concurrency)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + spec.duration
    in_flight: set[asyncio.Task[None]] = set()

    async def send() -> None:
        try:
            timeout = min(limits.request_timeout, max(0.1, deadline - loop.time()))
            await _one(client, probe, timeout, limits, matcher)
        finally:
            slots.release()

    try:
        start = loop.time()
        for index in range(spec.count):
            due = start + index * interval
            if due >= deadline:
                break
            await asyncio.sleep(max(0.0, due - loop.time()))
            await slots.acquire()
            task = asyncio.create_task(send())
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
        if in_flight:
            await asyncio.wait(in_flight, timeout=max(0.0, deadline - loop.time()) + limits.request_timeout)
        probe.state = "done"
    except asyncio.CancelledError:
        probe.state = "stopped"
        raise
    except Exception as exc:  # a bug or an exhausted resource: say so on the tally, never crash the loop
        probe.state = "failed"
        probe.tally = record_error(probe.tally, f"probe failed: {type(exc).__name__}: {exc}")
    finally:
        for task in in_flight:
            task.cancel()
        if in_flight:
            await asyncio.gather(*in_flight, return_exceptions=True)
        probe.ended = time.monotonic()
        probe.bump()


class StartLimiter:
    """At most `limit` starts per client in any `window` seconds: a sliding window of start times.

    Clients are keyed by the caller (an address or a user name); at most `max_clients` are remembered,
    the longest-known forgotten first, so a flood of new addresses cannot grow memory without bound."""

    def __init__(
        self,
        limit: int,
        window: float,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 10_000,
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.max_clients = max_clients
        self._starts: dict[str, deque[float]] = {}

    def wait(self, client: str) -> float:
        """Seconds until `client` may start another probe (0: now)."""
        if self.limit <= 0:
            return 0.0
        now = self.clock()
        starts = self._starts.get(client)
        if starts is None:
            return 0.0
        while starts and starts[0] <= now - self.window:
            starts.popleft()
        if not starts:
            del self._starts[client]
            return 0.0
        return 0.0 if len(starts) < self.limit else starts[0] + self.window - now

    def record(self, client: str) -> None:
        if self.limit <= 0:
            return
        self._starts.setdefault(client, deque()).append(self.clock())
        while len(self._starts) > self.max_clients:
            del self._starts[next(iter(self._starts))]

    def check(self, client: str) -> None:
        """ProbeError(429) naming the wait when `client` has started its allowance already."""
        wait = self.wait(client)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise ProbeError(
                f"too many probes started: at most {self.limit} per {self.window:g} seconds;"
                f" try again in {seconds} s",
                status=429,
                retry_after=seconds,
            )


class ProbeRegistry:
    """The probes of one app: starts them (within limits), finds them, stops them, closes them all."""

    def __init__(self, limits: ProbeLimits | None = None) -> None:
        self.limits = limits or ProbeLimits()
        self.starts = StartLimiter(self.limits.starts_per_client, self.limits.start_window)
        self._probes: dict[str, Probe] = {}
        self._ids = itertools.count(1)
        self._matcher: ThreadPoolExecutor | None = None

    def matcher(self) -> ThreadPoolExecutor:
        """The threads that search answers (made on first use, again after `aclose`)."""
        if self._matcher is None:
            self._matcher = ThreadPoolExecutor(self.limits.match_workers, thread_name_prefix="probe-match")
        return self._matcher

    def running(self) -> list[Probe]:
        return [p for p in self._probes.values() if not p.finished]

    def start(
        self,
        spec: ProbeSpec,
        target: ProbeTarget,
        configured: Split,
        attribution: Attribution,
        client: str = "",
        reader: SplitReader | None = None,
    ) -> Probe:
        """Start a probe on the running event loop for `client` (who asked: an address or a user),
        following the split `reader` reads (None: the split at the start stays);
        ProbeError 409 when too many already run, 429 when this client started too many lately."""
        if len(self.running()) >= self.limits.max_running:
            raise ProbeError(
                f"{self.limits.max_running} probes are running already; stop one or wait", status=409
            )
        self.starts.check(client)
        self.starts.record(client)
        probe_id = f"{next(self._ids)}-{secrets.token_hex(4)}"
        probe = Probe(probe_id, spec, target, configured, attribution, started=time.monotonic())
        probe.recent = deque(maxlen=self.limits.ticker)
        work = run_probe(probe, self.limits, self.matcher(), reader)
        probe.task = asyncio.create_task(work, name=f"probe-{probe_id}")
        self._probes[probe_id] = probe
        self._forget_old()
        return probe

    def _forget_old(self) -> None:
        finished = [p for p in self._probes.values() if p.finished]
        for probe in finished[: max(0, len(finished) - self.limits.keep_finished)]:
            del self._probes[probe.id]

    def get(self, probe_id: str, namespace: str, service: str) -> Probe | None:
        probe = self._probes.get(probe_id)
        if probe is None or (probe.spec.namespace, probe.spec.service) != (namespace, service):
            return None
        return probe

    def latest(self, namespace: str, service: str) -> Probe | None:
        """The service's most recent probe (running or finished)."""
        mine = [
            p for p in self._probes.values() if (p.spec.namespace, p.spec.service) == (namespace, service)
        ]
        return mine[-1] if mine else None

    async def stop(self, probe: Probe) -> None:
        """Stop a running probe and wait for it to settle (a finished one is left as it is)."""
        task = probe.task
        if task is None or task.done():
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def aclose(self) -> None:
        """Stop every probe and the match threads (at app shutdown)."""
        for probe in list(self._probes.values()):
            await self.stop(probe)
        matcher, self._matcher = self._matcher, None
        if matcher is not None:
            matcher.shutdown(wait=False, cancel_futures=True)
