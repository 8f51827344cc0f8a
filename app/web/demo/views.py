"""The demo tools' rendering: the demo page's view of a Service, a probe's view, QR codes and the
partials' macros. Blocking (reads the cache): call from a worker thread."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import segno
from fastapi import Request
from markupsafe import Markup

from app.model.bodies import name_of
from app.model.demo_view import DemoView, ProbeView, revision_faults, share_bars, tag_links, ticker_lines
from app.model.explain import ExplainGraph, explain_graph
from app.model.objects import NamespaceObjects
from app.model.probestats import configured_split
from app.model.views import ConnectionView, revision_colours, service_scope, service_view
from app.web import loading
from app.web.dashboard import Dashboard
from app.web.demo.probing import Probe, ProbeSpec, SplitReader
from app.web.loading import NoSuchKnativeService
from app.web.urls import path_for

TEMPLATES = "demo/partials.html"


def render(dashboard: Dashboard, macro: str, *args: Any) -> str:
    """One macro of the demo's partials (`tally`, `probe_live`, `section_explain`, ...) as HTML."""
    return dashboard.renderer.macro(TEMPLATES, macro, *args)


def route_of(routes: Sequence[Mapping[str, Any]], name: str) -> Mapping[str, Any] | None:
    """The Route a Knative Service owns (named after it)."""
    return next((r for r in routes if name_of(r) == name), None)


# --- The demo page -----------------------------------------------------------------------------------


def qr_svg(url: str) -> Markup:
    """The URL as an inline SVG QR code (segno's own markup: no user text besides the encoded data)."""
    code = segno.make(url, error="m", micro=False)
    return Markup(code.svg_inline(scale=4, border=2, dark="#000", light="#fff", omitsize=True))


def _graph(objects: NamespaceObjects, name: str) -> ExplainGraph:
    graph = explain_graph(objects, name)
    if graph is None:
        raise NoSuchKnativeService(objects.namespace, name)
    return graph


def demo_view(dashboard: Dashboard, namespace: str, name: str, selected: str, present: bool) -> DemoView:
    """The Service's demo page now, with the path `selected` highlighted (when the graph has it)."""
    objects = loading.namespace_objects(dashboard, namespace)
    graph = _graph(objects, name)
    view = service_view(objects, name, dashboard.clock())
    assert view is not None  # explain_graph found the Service
    chosen = selected if selected in {p.key for p in graph.paths} else ""
    faults = None
    if dashboard.settings.fault_injection:
        scope = service_scope(objects, name)
        faults = revision_faults(scope.revisions if scope is not None else ())
    return DemoView(view, graph, chosen, tag_links(graph, qr_svg), present, faults)


def events_url(request: Request, namespace: str, name: str, view: DemoView) -> str:
    """The demo page's SSE stream, for the same selection and mode."""
    query = urlencode({"tag": view.selected, "present": "true" if view.present else "false"})
    return f"{path_for(request, 'demo_events', namespace=namespace, name=name)}?{query}"


def page_context(
    request: Request, dashboard: Dashboard, namespace: str, name: str, view: DemoView
) -> dict[str, Any]:
    """What the demo and explain pages render besides the probe and the editor."""
    state = dashboard.cache.connection()
    return {
        "view": view,
        "present": view.present,
        "events": events_url(request, namespace, name, view),
        "connection": ConnectionView(state.connected, state.error, stale=state.stale),
        "probe": None,
    }


# --- Probes ------------------------------------------------------------------------------------------


def probe_view(
    probe: Probe, now: float, colours: Mapping[str, int], served: list[tuple[str, int]] | None
) -> ProbeView:
    """The probe as it stands at `now`, beside the split its URL serves (None: unknown)."""
    comparison = probe.comparison()
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
        rows=share_bars(comparison, colours),
        split_changed=served is not None and served != probe.configured,
        window=len(probe.window),
        window_size=spec.window,
        split_changes=probe.split_changes,
        # (a restart is dated when the change settles, up to `follow_settle` ahead of now)
        window_age=max(0.0, round(now - max(probe.started, probe.window_since or 0.0), 1)),
        ticker=ticker_lines(reversed(probe.recent), colours),
    )


def served_split(objects: NamespaceObjects, name: str, tag: str | None) -> list[tuple[str, int]] | None:
    """The split the Route serves at the route URL (`tag` None) or a tag's URL now."""
    route = route_of(objects.routes, name)
    return configured_split(route.get("status", {}).get("traffic"), tag) if route else None


def split_reader(dashboard: Dashboard, spec: ProbeSpec) -> SplitReader:
    """What a running probe calls (in a worker thread) to follow the split its URL serves."""

    def read() -> list[tuple[str, int]] | None:
        return served_split(loading.namespace_objects(dashboard, spec.namespace), spec.service, spec.tag)

    return read


def current_probe_view(dashboard: Dashboard, probe: Probe) -> ProbeView:
    """The probe now, beside the split its URL serves now."""
    objects = loading.namespace_objects(dashboard, probe.spec.namespace)
    served = served_split(objects, probe.spec.service, probe.spec.tag)
    return probe_view(probe, time.monotonic(), revision_colours(objects.revisions), served)
