"""SSE endpoints: each page's live stream of re-rendered sections and connection banners.

Event names are the section names (app.web.sections) plus `connection` (the banner); the namespace
list's stream is app.web.nslist's.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from app.kube.feeding import ChangeFeed
from app.model.views import ConnectionView
from app.web import loading
from app.web.dashboard import Dashboard, DashboardDep
from app.web.loading import LoadError
from app.web.plans.panel import SECTION as PLAN_SECTION
from app.web.plans.panel import live_html as plan_html
from app.web.sections import (
    AGED_SECTIONS,
    LIVE_SERVICE_SECTIONS,
    NAMESPACE_SECTIONS,
    affected_sections,
)
from app.web.security import edit_refusal
from app.web.streams import RenderSections, Sharing, event_stream
from app.web.templating import PARTIALS

router = APIRouter(include_in_schema=False)

SSE_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


async def subscribe(dashboard: Dashboard, namespace: str | None) -> ChangeFeed:
    """`loading.subscribe` from a worker thread (it may wait for the namespace list)."""
    return await anyio.to_thread.run_sync(loading.subscribe, dashboard, namespace)


def respond(
    dashboard: Dashboard,
    feed: ChangeFeed,
    render: RenderSections,
    everything: tuple[str, ...],
    affected: Callable[[str], frozenset[str]] = affected_sections,
    sharing: Sharing | None = None,
) -> StreamingResponse:
    shown = dashboard.connection.cluster
    state = shown.cache.connection()

    def ended() -> ConnectionView | None:
        """A switch of context closed the feed: say so (the browser reconnects to the new one)."""
        now = dashboard.connection.cluster
        return None if now is shown else ConnectionView(True, switched_to=now.context or "another cluster")

    stream = event_stream(
        feed,
        dashboard.streams,
        render=render,
        render_connection=lambda view: dashboard.renderer.macro(PARTIALS, "connection", view),
        initial=ConnectionView(state.connected, state.error, stale=state.stale),
        affected=affected,
        everything=frozenset(everything),
        aged=AGED_SECTIONS,
        ended=ended,
        sharing=sharing,
    )
    return StreamingResponse(stream, media_type="text/event-stream", headers=SSE_HEADERS)


def namespace_sharing(dashboard: Dashboard, page: Hashable, namespace: str) -> Sharing:
    """Streams of `page` share renders while the cache holds the same version of `namespace`."""

    def version() -> Hashable:
        cache = dashboard.cache
        return cache, cache.version(namespace)

    return Sharing(page, version)


def rendered_or_nothing(render: Callable[[frozenset[str]], list[tuple[str, str]]]) -> RenderSections:
    """A section renderer that sends nothing while the data cannot be read (the banner says why)."""

    def safe(names: frozenset[str]) -> list[tuple[str, str]]:
        try:
            return render(names)
        except LoadError:
            return []

    return safe


@router.get("/namespaces/{namespace}/events", name="namespace_events")
async def namespace_events(dashboard: DashboardDep, namespace: str) -> StreamingResponse:
    feed = await subscribe(dashboard, namespace)

    def render(names: frozenset[str]) -> list[tuple[str, str]]:
        wanted = [n for n in NAMESPACE_SECTIONS if n in names]
        return list(loading.namespace_sections(dashboard, namespace, wanted).items())

    sharing = namespace_sharing(dashboard, ("namespace", namespace), namespace)
    return respond(dashboard, feed, rendered_or_nothing(render), NAMESPACE_SECTIONS, sharing=sharing)


@router.get("/namespaces/{namespace}/services/{name}/events", name="service_events")
async def service_events(
    request: Request, dashboard: DashboardDep, namespace: str, name: str
) -> StreamingResponse:
    await anyio.to_thread.run_sync(loading.service, dashboard, namespace, name)  # 404 before streaming
    # The plan's buttons are offered to whoever may write: asked once, for this stream's viewer.
    refusal = await anyio.to_thread.run_sync(edit_refusal, request, namespace, name)
    feed = await subscribe(dashboard, namespace)

    def render(names: frozenset[str]) -> list[tuple[str, str]]:
        wanted = [n for n in LIVE_SERVICE_SECTIONS if n in names]
        shown = list(loading.service_sections(dashboard, namespace, name, wanted).items())
        if PLAN_SECTION in names:
            shown.append((PLAN_SECTION, plan_html(dashboard, namespace, name, refusal)))
        return shown

    def affected(kind: str) -> frozenset[str]:
        """The plan lives in the Service's annotation; its colours come from the revisions."""
        plan = {PLAN_SECTION} if kind in ("services", "revisions") else set()
        return affected_sections(kind) | plan

    sections = (*LIVE_SERVICE_SECTIONS, PLAN_SECTION)
    # The plan's buttons depend on the viewer's rights: only streams of viewers refused alike share.
    sharing = namespace_sharing(dashboard, ("service", namespace, name, refusal), namespace)
    return respond(dashboard, feed, rendered_or_nothing(render), sections, affected, sharing=sharing)
