"""Namespace sections rendered once per change, shared by page views and streams, never stale."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from kubernetes.client import ApiClient, CoreV1Api

from app.model.objects import NamespaceObjects
from app.model.views import OVERVIEW_PARTS, ServiceView, service_view
from app.web.rendering import SectionCache
from app.web.sections import LIVE_SERVICE_SECTIONS, NAMESPACE_SECTIONS, affected_sections
from app.web.templating import Renderer
from tests.support.serving import Dashboard
from tests.web.cluster import NS, knative_service, patch_service
from tests.web.markup import row_names, section

NOON = datetime(2026, 11, 30, 12, 0, 0, tzinfo=UTC)


class CountingRenderer(Renderer):
    """Records each partial it renders."""

    def __init__(self, renderer: Renderer) -> None:
        super().__init__(renderer.env)
        self.rendered: list[str] = []

    def macro(self, template: str, name: str, *args: object) -> str:
        self.rendered.append(name)
        return super().macro(template, name, *args)


def counting(dashboard: Dashboard, clock: Callable[[], datetime]) -> tuple[SectionCache, list[str]]:
    renderer = CountingRenderer(dashboard.app.state.dashboard.renderer)
    return SectionCache(lambda: dashboard.cache, renderer, clock), renderer.rendered


def ages(html: str) -> list[str]:
    return re.findall(r'<time class="age" datetime="[^"]*">([^<]*)</time>', html)


def served(dashboard: Dashboard, route: str) -> list[int]:
    """The percents a Route of the dashboard's cache serves (its status.traffic)."""
    routes = [r for r in dashboard.cache.objects(NS).routes if r["metadata"]["name"] == route]
    return [t["percent"] for r in routes for t in r.get("status", {}).get("traffic", []) if t.get("percent")]


def within(seconds: float, done: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_concurrent_readers_share_one_render(served_dashboard: Dashboard) -> None:
    sections, rendered = counting(served_dashboard, lambda: NOON)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: sections.namespace(NS, NAMESPACE_SECTIONS), range(40)))
    assert sorted(rendered) == sorted(NAMESPACE_SECTIONS)
    assert all(answer == answers[0] for answer in answers)


def test_the_streams_of_a_service_page_share_one_render(served_dashboard: Dashboard) -> None:
    sections, rendered = counting(served_dashboard, lambda: NOON)

    def customer(objects: NamespaceObjects, now: datetime) -> ServiceView:
        view = service_view(objects, "customer", now)
        assert view is not None
        return view

    with ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(lambda _: sections.service(NS, "customer", LIVE_SERVICE_SECTIONS, customer), range(40))
        )
    assert sorted(rendered) == sorted(LIVE_SERVICE_SECTIONS)
    assert all(answer == answers[0] for answer in answers)
    assert row_names(answers[0]["services"]) == ["customer"]


def test_a_new_second_brings_ages_up_to_date_without_rendering_again(served_dashboard: Dashboard) -> None:
    now = [datetime.now(UTC)]
    sections, rendered = counting(served_dashboard, lambda: now[0])
    first = sections.namespace(NS, ("revisions",))["revisions"]
    assert sections.namespace(NS, ("revisions",))["revisions"] == first
    now[0] += timedelta(minutes=5)
    later = sections.namespace(NS, ("revisions",))["revisions"]
    assert rendered == ["revisions"]
    assert ages(first) != ages(later) and len(ages(first)) == len(ages(later)) > 0
    assert all(re.fullmatch(r"5m\d*s?", age) for age in ages(later)), ages(later)


def test_a_change_renders_again_only_the_rows_it_changed(
    served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    renderer = Renderer(served_dashboard.app.state.dashboard.renderer.env)
    sections = SectionCache(lambda: served_dashboard.cache, renderer, lambda: datetime.now(UTC))
    before = sections.namespace(NS, NAMESPACE_SECTIONS)
    everything = sum(renderer.row_renders.values())
    assert everything > 30, renderer.row_renders
    traffic = knative_service(knative_api, "customer")["spec"]["traffic"]
    first, second = [t for t in traffic if t.get("percent")][:2]
    first["percent"], second["percent"] = 80, 20
    patch_service(knative_api, "customer", {"spec": {"traffic": traffic}})
    renderer.row_renders.clear()
    built_before = sum(sections.rows.built.values())
    sections.rows.built.clear()
    # Wait, without rendering, for the cache to hold the Route serving the new split and for the
    # simulated controllers to finish reacting; then every section is rendered once more.
    assert within(5, lambda: served(served_dashboard, "customer") == [80, 20])
    time.sleep(1)
    after = sections.namespace(NS, NAMESPACE_SECTIONS)
    assert after != before
    changed = renderer.row_renders
    # The customer's own rows: its Service, its Route, its revisions whose traffic moved, its
    # VirtualServices and KIngress; the other Services' rows and every Kubernetes Service come from
    # the row cache.
    assert changed["service_row"] == 1, changed
    assert changed["route_article"] == 1, changed
    assert changed["revision_row"] <= 2, changed
    assert changed["core_service_row"] == 0, changed
    assert sum(changed.values()) < everything / 3, (changed, everything)
    # Their view data too: only the rows of objects with a new version were built again (and the
    # Kubernetes Services whose owner chain goes through one: the Route's tag Services).
    built = sections.rows.built
    assert built["service"] == 1 and built["route"] == 1 and built["revision"] <= 2, built
    owned_by_route = [
        s for s in served_dashboard.cache.objects(NS).core_services if "customer" in s["metadata"]["name"]
    ]
    assert built["core_service"] <= len(owned_by_route), built
    assert sum(built.values()) < built_before / 2, (built, built_before)


def test_the_page_shows_a_change_at_once(served_dashboard: Dashboard, knative_api: ApiClient) -> None:
    def shown() -> list[str]:
        with httpx.Client(base_url=served_dashboard.url, timeout=5) as http:
            return row_names(section(http.get(f"/namespaces/{NS}").text, "core_services"))

    assert "made-by-hand" not in shown()
    body: Any = {"metadata": {"name": "made-by-hand"}, "spec": {"ports": [{"port": 80}]}}
    CoreV1Api(knative_api).create_namespaced_service(NS, body)
    assert within(5, lambda: "made-by-hand" in shown())


def test_a_change_builds_only_the_lists_of_the_sections_it_affects(
    served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    renderer = Renderer(served_dashboard.app.state.dashboard.renderer.env)
    sections = SectionCache(lambda: served_dashboard.cache, renderer, lambda: NOON)
    sections.namespace(NS, NAMESPACE_SECTIONS)
    traffic = knative_service(knative_api, "customer")["spec"]["traffic"]
    first, second = [t for t in traffic if t.get("percent")][:2]
    first["percent"], second["percent"] = 70, 30
    patch_service(knative_api, "customer", {"spec": {"traffic": traffic}})
    assert within(5, lambda: served(served_dashboard, "customer") == [70, 30])
    time.sleep(1)
    sections.rows.asked.clear()
    # The Route's served split is the burst's last change: its stream asks for these sections only.
    affected = [n for n in NAMESPACE_SECTIONS if n in affected_sections("routes")]
    assert "core_services" not in affected and "virtualservices" not in affected
    shown = sections.namespace(NS, affected)
    objects = served_dashboard.cache.objects(NS)
    asked = sections.rows.asked
    assert asked["service"] == len(objects.services) and asked["route"] == len(objects.routes), asked
    assert asked["revision"] == len(objects.revisions), asked
    # The Kubernetes Services, VirtualServices and KIngresses were not looked at.
    assert asked["core_service"] == asked["virtualservice"] == asked["kingress"] == 0, asked
    assert 'data-percent="70"' in shown["services"]
    # The other sections, asked for later at the same version, are built then: exactly what a
    # render from nothing gives.
    later = sections.namespace(NS, NAMESPACE_SECTIONS)
    fresh = SectionCache(lambda: served_dashboard.cache, renderer, lambda: NOON)
    assert later == fresh.namespace(NS, NAMESPACE_SECTIONS)
    assert asked["core_service"] == len(objects.core_services), asked
    whole, built = sections.overview(NS), fresh.overview(NS)
    assert all(getattr(whole, part) == getattr(built, part) for part in OVERVIEW_PARTS)
