"""The plan's views as pages show them: the timeline, the start form and the presenter's progress, read
from the dashboard's cache (the plan lives in the Knative Service's annotation, so a page needs no API
call) and rendered with templates/plans/partials.html. Blocking: call from a worker thread.

The Service page, its fragment endpoint and both SSE streams (the Service page's and the demo page's)
render the plan through `timeline_html` and `progress_html`: one piece of markup per thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from app.model.bodies import name_of
from app.model.objects import NamespaceObjects
from app.model.plan_view import (
    ACTION_TITLES,
    PlanView,
    StartForm,
    plan_view,
    revision_choices,
    start_form,
)
from app.model.plans import PlanError, decode
from app.model.traffic import TrafficTarget, parse_traffic
from app.model.views import revision_colours
from app.web import loading
from app.web.dashboard import Dashboard
from app.web.loading import NoSuchKnativeService
from app.web.security import edit_refusal

TEMPLATE = "plans/partials.html"
SECTION = "plan"
"""The SSE event (and section) name of the plan's live view, on the Service page and the demo page."""
Mode = str
TIMELINE: Mode = "timeline"
PROGRESS: Mode = "progress"
TARGETS: Mapping[Mode, str] = {TIMELINE: "#plan-timeline", PROGRESS: "#plan"}
"""Where each view's buttons put their answer (the element whose inside the SSE events replace)."""


@dataclass(frozen=True)
class TimelinePanel:
    """What the plan partials render: the plan (None: no plan), why this visitor may not act (None:
    they may), the last action's error, which view answers the buttons, and presenter mode's one-click
    start (its preset picker and default revisions) while no plan is active and the visitor may write."""

    namespace: str
    service: str
    view: PlanView | None
    refusal: str | None
    error: str = ""
    mode: Mode = TIMELINE
    start: StartForm | None = None

    @property
    def titles(self) -> Mapping[str, str]:
        return ACTION_TITLES

    @property
    def target(self) -> str:
        return TARGETS[self.mode]


def render(dashboard: Dashboard, macro: str, *args: Any) -> str:
    return dashboard.renderer.macro(TEMPLATE, macro, *args)


def _service(objects: NamespaceObjects, name: str) -> Mapping[str, Any]:
    found = next((s for s in objects.services if name_of(s) == name), None)
    if found is None:
        raise NoSuchKnativeService(objects.namespace, name)
    return found


def traffic_of(service: Mapping[str, Any]) -> list[TrafficTarget]:
    """The Service's spec.traffic as targets (a block that does not parse reads as none)."""
    targets, _ = parse_traffic(service.get("spec", {}).get("traffic") or [])
    return targets


def form_of(objects: NamespaceObjects, name: str, preset: str = "canary") -> StartForm:
    """The start form for Service `name` as `objects` hold it: its revisions, newest first, and the
    defaults (the Service page's form and presenter mode's one-click start both start from it)."""
    traffic = traffic_of(_service(objects, name))
    return start_form(objects.namespace, name, revision_choices(objects.revisions, name, traffic), preset)


def start_of(
    objects: NamespaceObjects, name: str, refusal: str | None, mode: Mode, view: PlanView | None
) -> StartForm | None:
    """Presenter mode's one-click start, offered in the progress view while no plan holds the Service
    (none, or one done or aborted) to a visitor who may write."""
    if mode != PROGRESS or refusal is not None or (view is not None and view.active):
        return None
    return form_of(objects, name)


def panel_of(
    dashboard: Dashboard,
    objects: NamespaceObjects,
    name: str,
    refusal: str | None,
    error: str = "",
    mode: Mode = TIMELINE,
) -> TimelinePanel:
    """The plan on Service `name` as `objects` hold it, now. An annotation that cannot be read shows
    as no plan with the reason (the runner leaves such a Service alone)."""
    service = _service(objects, name)
    try:
        found = decode(service.get("metadata", {}).get("annotations") or {})
    except PlanError as exc:
        found = None
        error = error or f"This Service's rollout plan cannot be read: {exc}"
    view = None
    if found is not None:
        plan, progress = found
        colours = revision_colours(objects.revisions)
        view = plan_view(objects.namespace, name, plan, progress, dashboard.clock(), colours)
    start = start_of(objects, name, refusal, mode, view)
    return TimelinePanel(objects.namespace, name, view, refusal, error, mode, start)


def current_panel(
    dashboard: Dashboard,
    namespace: str,
    name: str,
    refusal: str | None,
    error: str = "",
    mode: Mode = TIMELINE,
) -> TimelinePanel:
    """The plan on the Service now, from the cache (LoadError when it cannot be read)."""
    objects = loading.namespace_objects(dashboard, namespace)
    return panel_of(dashboard, objects, name, refusal, error, mode)


def current_form(dashboard: Dashboard, namespace: str, name: str, preset: str = "canary") -> StartForm:
    """The start form for the Service as it is now: its revisions, newest first, and the defaults."""
    return form_of(loading.namespace_objects(dashboard, namespace), name, preset)


def timeline_html(dashboard: Dashboard, panel: TimelinePanel) -> str:
    return render(dashboard, "timeline", panel)


def progress_html(dashboard: Dashboard, panel: TimelinePanel) -> str:
    return render(dashboard, "progress", panel)


def live_html(
    dashboard: Dashboard, namespace: str, name: str, refusal: str | None, mode: Mode = TIMELINE
) -> str:
    """The plan's live view for an SSE event: the timeline, or the presenter's progress view."""
    panel = current_panel(dashboard, namespace, name, refusal, mode=mode)
    return timeline_html(dashboard, panel) if mode == TIMELINE else progress_html(dashboard, panel)


def page_plan(request: Request, dashboard: Dashboard, namespace: str, name: str) -> dict[str, object]:
    """What the Service page shows of plans: the timeline, and the start form to whoever may write.
    Blocking: call from a worker thread."""
    refusal = edit_refusal(request, namespace, name)
    panel = current_panel(dashboard, namespace, name, refusal)
    form = None if refusal else current_form(dashboard, namespace, name)
    return {"plan": panel, "plan_form": form}
