"""`python -m bench.load` (`make load`): 100 SSE clients and 10 traffic patches a second for 60 s.

Loopback only, bounded in count and time, stops by itself. The simulated cluster and the clients run
here, the dashboard in a child process. It passes when there were no errors (every apply answered 200,
every SSE stream stayed open and showed every change it was timed on) and no update was lost: every
applied split is in the Service's history with the split it set, and each Service's last split is in
the cluster, served by its Route, and shown by every SSE client. Latencies are reported (p50, p99).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import secrets
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from app.model.editing import service_traffic
from app.model.traffic import TrafficTarget, default_traffic, parse_traffic
from app.sim.building import KnativeCluster
from bench.clusters import build_bench_cluster
from bench.machine import describe
from bench.measuring import INITIAL_SECTION, KUBECTL
from bench.running import RESULTS, say
from bench.serving import ServedDashboard, run_dashboard
from bench.splitting import LIMITS, SplitTarget, apply_split, load_target
from bench.sse import SseStream
from bench.stats import Timing

NAMESPACE = "scale-0"
SSE_TIMEOUT = 30.0
"""Seconds an SSE client may take to show a change before it counts as an error."""


@dataclass
class Applied:
    target: SplitTarget
    percent: int
    event: str | None


@dataclass
class Run:
    """What the load produced: applied changes, latencies and every error, in words."""

    applied: list[Applied] = field(default_factory=list)
    apply_latency: list[float] = field(default_factory=list)
    sse_latency: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lag: list[float] = field(default_factory=list)
    """How late each patch was sent against its schedule (the load generator keeping up)."""
    load_seconds: float = 0.0
    """From the first patch sent until the last one applied (beyond --seconds when applies queue up)."""
    load_applied: int = 0
    last_applied: float = 0.0
    superseded: int = 0
    """Probe waits for a split that the next change replaced before any render showed it (coalescing)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--scenario", default="scale:1x10x2", help="namespace scale-0 with Services svc-<j>")
    parser.add_argument("--clients", type=int, default=100, help="SSE clients on the namespace page")
    parser.add_argument("--rate", type=float, default=10.0, help="traffic patches per second")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--probes", type=int, default=5, help="clients whose latency is timed for every patch"
    )
    parser.add_argument("--output", type=Path, help="JSON file (default: bench/results/load-<time>.json)")
    return parser


def percent_for(index: int) -> int:
    """The split of patch `index`: never 50 (the scenario's), never a Service's previous one."""
    percent = 1 + (index * 37) % 98
    return 99 if percent == 50 else percent


async def _patch(
    http: httpx.AsyncClient,
    target: SplitTarget,
    lock: asyncio.Lock,
    percent: int,
    probes: list[SseStream],
    run: Run,
) -> None:
    async with lock:  # one change at a time per Service: each carries the version the last one made
        marks = [p.offset for p in probes]
        started = time.perf_counter()
        try:
            answer = await apply_split(http, target, percent)
        except httpx.HTTPError as error:
            run.errors.append(f"apply {target.name} {percent}%: {error!r}")
            return
        run.apply_latency.append(time.perf_counter() - started)
        if answer.status_code != 200:
            run.errors.append(f"apply {target.name} {percent}%: {answer.status_code} {answer.text[:300]}")
            return
        run.applied.append(Applied(target, percent, answer.json().get("event")))
        position = len(run.applied) - 1
    run.last_applied = time.perf_counter()
    marker = target.marker(percent)
    waits = [p.wait_for(marker, since=m, timeout=SSE_TIMEOUT) for p, m in zip(probes, marks, strict=True)]
    for outcome in await asyncio.gather(*waits, return_exceptions=True):
        if isinstance(outcome, float):
            run.sse_latency.append(outcome - started)
        elif isinstance(outcome, TimeoutError) and any(
            a.target is target for a in run.applied[position + 1 :]
        ):
            run.superseded += 1  # the next split came before a render showed this one: nothing lost
        else:
            run.errors.append(f"SSE probe did not show {target.name} at {percent}%: {outcome!r}")


async def _keep_trimmed(streams: list[SseStream], probes: list[SseStream], stop: asyncio.Event) -> None:
    """Keep the clients' memory flat: drop what nobody waits for (probes keep the last few seconds)."""
    history: list[list[int]] = []
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)
        for stream in streams:
            if stream not in probes:
                stream.trim()
        history.append([p.offset for p in probes])
        if len(history) > SSE_TIMEOUT + 2:
            oldest = history.pop(0)
            for probe, offset in zip(probes, oldest, strict=True):
                probe.trim(offset)


async def load(dashboard: ServedDashboard, args: argparse.Namespace) -> Run:
    run = Run()
    async with httpx.AsyncClient(
        base_url=dashboard.url, headers=dashboard.auth, timeout=30, limits=LIMITS
    ) as http:
        summary = (await http.get(f"/api/namespaces/{NAMESPACE}")).raise_for_status().json()
        names = sorted(s["name"] for s in summary["services"])
        targets = [await load_target(http, NAMESPACE, name) for name in names]
        locks = {t.name: asyncio.Lock() for t in targets}
        streams = [
            SseStream(dashboard.host, dashboard.port, f"/namespaces/{NAMESPACE}/events")
            for _ in range(args.clients)
        ]
        try:
            for stream in streams:
                await stream.open()
            await asyncio.gather(*(s.wait_for(INITIAL_SECTION, since=0, timeout=120) for s in streams))
            probes = streams[: args.probes]
            say(f"{args.clients} SSE clients connected; {args.rate:g} patches/s for {args.seconds:g} s")
            stop = asyncio.Event()
            trimmer = asyncio.create_task(_keep_trimmed(streams, probes, stop))
            tasks = []
            started = time.perf_counter()
            for index in range(int(args.rate * args.seconds)):
                due = started + index / args.rate
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                run.lag.append(max(0.0, time.perf_counter() - due))
                target = targets[index % len(targets)]
                tasks.append(
                    asyncio.create_task(
                        _patch(http, target, locks[target.name], percent_for(index), probes, run)
                    )
                )
            await asyncio.gather(*tasks)
            run.load_seconds = run.last_applied - started
            run.load_applied = len(run.applied)
            stop.set()
            await trimmer
            say("load done; a last change per Service, to be shown by every client")
            marks = [s.offset for s in streams]
            last = len(tasks)
            for number, target in enumerate(targets):
                await _patch(http, target, locks[target.name], percent_for(last + number), [], run)
            for target in targets:
                final = next(a for a in reversed(run.applied) if a.target is target)
                waits = [
                    s.wait_for(target.marker(final.percent), since=m, timeout=SSE_TIMEOUT)
                    for s, m in zip(streams, marks, strict=True)
                ]
                for outcome in await asyncio.gather(*waits, return_exceptions=True):
                    if isinstance(outcome, BaseException):
                        run.errors.append(
                            f"an SSE client never showed {target.name}'s last split: {outcome!r}"
                        )
            run.errors += [f"SSE stream {i} ended: {s.error!r}" for i, s in enumerate(streams) if s.ended]
            await _check_history(http, targets, run)
        finally:
            await asyncio.gather(*(s.close() for s in streams))
    return run


def _split(target: SplitTarget, percent: int) -> list[TrafficTarget]:
    parsed, _ = parse_traffic(SplitTarget.traffic(target.older, percent))
    return default_traffic(parsed)


async def _check_history(http: httpx.AsyncClient, targets: list[SplitTarget], run: Run) -> None:
    """Every applied change is in its Service's history, with the split it set."""
    for target in targets:
        history = (await http.get(f"{target.api}/history")).raise_for_status().json()
        after = {entry["event"]: entry["after"] for entry in history}
        for applied in (a for a in run.applied if a.target is target):
            if applied.event is None or applied.event not in after:
                run.errors.append(f"{target.name} {applied.percent}% is missing from the history")
                continue
            recorded, _ = parse_traffic(after[applied.event])
            if default_traffic(recorded) != _split(target, applied.percent):
                run.errors.append(f"{target.name}: history entry {applied.event} says {after[applied.event]}")


def check_cluster(cluster: KnativeCluster, run: Run) -> None:
    """Each Service's last split is its spec in the cluster and what its Route serves."""
    cluster.settle(30)
    store = cluster.store
    services = store.registry.get("services.serving.knative.dev")
    routes = store.registry.get("routes.serving.knative.dev")
    for target in {id(a.target): a.target for a in run.applied}.values():
        final = next(a for a in reversed(run.applied) if a.target is target)
        wanted = _split(target, final.percent)
        spec = service_traffic(store.get(services, NAMESPACE, target.name))
        if spec != wanted:
            run.errors.append(f"{target.name}: the cluster has {spec}, the last apply set {wanted}")
        served = store.get(routes, NAMESPACE, target.name).get("status", {}).get("traffic") or []
        if not any(
            t.get("revisionName") == target.older and t.get("percent") == final.percent for t in served
        ):
            run.errors.append(
                f"{target.name}: the Route serves {served}, not {final.percent}% to {target.older}"
            )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    say(f"building the simulated cluster ({args.scenario})")
    cluster, _ = build_bench_cluster(args.scenario)
    try:
        with tempfile.TemporaryDirectory(prefix="splitboard-load-") as tmp:
            kubeconfig = cluster.write_kubeconfig(Path(tmp) / "load.kubeconfig")
            with run_dashboard(kubeconfig, secrets.token_urlsafe(16)) as dashboard:
                run = asyncio.run(load(dashboard, args))
        check_cluster(cluster, run)
    finally:
        cluster.stop()
    result: dict[str, Any] = {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": describe(KUBECTL),
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "patches_applied": len(run.applied),
        "load_seconds": round(run.load_seconds, 1),
        "achieved_rate": round(run.load_applied / run.load_seconds, 2) if run.load_seconds else 0.0,
        "apply": Timing(tuple(run.apply_latency)).to_dict() if run.apply_latency else None,
        "patch_to_sse": Timing(tuple(run.sse_latency)).to_dict() if run.sse_latency else None,
        "sender_lag_max_ms": round(max(run.lag, default=0.0) * 1000, 1),
        "superseded_before_shown": run.superseded,
        "errors": len(run.errors),
        "error_samples": run.errors[:20],
        "passed": not run.errors,
    }
    output = args.output or RESULTS / f"load-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "machine"}, indent=2))
    print(f"{'PASSED' if result['passed'] else 'FAILED'}; JSON: {output}")
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
