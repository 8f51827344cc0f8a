"""The demo tools' routes: traffic probes (pages, SSE and JSON API), the explain view and presenter mode.

- `/namespaces/{ns}/services/{name}/demo` (add `?present=1` for presenter mode): the split, a probe with
  its live tally, tag URLs with QR codes, the pods and the explain diagram, all following the cluster.
- `/namespaces/{ns}/services/{name}/explain[?tag=...]`: the explain diagram alone (page, or htmx fragment).
- `/api/namespaces/{ns}/services/{name}/probes[/{id}[/stop]]`: start, read and stop probes as JSON.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

import anyio.to_thread
import segno
from fastapi import APIRouter, Body, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from markupsafe import Markup

from app.model.bodies import name_of
from app.model.explain import DEFAULT_PATH, ExplainGraph, explain_graph
from app.model.objects import NamespaceObjects
from app.model.probestats import (
    Attribution,
    Comparison,
    PatternError,
    compile_pattern,
    configured_split,
    version_map,
)
from app.model.views import (
    PALETTE_SIZE,
    ConnectionView,
    ServiceView,
    revision_colours,
    service_scope,
    service_view,
)
from app.settings import Settings
from app.web import loading
from app.web.applying import load
from app.web.context import Dashboard, DashboardDep, get_dashboard
from app.web.editor import initial_view
from app.web.events import SSE_HEADERS, rendered_or_nothing, respond, subscribe
from app.web.htmx import is_fragment_request, page_or_fragment
from app.web.loading import LoadError, NoSuchKnativeService
from app.web.probing import (
    Probe,
    ProbeError,
    ProbeLimits,
    ProbeRegistry,
    ProbeSpec,
    ProbeTarget,
    probe_spec,
    probe_target,
)
from app.web.security import probe_refusal
from app.web.security.permissions import identity_of
from app.web.streams import sse_event
from app.web.urls import path_for

TEMPLATES = "demo/partials.html"
PROBE_PUSH_SECONDS = 0.1
"""At most this often a running probe's tally is pushed (a burst of answers is sent once)."""
DEMO_SECTIONS = ("split", "pods", "explain", "urls", "services")
"""SSE events of the demo page; `services` carries nothing: it only tells the traffic editor to sync."""
_AFFECTED = {
    "services": frozenset({"split", "explain", "urls", "services"}),
    "routes": frozenset({"split", "explain", "urls"}),
    "revisions": frozenset({"explain", "pods"}),
    "ingresses": frozenset({"explain"}),
    "virtualservices": frozenset({"explain"}),
    "kservices": frozenset({"explain"}),
    "endpoints": frozenset({"explain"}),
    "serverlessservices": frozenset({"explain"}),
    "pods": frozenset({"explain", "pods"}),
}


# ----------------------------------------------------------------------------------------- view models


@dataclass(frozen=True)
class ShareBar:
    """One revision's row of the tally, with its scale positions (0-100) for the bar."""

    revision: str
    colour: int
    configured: int
    count: int
    observed_pct: float
    low_pct: float
    high_pct: float
    expected: tuple[int, int]
    verdict: str
    wording: str


@dataclass(frozen=True)
class ProbeView:
    """A probe as pages and the JSON API show it."""

    id: str
    namespace: str
    service: str
    target: str
    """The route or tag URL probed."""
    tag: str | None
    state: str
    count: int
    rate: float
    duration: float
    sent: int
    attributed: int
    unattributed: int
    errors: int
    last_error: str
    elapsed: float
    verdict: str
    summary: str
    rows: tuple[ShareBar, ...]
    split_changed: bool
    """The URL's configured split is no longer the one the probe started with."""


def probe_view(
    probe: Probe, now: float, colours: Mapping[str, int], served: list[tuple[str, int]] | None
) -> ProbeView:
    comparison: Comparison = probe.comparison()
    rows = tuple(
        ShareBar(
            r.revision,
            colours.get(r.revision, PALETTE_SIZE),
            r.configured,
            r.count,
            round(r.observed * 100, 1),
            round(r.interval.low * 100, 1),
            round(r.interval.high * 100, 1),
            r.expected,
            r.verdict,
            r.wording,
        )
        for r in comparison.rows
    )
    spec, tally = probe.spec, probe.tally
    return ProbeView(
        id=probe.id,
        namespace=spec.namespace,
        service=spec.service,
        target=probe.target.public,
        tag=spec.tag,
        state=probe.state,
        count=spec.count,
        rate=spec.rate,
        duration=spec.duration,
        sent=tally.sent,
        attributed=tally.attributed,
        unattributed=tally.unattributed,
        errors=tally.errors,
        last_error=tally.last_error,
        elapsed=round(probe.elapsed(now), 1),
        verdict=comparison.verdict,
        summary=comparison.summary,
        rows=rows,
        split_changed=served is not None and served != probe.configured,
    )


@dataclass(frozen=True)
class TagLink:
    """A URL the audience can open: the route's or a tag's, with its QR code (SVG markup)."""

    label: str
    tag: str | None
    url: str
    qr: Markup


def qr_svg(url: str) -> Markup:
    """The URL as an inline SVG QR code (segno's own markup: no user text besides the encoded data)."""
    code = segno.make(url, error="m", micro=False)
    return Markup(code.svg_inline(scale=4, border=2, dark="#000", light="#fff", omitsize=True))


def tag_links(graph: ExplainGraph) -> tuple[TagLink, ...]:
    return tuple(
        TagLink(p.label, None if p.key == DEFAULT_PATH else p.key, p.url, qr_svg(p.url))
        for p in graph.paths
        if p.url
    )


@dataclass(frozen=True)
class DemoView:
    """Everything the demo page draws for one Service."""

    service: ServiceView
    graph: ExplainGraph
    selected: str
    links: tuple[TagLink, ...]
    present: bool
    """Presenter mode: large type, high contrast, QR codes."""


# ------------------------------------------------------------------------------------------ loading


def _graph(objects: NamespaceObjects, name: str) -> ExplainGraph:
    graph = explain_graph(objects, name)
    if graph is None:
        raise NoSuchKnativeService(objects.namespace, name)
    return graph


def _route(routes: Sequence[Mapping[str, Any]], name: str) -> Mapping[str, Any] | None:
    """The Route a Knative Service owns (named after it)."""
    return next((r for r in routes if name_of(r) == name), None)


def _demo_view(dashboard: Dashboard, namespace: str, name: str, selected: str, present: bool) -> DemoView:
    objects = loading.namespace_objects(dashboard, namespace)
    graph = _graph(objects, name)
    view = service_view(objects, name, dashboard.clock())
    assert view is not None  # explain_graph found the Service
    chosen = selected if selected in {p.key for p in graph.paths} else ""
    return DemoView(view, graph, chosen, tag_links(graph), present)


def _served_split(objects: NamespaceObjects, name: str, tag: str | None) -> list[tuple[str, int]] | None:
    route = _route(objects.routes, name)
    return configured_split(route.get("status", {}).get("traffic"), tag) if route else None


def _ingress_url(dashboard: Dashboard) -> str | None:
    """The ingress address to send probes through (Settings.ingress_url; None: the URLs themselves)."""
    return dashboard.settings.ingress_url or None


def _plan(
    dashboard: Dashboard, registry: ProbeRegistry, namespace: str, name: str, fields: Mapping[str, str]
) -> tuple[ProbeSpec, ProbeTarget, list[tuple[str, int]], Attribution]:
    """Everything a probe needs from the cluster, read in a worker thread. ProbeError/LoadError on failure."""
    spec = probe_spec(namespace, name, fields, registry.limits)
    try:
        pattern = compile_pattern(spec.pattern)
    except PatternError as exc:
        raise ProbeError(str(exc), status=422) from None
    objects = loading.namespace_objects(dashboard, namespace)
    scope = service_scope(objects, name)
    if scope is None:
        raise NoSuchKnativeService(namespace, name)
    route = _route(scope.routes, name)
    status = (route or {}).get("status", {})
    entries = [e for e in status.get("traffic") or () if isinstance(e, Mapping)]
    cluster_urls = [str(status.get("url") or "")] + [str(e.get("url") or "") for e in entries]
    if spec.tag is None:
        url = cluster_urls[0]
    else:
        url = next((str(e.get("url") or "") for e in entries if e.get("tag") == spec.tag), "")
        if not url:
            raise ProbeError(f"the Route {name} serves no tag {spec.tag!r}")
    if not url:
        raise ProbeError(f"the Route {name} has no URL yet")
    target = probe_target(url, cluster_urls, _ingress_url(dashboard))
    configured = configured_split(entries, spec.tag)
    revisions = scope.revisions
    attribution = Attribution(
        pattern=pattern,
        versions=version_map(revisions, routed=[r for r, _ in configured]),
        revisions=frozenset(name_of(r) for r in revisions),
    )
    return spec, target, configured, attribution


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


def requester(request: Request) -> str:
    """Whom a probe start counts against: the user a trusted proxy names (many users share its
    address), else the client's address."""
    identity = identity_of(request)
    if identity is not None and identity.via == "proxy" and identity.user:
        return f"user:{identity.user}"
    return f"address:{request.client.host if request.client else ''}"


def refused(exc: ProbeError) -> LoadError:
    """A probe that cannot start as an HTTP error (with Retry-After when started too often)."""
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
    return LoadError(exc.status, "Cannot start the probe", str(exc), headers=headers)


# ------------------------------------------------------------------------------------------ the router


def demo_router(limits: ProbeLimits | None = None) -> APIRouter:
    """The demo tools' routes with their own probe registry (closed at app shutdown)."""
    registry = ProbeRegistry(limits)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await registry.aclose()

    router = APIRouter(lifespan=lifespan)

    def renderer_macro(dashboard: Dashboard, macro: str, *args: Any) -> str:
        return dashboard.renderer.macro(TEMPLATES, macro, *args)

    def current_view(dashboard: Dashboard, probe: Probe) -> ProbeView:
        objects = loading.namespace_objects(dashboard, probe.spec.namespace)
        served = _served_split(objects, probe.spec.service, probe.spec.tag)
        return probe_view(probe, time.monotonic(), revision_colours(objects.revisions), served)

    async def view_of(dashboard: Dashboard, probe: Probe) -> ProbeView:
        return await anyio.to_thread.run_sync(current_view, dashboard, probe)

    async def start(request: Request, namespace: str, name: str, fields: Mapping[str, str]) -> Probe:
        """A started probe, or ProbeError: refused for this visitor, started too often, or bad input."""
        refusal = probe_refusal(request)
        if refusal is not None:
            raise ProbeError(refusal, status=403)
        client = requester(request)
        registry.starts.check(client)  # before reading the cluster: a refused start costs nothing
        dashboard = get_dashboard(request)
        spec, target, configured, attribution = await anyio.to_thread.run_sync(
            _plan, dashboard, registry, namespace, name, fields
        )
        return registry.start(spec, target, configured, attribution, client=client)

    def find(namespace: str, name: str, probe_id: str) -> Probe:
        probe = registry.get(probe_id, namespace, name)
        if probe is None:
            raise LoadError(404, "No such probe", f"Service {name} in {namespace} has no probe {probe_id!r}.")
        return probe

    # --- JSON API -------------------------------------------------------------------------------

    @router.post(
        "/api/namespaces/{namespace}/services/{name}/probes",
        status_code=201,
        tags=["probes"],
        summary="Start a traffic probe of the route URL or a tag URL",
    )
    async def api_start(
        request: Request,
        dashboard: DashboardDep,
        namespace: str,
        name: str,
        body: Annotated[dict[str, str | int | float | None], Body()],
    ) -> ProbeView:
        fields = {k: "" if v is None else str(v) for k, v in body.items()}
        try:
            probe = await start(request, namespace, name, fields)
        except ProbeError as exc:
            raise refused(exc) from None
        return await view_of(dashboard, probe)

    @router.get(
        "/api/namespaces/{namespace}/services/{name}/probes/{probe_id}",
        tags=["probes"],
        summary="A probe's state and tally beside the configured split",
    )
    async def api_status(dashboard: DashboardDep, namespace: str, name: str, probe_id: str) -> ProbeView:
        return await view_of(dashboard, find(namespace, name, probe_id))

    @router.post(
        "/api/namespaces/{namespace}/services/{name}/probes/{probe_id}/stop",
        tags=["probes"],
        summary="Stop a running probe (its tally stays readable)",
    )
    async def api_stop(dashboard: DashboardDep, namespace: str, name: str, probe_id: str) -> ProbeView:
        probe = find(namespace, name, probe_id)
        await registry.stop(probe)
        return await view_of(dashboard, probe)

    # --- HTML: probes -----------------------------------------------------------------------------

    @router.post(
        "/namespaces/{namespace}/services/{name}/probes", response_class=HTMLResponse, include_in_schema=False
    )
    async def start_probe(request: Request, dashboard: DashboardDep, namespace: str, name: str) -> Response:
        """htmx: the live tally (or why not, as 200 so htmx swaps it); a plain form: back to the page."""
        form = await request.form()
        fields = {k: str(v) for k, v in form.items() if isinstance(v, str)}
        try:
            probe = await start(request, namespace, name, fields)
        except ProbeError as exc:
            if not is_fragment_request(request):
                raise refused(exc) from None
            # 200, as htmx swaps only successful answers; the status stays readable for scripts
            html = renderer_macro(dashboard, "probe_error", str(exc), exc.status)
            return HTMLResponse(html, headers=refused(exc).headers)
        return await probe_answer(request, dashboard, probe)

    @router.post("/namespaces/{namespace}/services/{name}/probes/{probe_id}/stop", include_in_schema=False)
    async def stop_probe(
        request: Request, dashboard: DashboardDep, namespace: str, name: str, probe_id: str
    ) -> Response:
        probe = find(namespace, name, probe_id)
        await registry.stop(probe)
        return await probe_answer(request, dashboard, probe)

    async def probe_answer(request: Request, dashboard: Dashboard, probe: Probe) -> Response:
        if not is_fragment_request(request):
            spec = probe.spec
            page = path_for(request, "demo_page", namespace=spec.namespace, name=spec.service)
            return RedirectResponse(f"{page}#probe", status_code=303)
        view = await view_of(dashboard, probe)
        return HTMLResponse(renderer_macro(dashboard, "probe_live", view))

    @router.get("/namespaces/{namespace}/services/{name}/probes/{probe_id}/events", include_in_schema=False)
    async def probe_events(
        dashboard: DashboardDep, namespace: str, name: str, probe_id: str
    ) -> StreamingResponse:
        probe = find(namespace, name, probe_id)
        feed = await subscribe(dashboard, namespace)
        dashboard.streams.add(feed)

        async def stream() -> AsyncIterator[str]:
            try:
                seen = -1
                while not feed.closed:
                    seen = await probe.changed(seen, timeout=1.0)
                    feed.drain()
                    finished = probe.finished  # before rendering, so the last tally sent is the final one
                    view = await view_of(dashboard, probe)
                    yield sse_event("tally", renderer_macro(dashboard, "tally", view))
                    if finished:
                        yield sse_event("done", "")
                        return
                    await asyncio.sleep(PROBE_PUSH_SECONDS)
            finally:
                dashboard.streams.discard(feed)

        return StreamingResponse(stream(), media_type="text/event-stream", headers=SSE_HEADERS)

    # --- HTML: explain and the demo page ----------------------------------------------------------

    @router.get(
        "/namespaces/{namespace}/services/{name}/explain",
        response_class=HTMLResponse,
        include_in_schema=False,
    )
    def explain_page(
        request: Request,
        dashboard: DashboardDep,
        namespace: str,
        name: str,
        tag: Annotated[str, Query(max_length=64)] = "",
    ) -> HTMLResponse:
        view = _demo_view(dashboard, namespace, name, tag, False)

        def page() -> str:
            context = _page_context(dashboard, view, events=_events_url(request, namespace, name, view))
            return dashboard.renderer.page("demo/explain.html", context)

        return page_or_fragment(request, page, lambda: renderer_macro(dashboard, "section_explain", view))

    @router.get(
        "/namespaces/{namespace}/services/{name}/demo", response_class=HTMLResponse, include_in_schema=False
    )
    def demo_page(
        request: Request,
        dashboard: DashboardDep,
        namespace: str,
        name: str,
        tag: Annotated[str, Query(max_length=64)] = "",
        present: bool = False,
    ) -> HTMLResponse:
        view = _demo_view(dashboard, namespace, name, tag, present)
        probe = registry.latest(namespace, name)
        probe_now = current_view(dashboard, probe) if probe else None
        editor = initial_view(request, load(dashboard, namespace, name))
        context = _page_context(dashboard, view, events=_events_url(request, namespace, name, view)) | {
            "probe": probe_now,
            "probe_refusal": probe_refusal(request),
            "editor": editor,
        }
        renderer = dashboard.renderer
        return page_or_fragment(
            request,
            lambda: renderer.page("demo/page.html", context),
            lambda: renderer.block("demo/page.html", "content", context),
        )

    @router.get("/namespaces/{namespace}/services/{name}/demo/events", include_in_schema=False)
    async def demo_events(
        dashboard: DashboardDep,
        namespace: str,
        name: str,
        tag: Annotated[str, Query(max_length=64)] = "",
        present: bool = False,
    ) -> StreamingResponse:
        feed = await subscribe(dashboard, namespace)

        def render(names: frozenset[str]) -> list[tuple[str, str]]:
            view = _demo_view(dashboard, namespace, name, tag, present)
            out = []
            for section in DEMO_SECTIONS:
                if section == "services" and section in names:
                    out.append((section, ""))
                elif section in names:
                    out.append((section, renderer_macro(dashboard, f"section_{section}", view)))
            return out

        def affected(kind: str) -> frozenset[str]:
            return _AFFECTED.get(kind, frozenset())

        return respond(dashboard, feed, rendered_or_nothing(render), DEMO_SECTIONS, affected)

    return router


def _events_url(request: Request, namespace: str, name: str, view: DemoView) -> str:
    query = urlencode({"tag": view.selected, "present": "true" if view.present else "false"})
    return f"{path_for(request, 'demo_events', namespace=namespace, name=name)}?{query}"


def _page_context(dashboard: Dashboard, view: DemoView, *, events: str) -> dict[str, Any]:
    state = dashboard.cache.connection()
    return {
        "view": view,
        "present": view.present,
        "events": events,
        "connection": ConnectionView(state.connected, state.error, stale=state.stale),
        "probe": None,
    }
