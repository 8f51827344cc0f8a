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
from bench.wide import measure_wide, watched_kinds

RESULTS = PROJECT_ROOT / "bench" / "results"
MB = 1024 * 1024
WATCHES_BEYOND_KINDS = 3
"""The watches the target allows beyond one per kind ("the number of kinds plus a few")."""


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
    parser.add_argument(
        "--no-namespace-fan-out",
        action="store_true",
        help="time the fan-out on the Service page only (the target's), not on the namespace page too",
    )
    parser.add_argument("--demo-runs", type=int, default=3)
    parser.add_argument(
        "--wide-scenario",
        # Three revisions a Service: the dashboard caches no Events but the history's, so 2x2 came to
        # 47,006 cached objects, short of the 50,000 the RSS target names; 2x3 caches over 50,000.
        default="scale:1000x2x3",
        help="the wide cluster: namespace list, watches, RSS (default: 1,000 namespaces x 2 Services x 3"
        " revisions)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="skip the wide cluster (its build takes minutes) and take fewer samples",
    )
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
    if not args.quick:
        results["wide"] = measure_wide(args.wide_scenario, workdir, args.lone_pages, args.kubectl_runs, say)
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
        results["page_kb"] = round(len(http.get(page).raise_for_status().content) / 1024, 1)
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
    # kubectl reads every kind the page shows: the same objects as the dashboard.
    results["kubectl_kinds"] = ",".join(k for k in watched_kinds(kubeconfig) if k != "namespaces")
    kubectl = measuring.kubectl_latency(
        kubeconfig, results["kubectl_kinds"], args.namespace, workdir / "kube-cache", args.kubectl_runs
    )
    results["kubectl"] = kubectl.to_dict()
    results["ratio_uncached_to_cached_p50"] = round(uncached.p50 / cached.p50, 1)
    results["ratio_kubectl_to_cached_p50"] = round(kubectl.p50 / cached.p50, 1)
    results["ratio_kubectl_to_lone_p50"] = round(kubectl.p50 / lone.p50, 1)
    say("timing patch-to-SSE against kubectl get -w")
    patch = asyncio.run(
        measuring.patch_to_sse(
            dashboard, args.namespace, args.service, args.patches, kubeconfig, workdir / "kube-cache"
        )
    )
    results["patch_to_sse"] = patch.sse.to_dict()
    results["kubectl_watch"] = patch.kubectl.to_dict()
    results["ratio_sse_to_kubectl_watch_p50"] = round(patch.ratio_p50(), 2)
    # The splits go on where the patches stopped: each differs from the one before (no change, no event).
    streamed = [measuring.service_page(args.namespace, args.service)]
    if not args.no_namespace_fan_out:
        streamed.append(measuring.namespace_page(args.namespace))
    first_sample = args.patches
    for shown, key in zip(streamed, ("fan_out", "fan_out_namespace"), strict=False):
        say(f"timing the fan-out to {args.clients} SSE clients of the {shown.label}")
        fan = asyncio.run(
            measuring.fan_out(
                dashboard, shown, args.namespace, args.service, args.clients, args.rounds, first_sample
            )
        )
        first_sample += args.rounds
        results[key] = {"clients": args.clients, "page": shown.path, **fan.last.to_dict()}
        results[f"{key}_first"] = fan.first.to_dict()
        results[f"ratio_{key}_last_to_first_p50"] = round(fan.ratio_p50(), 2)
    results["rss_mb_after"] = round(dashboard.rss_bytes() / MB, 1)
    return results


def _get(http: httpx.Client, path: str) -> None:
    http.get(path).raise_for_status()


def checks(results: dict[str, Any]) -> list[Check]:
    """The performance targets against this run's numbers."""
    cached_p50 = results["cached_page"]["p50_ms"]
    objects, rss = results["cached_objects"], results["rss_mb"]
    return [
        *_one_person(results),
        *_wide(results.get("wide")),
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
            f"fan-out to {results['fan_out']['clients']} SSE clients of a Service page, p50 of rounds",
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


def _one_person(results: dict[str, Any]) -> list[Check]:
    """Fast for one person: a view nobody shared, its size, a change against kubectl's own watch,
    and how much later the last of many clients gets a change than the first."""
    revisions = results["namespace_revisions"]
    return [
        Check(
            f"kubectl p50 / lone view p50 ({revisions} revisions, same kinds)",
            results["ratio_kubectl_to_lone_p50"],
            ">= 10",
            results["ratio_kubectl_to_lone_p50"] >= 10,
            "x",
        ),
        Check(
            f"namespace page HTML ({revisions} revisions)",
            results["page_kb"],
            "<= 200",
            results["page_kb"] <= 200,
            "KB",
        ),
        Check(
            "patch-to-browser / kubectl get -w, p50 of samples",
            results["ratio_sse_to_kubectl_watch_p50"],
            "<= 1.5",
            results["ratio_sse_to_kubectl_watch_p50"] <= 1.5,
            "x",
        ),
        Check(
            f"fan-out to {results['fan_out']['clients']} SSE clients of a Service page: last / first,"
            " p50 of rounds",
            results["ratio_fan_out_last_to_first_p50"],
            "<= 2",
            results["ratio_fan_out_last_to_first_p50"] <= 2,
            "x",
        ),
    ]


def _wide(wide: dict[str, Any] | None) -> list[Check]:
    """The wide cluster's targets (none when it was skipped)."""
    if wide is None:
        return []
    spaces, kinds, objects = wide["namespaces"], wide["kinds"], wide["cached_objects"]
    return [
        Check(
            f"kubectl get ksvc -A p50 / lone namespace list p50 ({spaces} namespaces)",
            wide["ratio_kubectl_to_lone_list_p50"],
            ">= 10",
            wide["ratio_kubectl_to_lone_list_p50"] >= 10,
            "x",
        ),
        Check(
            f"watches open at the API server ({spaces} namespaces, {kinds} kinds)",
            wide["open_watches"],
            f"<= {kinds + WATCHES_BEYOND_KINDS}",
            wide["open_watches"] <= kinds + WATCHES_BEYOND_KINDS,
        ),
        Check(
            f"dashboard RSS, {objects} objects cached ({spaces} namespaces)",
            wide["rss_mb"],
            "< 250 (50,000 objects)",
            wide["rss_mb"] < 250 and objects >= 50_000,
            "MB",
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
    wide = results.get("wide") or {}
    keys: tuple[str, ...] = (
        "cached_page",
        "lone_page",
        "uncached_page",
        "kubectl",
        "patch_to_sse",
        "kubectl_watch",
        "fan_out_first",
        "fan_out",
        "fan_out_namespace_first",
        "fan_out_namespace",
        "demo_ready",
    )
    timings = {key: results[key] for key in keys if key in results}
    timings.update({f"wide {k}": wide[k] for k in ("lone_list_page", "kubectl_all_ksvc") if k in wide})
    for key, t in timings.items():
        lines.append(f"{key:<22} p50 {t['p50_ms']:>9.2f} ms   p99 {t['p99_ms']:>9.2f} ms   n={t['n']}")
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
    lines.append(f"kubectl read: {results['kubectl_kinds']}")
    if "fan_out_namespace" in results:
        lines.append(
            f"fan-out on the namespace page (not a target): last / first p50 "
            f"{results['ratio_fan_out_namespace_last_to_first_p50']}x"
        )
    if wide:
        lines.append(
            f"wide cluster {wide['scenario']}: built in {wide['cluster_build_s']} s, cached in "
            f"{wide['cache_all_s']} s; watches by scope {wide['open_watches_by_scope']}; "
            f"namespace list page {wide['list_page_kb']} KB"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.quick:
        args.pages, args.uncached_pages = min(args.pages, 50), min(args.uncached_pages, 10)
        args.lone_pages, args.patches = min(args.lone_pages, 5), min(args.patches, 10)
        args.rounds, args.demo_runs, args.kubectl_runs = min(args.rounds, 3), 1, min(args.kubectl_runs, 5)
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
