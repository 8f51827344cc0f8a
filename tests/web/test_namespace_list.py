"""The namespace list at the size of a real cluster: each namespace is counted, and its row rendered,
once per change of that namespace; a view sends the first screenful of rows it already has, the rest
as the reader scrolls (the cluster's own namespaces when their group is opened), the filter narrows
the whole list on the server, and the stream sends only the rows that changed."""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from kubernetes.client import ApiClient, CoreV1Api

from app.model.views import NamespaceSummary, namespace_summary
from app.model.views.namespacelist import FIRST_ROWS, MORE_ROWS, split_namespaces
from app.web import loading
from tests.support.serving import Dashboard
from tests.web.cluster import NS
from tests.web.markup import row_names, section
from tests.web.test_events import EventReader

TEAMS = [f"team-{i:02d}" for i in range(FIRST_ROWS + MORE_ROWS // 2)]
"""Namespaces without Knative Services enough to need a scroll-loaded page beyond the first."""


def within(seconds: float, done: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def get(dashboard: Dashboard, path: str) -> httpx.Response:
    with httpx.Client(base_url=dashboard.url, timeout=30) as http:
        return http.get(path)


def page(dashboard: Dashboard, path: str = "/") -> str:
    return get(dashboard, path).raise_for_status().text


def row_of(html: str, namespace: str) -> str:
    row = re.search(rf'<tr data-name="{namespace}"[^>]*>.*?</tr>', html, re.S)
    assert row is not None, f"no row for {namespace}"
    return row.group(0)


def core_services_shown(html: str, namespace: str) -> int:
    """The Kubernetes Services count in `namespace`'s row of the list."""
    cells = re.findall(r'<td class="num">(\d+)', row_of(html, namespace))
    return int(cells[5])


def more_url(html: str) -> str | None:
    found = re.search(r'<tr class="more" hx-get="([^"]*)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def every_row(dashboard: Dashboard, path: str = "/") -> tuple[list[str], list[str], int]:
    """(the list's rows as a reader scrolling to its end gets them, the system namespaces' rows once
    their group is opened, how many requests the list took)."""
    html = page(dashboard, path)
    names, requests = row_names(section(html, "namespaces")), 1
    url = more_url(html)
    while url is not None:
        fragment = page(dashboard, url)
        names += row_names(fragment)
        requests += 1
        url = more_url(fragment)
    system = row_names(page(dashboard, "/sections/system_namespaces"))
    return names, system, requests


def undated(summaries: list[NamespaceSummary]) -> list[NamespaceSummary]:
    return [dataclasses.replace(s, observedAt=None) for s in summaries]


def create_namespaces(api: ApiClient, names: list[str]) -> None:
    core = CoreV1Api(api)
    for name in names:
        namespace: Any = {"metadata": {"name": name}}
        core.create_namespace(namespace)


def service(name: str) -> Any:
    return {"metadata": {"name": name}, "spec": {"ports": [{"port": 80}]}}


def test_a_change_counts_and_renders_again_only_its_namespace(
    served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    served = served_dashboard.app.state.dashboard
    before = page(served_dashboard)
    listed = served.cache.namespaces()
    assert len(listed) > 3, listed
    assert set(served.namespace_list.computed) == set(listed)
    assert served.renderer.row_renders["namespace_row"] >= len(listed) - 1  # (equal counts share a row)
    served.namespace_list.computed.clear()
    served.renderer.row_renders.clear()
    again = page(served_dashboard)  # nothing changed: nothing counted or rendered again
    get(served_dashboard, "/api/namespaces").raise_for_status()  # the JSON API reads the same counts
    assert section(again, "namespaces") == section(before, "namespaces")
    assert not served.namespace_list.computed and not served.renderer.row_renders

    CoreV1Api(knative_api).create_namespaced_service(NS, service("made-by-hand"))
    count = core_services_shown(before, NS)
    assert within(10, lambda: core_services_shown(page(served_dashboard), NS) == count + 1)
    assert set(served.namespace_list.computed) == {NS}, served.namespace_list.computed
    assert 1 <= served.renderer.row_renders["namespace_row"] <= served.namespace_list.computed[NS]
    assert set(served.renderer.row_renders) == {"namespace_row"}, served.renderer.row_renders


def test_the_json_api_counts_from_the_same_cache_dated_now(served_dashboard: Dashboard) -> None:
    served = served_dashboard.app.state.dashboard
    first = get(served_dashboard, "/api/namespaces").json()
    served.namespace_list.computed.clear()
    asked = datetime.now(UTC)
    again = get(served_dashboard, "/api/namespaces").json()
    assert not served.namespace_list.computed, "nothing changed: nothing counted again"
    assert [dict(s, observedAt=None) for s in again] == [dict(s, observedAt=None) for s in first]
    assert all(datetime.fromisoformat(s["observedAt"]) >= asked for s in again), "live watches: dated now"
    fresh = [namespace_summary(served.cache.objects(n)) for n in served.cache.namespaces()]
    assert [(s["namespace"], s["services"], s["core_services"], s["pods"]) for s in again] == [
        (s.namespace, s.services, s.core_services, s.pods) for s in fresh
    ]


def test_the_first_screenful_then_every_namespace_by_scrolling_and_opening(
    served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    create_namespaces(knative_api, TEAMS)
    served = served_dashboard.app.state.dashboard
    assert within(10, lambda: set(TEAMS) <= set(served.cache.namespaces()))
    html = page(served_dashboard)
    first = row_names(section(html, "namespaces"))
    assert len(first) == FIRST_ROWS and first[0] == NS
    assert 'tr data-name="kube-system"' not in html, "the system group's rows wait until it is opened"
    left = (
        len(served.cache.namespaces())
        - FIRST_ROWS
        - len(row_names(page(served_dashboard, "/sections/system_namespaces")))
    )
    assert f">{left} more</a>" in html
    counts = re.search(r'id="namespace_counts"[^>]*>(.*?)</span>\s*</h2>', html, re.S)
    assert (
        counts is not None
        and f'<span class="count">{len(served.cache.namespaces())}</span>' in counts.group(1)
    )

    shown, system, requests = every_row(served_dashboard)
    assert requests == 2, "one scroll-loaded page brings the rest"
    # Every namespace exactly once, in the page's order: Knative ones first, the cluster's own apart.
    expected_shown, expected_system = split_namespaces(loading.summaries(served))
    assert shown == [s.namespace for s in expected_shown]
    assert system == [s.namespace for s in expected_system] and "kube-system" in system
    assert sorted(shown + system) == sorted(served.cache.namespaces())


def test_the_filter_narrows_the_whole_list_on_the_server(
    served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    create_namespaces(knative_api, TEAMS)
    served = served_dashboard.app.state.dashboard
    assert within(10, lambda: set(TEAMS) <= set(served.cache.namespaces()))
    shown, _system, _requests = every_row(served_dashboard, "/?q=TEAM-1")
    assert shown == [t for t in TEAMS if t.startswith("team-1")]  # any case, however far down
    filtered = page(served_dashboard, "/?q=team-1")
    assert 'value="team-1"' in filtered and "10 of " in filtered
    # The folded system namespaces are found too, and the fragment the filter box fetches agrees.
    fragment = page(served_dashboard, "/sections/namespaces?q=kube-sys")
    assert row_names(fragment) == ["kube-system"]
    assert "No namespace name contains" in page(served_dashboard, "/?q=no-such-name")
    # Bad input: a clear error, nothing else.
    too_long = get(served_dashboard, "/?q=" + "x" * 254)
    assert too_long.status_code == 422 and "253" in too_long.text
    assert get(served_dashboard, "/sections/nope").status_code == 404
    assert get(served_dashboard, "/sections/namespaces?offset=-1").status_code == 422


def test_the_list_keeps_its_order_and_folding_through_changes(
    served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    core = CoreV1Api(knative_api)
    served = served_dashboard.app.state.dashboard

    def names() -> tuple[list[str], list[str]]:
        shown, system, _requests = every_row(served_dashboard)
        return shown, system

    def agrees() -> bool:
        cached = split_namespaces(undated(loading.summaries(served)))
        fresh = split_namespaces(
            undated([namespace_summary(served.cache.objects(n)) for n in served.cache.namespaces()])
        )
        return bool(cached == fresh)

    first, system = names()
    assert first[0] == NS and "kube-system" in system
    assert agrees()
    create_namespaces(knative_api, ["aaa-empty", "kube-extra", "zzz-empty"])
    assert within(10, lambda: "zzz-empty" in names()[0] and "kube-extra" in names()[1])
    shown, folded = names()
    # Namespaces with Knative Services first, then the others by name; the cluster's own folded.
    assert shown[0] == NS and shown.index("aaa-empty") < shown.index("zzz-empty")
    assert "kube-extra" not in shown and folded == sorted(folded)
    core.create_namespaced_service("aaa-empty", service("by-hand"))
    core.delete_namespace("zzz-empty")
    assert within(10, lambda: "zzz-empty" not in names()[0])
    assert "zzz-empty" not in served.namespace_list.computed  # forgotten
    assert within(10, lambda: core_services_shown(page(served_dashboard), "aaa-empty") == 1)
    assert within(10, agrees)


def test_the_stream_sends_only_the_row_that_changed(
    served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    core = CoreV1Api(knative_api)
    create_namespaces(knative_api, TEAMS)
    served = served_dashboard.app.state.dashboard
    assert within(10, lambda: set(TEAMS) <= set(served.cache.namespaces()))
    count = core_services_shown(page(served_dashboard), NS)
    last = TEAMS[-1]  # beyond the first screenful: only a reader who scrolled has its row
    with (
        httpx.Client(base_url=served_dashboard.url, timeout=httpx.Timeout(10.0)) as client,
        client.stream("GET", "/events") as response,
    ):
        events = EventReader(response)
        opening = events.until(lambda event, _: event == "system_namespaces")
        assert [e for e, _ in opening] == ["connection", "namespaces", "system_namespaces"]
        assert row_names(opening[1][1]) == row_names(section(page(served_dashboard), "namespaces"))

        core.create_namespaced_service(NS, service("made-by-hand"))
        seen = events.until(lambda event, _: event == f"row:{NS}", timeout=10)
        assert [e for e, _ in seen] == [f"row:{NS}"], "one row, not the list"
        assert core_services_shown(seen[-1][1], NS) == count + 1
        assert seen[-1][1].strip() == row_of(page(served_dashboard), NS).strip()  # the page's own row

        core.create_namespaced_service(last, service("by-hand"))
        seen = events.until(lambda event, _: event == f"row:{last}", timeout=10)
        assert [e for e, _ in seen] == [f"row:{last}"]
        assert f'id="ns-{last}"' in seen[-1][1] and f'sse-swap="row:{last}"' in seen[-1][1]

        # A namespace that changes the list's order or membership sends the first screenful again.
        create_namespaces(knative_api, ["kube-late"])
        seen = events.until(lambda event, _: event == "system_namespaces", timeout=10)
        assert "kube-late" in seen[-1][1] and 'hx-get="/sections/system_namespaces"' in seen[-1][1]
        assert "namespaces" not in [e for e, _ in seen], "the first screenful did not change"
    html = page(served_dashboard)
    assert "kube-late" in html.split('id="system_namespaces"')[1]


def test_a_stream_opened_by_the_page_sends_nothing_the_page_has(
    served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    html = page(served_dashboard)
    found = re.search(r'sse-connect="(/events\?shown=\d+)"', html)
    assert found is not None, "the page tells its stream which list it showed"
    with (
        httpx.Client(base_url=served_dashboard.url, timeout=httpx.Timeout(10.0)) as client,
        client.stream("GET", found.group(1)) as response,
    ):
        events = EventReader(response)
        assert [e for e, _ in events.until(lambda event, _: event == "connection")] == ["connection"]
        CoreV1Api(knative_api).create_namespaced_service(NS, service("made-by-hand"))
        seen = events.until(lambda event, _: event.startswith("row:"), timeout=10)
        assert [e for e, _ in seen] == [f"row:{NS}"], "the list itself was not sent again"
    assert get(served_dashboard, "/events?shown=x").status_code == 422
