"""The demo tools' routes: traffic probes (pages, SSE and JSON API), the explain view and presenter mode.

- `/namespaces/{ns}/services/{name}/demo` (add `?present=1` for presenter mode): the split, a probe with
  its live tally, tag URLs with QR codes, the pods and the explain diagram, all following the cluster.
- `/namespaces/{ns}/services/{name}/explain[?tag=...]`: the explain diagram alone (page, or htmx fragment).
- `/api/namespaces/{ns}/services/{name}/probes[/{id}[/stop]]`: start, read and stop probes as JSON.

The probes live on the dashboard (`Dashboard.probes`), so every handler here reaches them per request.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Body, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from app.kube.feeding import ChangeFeed
from app.model.demo_view import ProbeView
from app.web.dashboard import Dashboard, DashboardDep, get_dashboard
from app.web.demo.probing import Probe, ProbeError
from app.web.demo.starting import plan, refused, requester
from app.web.demo.views import current_probe_view, demo_view, page_context, render, split_reader
from app.web.editor.embedding import embedded_editor
from app.web.events import SSE_HEADERS, rendered_or_nothing, respond, subscribe
from app.web.htmx import is_fragment_request, page_or_fragment
from app.web.loading import LoadError
from app.web.plans.panel import PROGRESS
from app.web.plans.panel import SECTION as PLAN_SECTION
from app.web.plans.panel import current_panel as current_plan
from app.web.plans.panel import live_html as plan_html
from app.web.security import edit_refusal, probe_refusal
from app.web.streams import sse_event
from app.web.urls import path_for

PROBE_PUSH_SECONDS = 0.1
"""At most this often a running probe's tally is pushed (a burst of answers is sent once)."""
DEMO_SECTIONS = ("split", "pods", "explain", "urls", "faults", "services", PLAN_SECTION)
"""SSE events of the demo page; `services` carries nothing: it only tells the traffic editor to sync;
`plan` is the rollout plan's progress (app.web.plans), which lives in the Service's annotation."""
_AFFECTED = {
    "services": frozenset({"split", "explain", "urls", "services", PLAN_SECTION}),
    "routes": frozenset({"split", "explain", "urls"}),
    "revisions": frozenset({"explain", "pods", "faults", PLAN_SECTION}),
    "ingresses": frozenset({"explain"}),
    "virtualservices": frozenset({"explain"}),
    "core_services": frozenset({"explain"}),
    "endpoints": frozenset({"explain"}),
    "serverlessservices": frozenset({"explain"}),
    "pods": frozenset({"explain", "pods"}),
}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Stop the app's probes and their match threads at shutdown."""
    yield
    dashboard: Dashboard = app.state.dashboard
    await dashboard.probes.aclose()


router = APIRouter(lifespan=lifespan)


# --- Probes ------------------------------------------------------------------------------------------


async def view_of(dashboard: Dashboard, probe: Probe) -> ProbeView:
    return await anyio.to_thread.run_sync(current_probe_view, dashboard, probe)


async def start(request: Request, namespace: str, name: str, fields: Mapping[str, str]) -> Probe:
    """A started probe, or ProbeError: refused for this visitor, started too often, or bad input."""
    refusal = probe_refusal(request)
    if refusal is not None:
        raise ProbeError(refusal, status=403)
    dashboard = get_dashboard(request)
    registry = dashboard.probes
    client = requester(request)
    registry.starts.check(client)  # before reading the cluster: a refused start costs nothing
    spec, target, configured, attribution = await anyio.to_thread.run_sync(
        plan, dashboard, registry, namespace, name, fields
    )
    return registry.start(
        spec, target, configured, attribution, client=client, reader=split_reader(dashboard, spec)
    )


def find(dashboard: Dashboard, namespace: str, name: str, probe_id: str) -> Probe:
    probe = dashboard.probes.get(probe_id, namespace, name)
    if probe is None:
        raise LoadError(404, "No such probe", f"Service {name} in {namespace} has no probe {probe_id!r}.")
    return probe


async def probe_answer(request: Request, dashboard: Dashboard, probe: Probe) -> Response:
    """htmx: the live tally; a plain form: back to the demo page's probe."""
    if not is_fragment_request(request):
        spec = probe.spec
        page = path_for(request, "demo_page", namespace=spec.namespace, name=spec.service)
        return RedirectResponse(f"{page}#probe", status_code=303)
    view = await view_of(dashboard, probe)
    return HTMLResponse(render(dashboard, "probe_live", view))


async def tally_stream(dashboard: Dashboard, feed: ChangeFeed, probe: Probe) -> AsyncIterator[str]:
    """The probe's tally as SSE events while it runs, then `done`; ends when `feed` is closed (it is
    one of the dashboard's open streams until then)."""
    try:
        seen = -1
        while not feed.closed:
            seen = await probe.changed(seen, timeout=1.0)
            feed.drain()
            finished = probe.finished  # before rendering, so the last tally sent is the final one
            view = await view_of(dashboard, probe)
            yield sse_event("tally", render(dashboard, "tally", view))
            if finished:
                yield sse_event("done", "")
                return
            await asyncio.sleep(PROBE_PUSH_SECONDS)
    finally:
        dashboard.streams.discard(feed)


# --- JSON API ----------------------------------------------------------------------------------------


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
    return await view_of(dashboard, find(dashboard, namespace, name, probe_id))


@router.post(
    "/api/namespaces/{namespace}/services/{name}/probes/{probe_id}/stop",
    tags=["probes"],
    summary="Stop a running probe (its tally stays readable)",
)
async def api_stop(dashboard: DashboardDep, namespace: str, name: str, probe_id: str) -> ProbeView:
    probe = find(dashboard, namespace, name, probe_id)
    await dashboard.probes.stop(probe)
    return await view_of(dashboard, probe)


# --- HTML: probes ------------------------------------------------------------------------------------


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
        html = render(dashboard, "probe_error", str(exc), exc.status)
        return HTMLResponse(html, headers=refused(exc).headers)
    return await probe_answer(request, dashboard, probe)


@router.post("/namespaces/{namespace}/services/{name}/probes/{probe_id}/stop", include_in_schema=False)
async def stop_probe(
    request: Request, dashboard: DashboardDep, namespace: str, name: str, probe_id: str
) -> Response:
    probe = find(dashboard, namespace, name, probe_id)
    await dashboard.probes.stop(probe)
    return await probe_answer(request, dashboard, probe)


@router.get("/namespaces/{namespace}/services/{name}/probes/{probe_id}/events", include_in_schema=False)
async def probe_events(
    dashboard: DashboardDep, namespace: str, name: str, probe_id: str
) -> StreamingResponse:
    probe = find(dashboard, namespace, name, probe_id)
    feed = await subscribe(dashboard, namespace)
    dashboard.streams.add(feed)
    return StreamingResponse(
        tally_stream(dashboard, feed, probe), media_type="text/event-stream", headers=SSE_HEADERS
    )


# --- HTML: explain and the demo page -----------------------------------------------------------------


@router.get(
    "/namespaces/{namespace}/services/{name}/explain", response_class=HTMLResponse, include_in_schema=False
)
def explain_page(
    request: Request,
    dashboard: DashboardDep,
    namespace: str,
    name: str,
    tag: Annotated[str, Query(max_length=64)] = "",
) -> HTMLResponse:
    view = demo_view(dashboard, namespace, name, tag, False)
    context = page_context(request, dashboard, namespace, name, view)
    return page_or_fragment(
        request,
        lambda: dashboard.renderer.page("demo/explain.html", context),
        lambda: render(dashboard, "section_explain", view),
    )


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
    view = demo_view(dashboard, namespace, name, tag, present)
    probe = dashboard.probes.latest(namespace, name)
    context = page_context(request, dashboard, namespace, name, view) | {
        "probe": current_probe_view(dashboard, probe) if probe else None,
        "probe_refusal": probe_refusal(request),
        "editor": embedded_editor(request, dashboard, namespace, name),
        "plan": current_plan(
            dashboard, namespace, name, edit_refusal(request, namespace, name), mode=PROGRESS
        ),
    }
    renderer = dashboard.renderer
    return page_or_fragment(
        request,
        lambda: renderer.page("demo/page.html", context),
        lambda: renderer.block("demo/page.html", "content", context),
    )


@router.get("/namespaces/{namespace}/services/{name}/demo/events", include_in_schema=False)
async def demo_events(
    request: Request,
    dashboard: DashboardDep,
    namespace: str,
    name: str,
    tag: Annotated[str, Query(max_length=64)] = "",
    present: bool = False,
) -> StreamingResponse:
    refusal = await anyio.to_thread.run_sync(edit_refusal, request, namespace, name)
    feed = await subscribe(dashboard, namespace)

    shown = frozenset(DEMO_SECTIONS) - ({"explain"} if present else set())  # presenter: no diagram

    def render_sections(names: frozenset[str]) -> list[tuple[str, str]]:
        view = demo_view(dashboard, namespace, name, tag, present)
        sent = [
            (section, "" if section == "services" else render(dashboard, f"section_{section}", view))
            for section in DEMO_SECTIONS
            if section in names and section in shown and section != PLAN_SECTION
        ]
        if PLAN_SECTION in names:
            sent.append((PLAN_SECTION, plan_html(dashboard, namespace, name, refusal, PROGRESS)))
        return sent

    def affected(kind: str) -> frozenset[str]:
        return _AFFECTED.get(kind, frozenset())

    return respond(dashboard, feed, rendered_or_nothing(render_sections), DEMO_SECTIONS, affected)
