"""Namespace sections rendered once per change, shared by page views and streams, never stale."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
from kubernetes.client import ApiClient, CoreV1Api

from app.web.rendering import SectionCache
from app.web.sections import NAMESPACE_SECTIONS
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


def test_a_new_second_or_a_change_renders_again(served_dashboard: Dashboard, knative_api: ApiClient) -> None:
    now = [NOON]
    sections, rendered = counting(served_dashboard, lambda: now[0])
    sections.namespace(NS, ("routes",))
    sections.namespace(NS, ("routes",))
    assert rendered == ["routes"]
    now[0] = NOON.replace(second=1)  # ages may read differently
    sections.namespace(NS, ("routes",))
    assert rendered == ["routes", "routes"]
    traffic = knative_service(knative_api, "customer")["spec"]["traffic"]
    first, second = [t for t in traffic if t.get("percent")][:2]
    first["percent"], second["percent"] = 80, 20
    patch_service(knative_api, "customer", {"spec": {"traffic": traffic}})
    assert within(5, lambda: "80%" in sections.namespace(NS, ("routes",))["routes"])


def test_the_page_shows_a_change_at_once(served_dashboard: Dashboard, knative_api: ApiClient) -> None:
    def shown() -> list[str]:
        with httpx.Client(base_url=served_dashboard.url, timeout=5) as http:
            return row_names(section(http.get(f"/namespaces/{NS}").text, "core_services"))

    assert "made-by-hand" not in shown()
    body: Any = {"metadata": {"name": "made-by-hand"}, "spec": {"ports": [{"port": 80}]}}
    CoreV1Api(knative_api).create_namespaced_service(NS, body)
    assert within(5, lambda: "made-by-hand" in shown())
