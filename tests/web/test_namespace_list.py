"""The namespace list at the size of a real cluster: each namespace is counted, and its row rendered,
once per change of that namespace; every view joins what it already has, in the list's order, with
the cluster's own namespaces folded, and stays right as namespaces and their objects change."""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable
from typing import Any

import httpx
from kubernetes.client import ApiClient, CoreV1Api

from app.model.views import NamespaceSummary
from app.model.views.namespacelist import split_namespaces
from app.web import loading
from tests.support.serving import Dashboard
from tests.web.cluster import NS
from tests.web.markup import row_names, section
from tests.web.test_events import EventReader


def within(seconds: float, done: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def page(dashboard: Dashboard) -> str:
    with httpx.Client(base_url=dashboard.url, timeout=30) as http:
        return http.get("/").raise_for_status().text


def core_services_shown(html: str, namespace: str) -> int:
    """The Kubernetes Services count in `namespace`'s row of the list."""
    row = re.search(rf'<tr data-name="{namespace}">(.*?)</tr>', html, re.S)
    assert row is not None, f"no row for {namespace}"
    cells = re.findall(r'<td class="num">(\d+)', row.group(1))
    return int(cells[5])


def undated(summaries: list[NamespaceSummary]) -> list[NamespaceSummary]:
    return [dataclasses.replace(s, observedAt=None) for s in summaries]


def lists(dashboard: Dashboard) -> tuple[Any, Any]:
    """(the list as the page has it, the list counted afresh from the cache), both split for the page."""
    served = dashboard.app.state.dashboard
    shown, folded = split_namespaces(loading.listed_summaries(served))
    fresh_shown, fresh_folded = split_namespaces(loading.summaries(served))
    return (undated(shown), undated(folded)), (undated(fresh_shown), undated(fresh_folded))


def service(name: str) -> Any:
    return {"metadata": {"name": name}, "spec": {"ports": [{"port": 80}]}}


def test_a_change_counts_and_renders_again_only_its_namespace(
    served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    served = served_dashboard.app.state.dashboard
    before = page(served_dashboard)
    shown = row_names(section(before, "namespaces")) + row_names(before.split('id="system_namespaces"')[1])
    assert len(shown) > 3, shown
    counted = sum(served.summaries.computed.values())
    rendered = served.renderer.row_renders["namespace_row"]
    assert counted >= len(shown) and rendered >= len(shown)
    served.summaries.computed.clear()
    served.renderer.row_renders.clear()
    again = page(served_dashboard)  # nothing changed: nothing counted or rendered again
    assert section(again, "namespaces") == section(before, "namespaces")
    assert not served.summaries.computed and not served.renderer.row_renders

    CoreV1Api(knative_api).create_namespaced_service(NS, service("made-by-hand"))
    count = core_services_shown(before, NS)
    assert within(10, lambda: core_services_shown(page(served_dashboard), NS) == count + 1)
    assert set(served.summaries.computed) == {NS}, served.summaries.computed
    assert 1 <= served.renderer.row_renders["namespace_row"] <= served.summaries.computed[NS]
    assert set(served.renderer.row_renders) == {"namespace_row"}, served.renderer.row_renders


def test_the_list_keeps_its_order_and_folding_through_changes(
    served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    core = CoreV1Api(knative_api)

    def names() -> tuple[list[str], list[str]]:
        html = page(served_dashboard)
        return row_names(section(html, "namespaces")), row_names(html.split('id="system_namespaces"')[1])

    def agrees() -> bool:
        cached, fresh = lists(served_dashboard)
        return bool(cached == fresh)

    first, system = names()
    assert first[0] == NS and "kube-system" in system
    assert agrees()
    for name in ("aaa-empty", "kube-extra", "zzz-empty"):
        namespace: Any = {"metadata": {"name": name}}
        core.create_namespace(namespace)
    assert within(10, lambda: "zzz-empty" in names()[0] and "kube-extra" in names()[1])
    shown, folded = names()
    # Namespaces with Knative Services first, then the others by name; the cluster's own folded.
    assert shown[0] == NS and shown.index("aaa-empty") < shown.index("zzz-empty")
    assert "kube-extra" not in shown and folded == sorted(folded)
    core.create_namespaced_service("aaa-empty", service("by-hand"))
    core.delete_namespace("zzz-empty")
    assert within(10, lambda: "zzz-empty" not in names()[0])
    assert "zzz-empty" not in served_dashboard.app.state.dashboard.summaries.computed  # forgotten
    assert within(10, lambda: core_services_shown(page(served_dashboard), "aaa-empty") == 1)
    assert within(10, agrees)


def test_the_index_stream_sends_the_list_as_the_page_shows_it(
    served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    core = CoreV1Api(knative_api)
    count = core_services_shown(page(served_dashboard), NS)
    with (
        httpx.Client(base_url=served_dashboard.url, timeout=httpx.Timeout(10.0)) as client,
        client.stream("GET", "/events") as response,
    ):
        events = EventReader(response)
        events.until(lambda event, _: event == "system_namespaces")
        core.create_namespaced_service(NS, service("made-by-hand"))
        seen = events.until(
            lambda event, data: event == "namespaces" and core_services_shown(data, NS) == count + 1,
            timeout=10,
        )
        namespace: Any = {"metadata": {"name": "kube-late"}}
        core.create_namespace(namespace)
        events.until(
            lambda event, data: event == "system_namespaces" and "kube-late" in row_names(data), timeout=10
        )
    html = page(served_dashboard)
    assert seen[-1][1].strip() == section(html, "namespaces").strip()
    assert "kube-late" in row_names(html.split('id="system_namespaces"')[1])
