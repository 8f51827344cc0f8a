"""`python -m bench`: build the scale scenario, serve the dashboard, measure, print a table, write JSON."""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench import measuring
from bench.clusters import build_bench_cluster
from bench.machine import describe
from bench.serving import PROJECT_ROOT, ServedDashboard, run_dashboard
from bench.uncached import UNCACHED_PREFIX

RESULTS = PROJECT_ROOT / "bench" / "results"
MB = 1024 * 1024


def say(text: str) -> None:
    """Progress on stderr (the table goes to stdout)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Check:
    """One performance target and what this run measured for it."""

    name: str
    measured: float
    target: str
    met: bool
    unit: str = ""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--scenario",
        default="scale:10x50x4",
        help="simulated cluster (default: 10 namespaces x 50 Services x 4 revisions = 500 Services,"
        " 2,000 revisions, 200 per namespace)",
    )
    parser.add_argument("--namespace", default="scale-0", help="the namespace whose page is timed")
    parser.add_argument("--service", default="svc-0", help="the Service whose split is changed")
    parser.add_argument("--pages", type=int, default=200, help="cached page views timed")
    parser.add_argument("--uncached-pages", type=int, default=30, help="uncached page views timed")
    parser.add_argument("--lone-pages", type=int, default=15, help="cached page views timed 1.1 s apart")
    parser.add_argument("--kubectl-runs", type=int, default=10)
    parser.add_argument("--patches", type=int, default=30, help="patch-to-SSE samples")
    parser.add_argument("--clients", type=int, default=200, help="SSE clients of the fan-out")
    parser.add_argument("--rounds", type=int, default=5, help="fan-out rounds (one change each)")
    parser.add_argument("--demo-runs", type=int, default=3)
    parser.add_argument("--output", type=Path, help="JSON file (default: bench/results/bench-<time>.json)")
    return parser


def measure(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    results: dict[str, Any] = {"scenario": args.scenario, "namespace": args.namespace}
    started = time.perf_counter()
    say(f"building the simulated cluster ({args.scenario})")
    cluster, faults = build_bench_cluster(args.scenario)
    results["cluster_build_s"] = round(time.perf_counter() - started, 1)
    try:
        kubeconfig = cluster.write_kubeconfig(workdir / "bench.kubeconfig")
        say("starting the dashboard")
        with run_dashboard(kubeconfig, secrets.token_urlsafe(16)) as dashboard:
            results.update(
                _dashboard_measurements(args, dashboard, kubeconfig, workdir, lambda: faults.requests)
            )
    finally:
        cluster.stop()
    say("timing splitboard demo")
    results["demo_ready"] = measuring.demo_ready(args.demo_runs).to_dict()
    return results


def _dashboard_measurements(
    args: argparse.Namespace,
    dashboard: ServedDashboard,
    kubeconfig: Path,
    workdir: Path,
    count: Callable[[], int],
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    page = f"/namespaces/{args.namespace}"
    with httpx.Client(base_url=dashboard.url, timeout=60) as http:
        say("caching every namespace")
        started = time.perf_counter()
        summaries = http.get("/api/namespaces").raise_for_status().json()  # every namespace, cached
        results["cache_all_s"] = round(time.perf_counter() - started, 2)
        results["cached_objects"] = http.get("/bench/cached").json()["objects"]
        results["rss_mb"] = round(dashboard.rss_bytes() / MB, 1)
        shown = next(s for s in summaries if s["namespace"] == args.namespace)
        results["namespace_revisions"] = shown["revisions"]
        say("timing page views")
        cached = measuring.page_latency(http, page, args.pages)
        results["cached_page"] = cached.to_dict()
        results["api_requests_per_cached_view"] = measuring.requests_during(
            count, lambda: _get(http, page), 50
        )
        lone = measuring.lone_page_latency(http, page, args.lone_pages)
        results["lone_page"] = lone.to_dict()
        uncached = measuring.page_latency(http, UNCACHED_PREFIX + page, args.uncached_pages)
        results["uncached_page"] = uncached.to_dict()
        results["api_requests_per_uncached_view"] = measuring.requests_during(
            count, lambda: _get(http, UNCACHED_PREFIX + page), 5
        )
    say("timing kubectl")
    kubectl = measuring.kubectl_latency(kubeconfig, args.namespace, workdir / "kube-cache", args.kubectl_runs)
    results["kubectl"] = kubectl.to_dict()
    results["ratio_uncached_to_cached_p50"] = round(uncached.p50 / cached.p50, 1)
    results["ratio_kubectl_to_cached_p50"] = round(kubectl.p50 / cached.p50, 1)
    say("timing patch-to-SSE")
    patch = asyncio.run(measuring.patch_to_sse(dashboard, args.namespace, args.service, args.patches))
    results["patch_to_sse"] = patch.to_dict()
    say(f"timing the fan-out to {args.clients} SSE clients")
    fan = asyncio.run(measuring.fan_out(dashboard, args.namespace, args.service, args.clients, args.rounds))
    results["fan_out"] = {"clients": args.clients, **fan.to_dict()}
    results["rss_mb_after"] = round(dashboard.rss_bytes() / MB, 1)
    return results


def _get(http: httpx.Client, path: str) -> None:
    http.get(path).raise_for_status()


def checks(results: dict[str, Any]) -> list[Check]:
    """The performance targets against this run's numbers."""
    cached_p50 = results["cached_page"]["p50_ms"]
    objects, rss = results["cached_objects"], results["rss_mb"]
    return [
        Check(
            f"cached page p50 ({results['namespace_revisions']} revisions)",
            cached_p50,
            "< 20",
            cached_p50 < 20,
            "ms",
        ),
        Check(
            "kubectl p50 / cached p50",
            results["ratio_kubectl_to_cached_p50"],
            ">= 10",
            results["ratio_kubectl_to_cached_p50"] >= 10,
            "x",
        ),
        Check(
            "API requests per cached view",
            results["api_requests_per_cached_view"],
            "= 0",
            results["api_requests_per_cached_view"] == 0,
        ),
        Check(
            "patch-to-SSE p50",
            results["patch_to_sse"]["p50_ms"],
            "< 150",
            results["patch_to_sse"]["p50_ms"] < 150,
            "ms",
        ),
        Check(
            f"fan-out to {results['fan_out']['clients']} SSE clients, p50 of rounds",
            results["fan_out"]["p50_ms"],
            "< 500",
            results["fan_out"]["p50_ms"] < 500,
            "ms",
        ),
        Check(
            f"dashboard RSS, {objects} objects cached",
            rss,
            "< 250 (10,000 objects)",
            rss < 250 and objects >= 10_000,
            "MB",
        ),
        Check(
            "demo start-to-ready p50",
            results["demo_ready"]["p50_ms"] / 1000,
            "< 3",
            results["demo_ready"]["p50_ms"] < 3000,
            "s",
        ),
    ]


def table(results: dict[str, Any], found: Sequence[Check]) -> str:
    """The run as a plain-text table: the targets first, then the other numbers."""
    rows = [("target", "measured", "wanted", "met")]
    rows += [
        (c.name, f"{c.measured:g} {c.unit}".strip(), f"{c.target} {c.unit}".strip(), "yes" if c.met else "NO")
        for c in found
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append("")
    for key in (
        "cached_page",
        "lone_page",
        "uncached_page",
        "kubectl",
        "patch_to_sse",
        "fan_out",
        "demo_ready",
    ):
        t = results[key]
        lines.append(f"{key:<14} p50 {t['p50_ms']:>9.2f} ms   p99 {t['p99_ms']:>9.2f} ms   n={t['n']}")
    lines.append(
        f"ratios (p50): uncached/cached {results['ratio_uncached_to_cached_p50']}x, "
        f"kubectl/cached {results['ratio_kubectl_to_cached_p50']}x; API requests per uncached view "
        f"{results['api_requests_per_uncached_view']:g}"
    )
    lines.append(
        f"cluster built in {results['cluster_build_s']} s; "
        f"whole scenario cached in {results['cache_all_s']} s; "
        f"RSS {results['rss_mb']} MB cached, {results['rss_mb_after']} MB after the SSE runs"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="splitboard-bench-") as tmp:
        results = measure(args, Path(tmp))
    found = checks(results)
    document = {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": describe(measuring.KUBECTL),
        "results": results,
        "targets": [vars(c) for c in found],
        "all_met": all(c.met for c in found),
    }
    output = args.output or RESULTS / f"bench-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(table(results, found))
    print(f"\nJSON: {output}")
    return 0 if document["all_met"] else 1
