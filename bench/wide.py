"""The wide cluster: many small namespaces (`scale:1000x2x3`), where the cost of one watch per kind and
namespace would show.

Measured with everything cached (the namespace list read once): the namespace list page viewed alone
(1.1 s apart) against `kubectl get ksvc -A`, the watches the API server has open (counted by the
simulated server itself), the objects cached and the dashboard's RSS.
"""

from __future__ import annotations

import secrets
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from app.kube.config import close_api_client, load_api_client
from app.kube.resources import discover
from bench import measuring
from bench.clusters import build_bench_cluster
from bench.serving import run_dashboard

MB = 1024 * 1024


def watched_kinds(kubeconfig: Path) -> list[str]:
    """The kinds the dashboard watches: each namespaced kind the cluster serves, and the namespaces."""
    api = load_api_client(kubeconfig)
    try:
        resources = discover(api).namespace_resources().values()
    finally:
        close_api_client(api)
    return [*(f"{r.plural}.{r.group}" if r.group else r.plural for r in resources), "namespaces"]


def measure_wide(
    scenario: str, workdir: Path, lone_pages: int, kubectl_runs: int, say: Callable[[str], None]
) -> dict[str, Any]:
    results: dict[str, Any] = {"scenario": scenario}
    started = time.perf_counter()
    say(f"building the wide cluster ({scenario})")
    cluster, _faults = build_bench_cluster(scenario)
    results["cluster_build_s"] = round(time.perf_counter() - started, 1)
    try:
        kubeconfig = cluster.write_kubeconfig(workdir / "wide.kubeconfig")
        kinds = watched_kinds(kubeconfig)
        results["kinds"] = len(kinds)
        say("starting the dashboard on the wide cluster")
        with (
            run_dashboard(kubeconfig, secrets.token_urlsafe(16)) as dashboard,
            httpx.Client(base_url=dashboard.url, timeout=300) as http,
        ):
            say("caching every namespace")
            started = time.perf_counter()
            summaries = http.get("/api/namespaces").raise_for_status().json()
            results["cache_all_s"] = round(time.perf_counter() - started, 2)
            results["namespaces"] = len(summaries)
            results["cached_objects"] = http.get("/bench/cached").json()["objects"]
            results["rss_mb"] = round(dashboard.rss_bytes() / MB, 1)
            watches = Counter(
                (resource, "cluster" if namespace is None else "namespace")
                for resource, namespace in cluster.open_watches()
            )
            results["open_watches"] = sum(watches.values())
            results["open_watches_by_scope"] = {
                scope: sum(n for (_r, s), n in watches.items() if s == scope)
                for scope in ("cluster", "namespace")
            }
            say("timing the namespace list")
            html = http.get("/").raise_for_status()
            results["list_page_kb"] = round(len(html.content) / 1024, 1)
            results["lone_list_page"] = measuring.lone_page_latency(http, "/", lone_pages).to_dict()
        say("timing kubectl get ksvc -A")
        kubectl = measuring.kubectl_latency(
            kubeconfig, "ksvc", None, workdir / "wide-kube-cache", kubectl_runs
        )
        results["kubectl_all_ksvc"] = kubectl.to_dict()
        results["ratio_kubectl_to_lone_list_p50"] = round(
            kubectl.p50 * 1000 / results["lone_list_page"]["p50_ms"], 1
        )
    finally:
        cluster.stop()
    return results
