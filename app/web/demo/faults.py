"""Inject faults: the demo page's control that makes a revision fail or slow down in the simulator.

It sets the `sim.splitboard.dev/faults` annotation on one of the Service's Revisions through the
Kubernetes API (app.model.faults says what the simulated gateway does with it); the dashboard never
reaches into the simulator. It is offered only where it means something: with `fault_injection` on
(`splitboard demo` turns it on; elsewhere SPLITBOARD_FAULT_INJECTION=true), else the routes answer 404.
Like a probe it needs a dashboard that writes and a request with an identity; the cluster decides the
rest (a refused patch is shown in the cluster's words).

- `POST /namespaces/{ns}/services/{name}/faults`: the page's form (htmx: the section again, or why not).
- `PUT|DELETE /api/namespaces/{ns}/services/{name}/revisions/{revision}/faults`: the same as JSON.
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Body, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.kube.annotating import patch_annotation
from app.kube.errors import ApiError, Unreachable
from app.kube.resources import REVISIONS
from app.model.bodies import name_of
from app.model.faults import FAULTS_ANNOTATION, Faults, FaultsError, encode_faults, faults_from_form
from app.model.views import service_scope
from app.web import loading
from app.web.dashboard import Dashboard, DashboardDep, get_dashboard
from app.web.demo.views import demo_view, render
from app.web.htmx import is_fragment_request
from app.web.loading import LoadError, NoSuchKnativeService
from app.web.security import probe_refusal
from app.web.urls import path_for

FAULTS_OFF = (
    "Fault injection is off: set SPLITBOARD_FAULT_INJECTION=true to offer it (`splitboard demo` turns it on)."
)

router = APIRouter()


def refusal(request: Request) -> LoadError | None:
    """Why this request may not inject faults (404 when the feature is off), or None."""
    if not get_dashboard(request).settings.fault_injection:
        return LoadError(404, "Fault injection is off", FAULTS_OFF)
    reason = probe_refusal(request)
    return LoadError(403, "Cannot inject faults", reason) if reason else None


def set_faults(dashboard: Dashboard, namespace: str, service: str, revision: str, faults: Faults) -> Faults:
    """Annotate `revision` (one of `service`'s) with `faults` (none: remove the annotation). Blocking:
    call in a worker thread. LoadError: no such Service or revision, or the cluster refused."""
    scope = service_scope(loading.namespace_objects(dashboard, namespace), service)
    if scope is None:
        raise NoSuchKnativeService(namespace, service)
    if revision not in {name_of(r) for r in scope.revisions}:
        raise LoadError(404, "No such revision", f"Service {service!r} has no revision {revision!r}.")
    try:
        patch_annotation(
            dashboard.api_client, REVISIONS, namespace, revision, FAULTS_ANNOTATION, encode_faults(faults)
        )
    except Unreachable as exc:
        raise LoadError(503, "The cluster did not answer", f"The faults were not set: {exc}") from None
    except ApiError as exc:
        raise LoadError(
            exc.code if 400 <= exc.code < 600 else 502,
            "The cluster refused the faults",
            f"The cluster refused to annotate {revision}: {exc.reason}: {exc.message}",
        ) from None
    return faults


@router.post("/namespaces/{namespace}/services/{name}/faults", include_in_schema=False)
async def inject_faults(request: Request, dashboard: DashboardDep, namespace: str, name: str) -> Response:
    """htmx: the faults section with what was set (or why not, as 200 so htmx swaps it, the status in
    `data-status`); a plain form: back to the demo page."""
    form = await request.form()
    fields = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    revision = fields.get("revision", "").strip()
    fragment = is_fragment_request(request)
    try:
        refused = refusal(request)
        if refused is not None:
            raise refused
        try:
            faults = Faults() if "clear" in fields else faults_from_form(fields)
        except FaultsError as exc:
            raise LoadError(400, "Bad faults", str(exc)) from None
        if not revision:
            raise LoadError(400, "Bad faults", "choose a revision")
        await anyio.to_thread.run_sync(set_faults, dashboard, namespace, name, revision, faults)
    except LoadError as exc:
        if not fragment:
            raise
        html = await anyio.to_thread.run_sync(
            _section, dashboard, namespace, name, exc.message, exc.status_code
        )
        return HTMLResponse(html)
    if not fragment:
        page = path_for(request, "demo_page", namespace=namespace, name=name)
        return RedirectResponse(f"{page}#faults", status_code=303)
    said = f"{revision}: {faults.describe()}."
    html = await anyio.to_thread.run_sync(_section, dashboard, namespace, name, said, 200)
    return HTMLResponse(html)


def _section(dashboard: Dashboard, namespace: str, name: str, message: str, status: int) -> str:
    """The faults section after a change (its cache may lag the patch by a watch event: the message says
    what was set either way)."""
    view = demo_view(dashboard, namespace, name, "", False)
    return render(dashboard, "section_faults", view, message, status)


@router.put(
    "/api/namespaces/{namespace}/services/{name}/revisions/{revision}/faults",
    tags=["demo"],
    summary="Make a revision fail or slow down in the simulated cluster (its sim.splitboard.dev/faults)",
)
async def api_set_faults(
    request: Request,
    dashboard: DashboardDep,
    namespace: str,
    name: str,
    revision: str,
    body: Annotated[dict[str, Any], Body(examples=[{"errorRate": 0.5, "delayMs": 800}])],
) -> dict[str, Any]:
    refused = refusal(request)
    if refused is not None:
        raise refused
    unknown = sorted(set(body) - {"errorRate", "delayMs", "status"})
    try:
        if unknown:
            raise FaultsError(f"unknown fields: {', '.join(unknown)}")
        faults = Faults(body.get("errorRate", 0.0), body.get("delayMs", 0.0), body.get("status", 503))
    except FaultsError as exc:
        raise LoadError(400, "Bad faults", str(exc)) from None
    await anyio.to_thread.run_sync(set_faults, dashboard, namespace, name, revision, faults)
    return {"revision": revision, "annotation": FAULTS_ANNOTATION, "faults": faults.to_dict()}


@router.delete(
    "/api/namespaces/{namespace}/services/{name}/revisions/{revision}/faults",
    tags=["demo"],
    summary="Clear a revision's simulated faults",
)
async def api_clear_faults(
    request: Request, dashboard: DashboardDep, namespace: str, name: str, revision: str
) -> dict[str, Any]:
    refused = refusal(request)
    if refused is not None:
        raise refused
    await anyio.to_thread.run_sync(set_faults, dashboard, namespace, name, revision, Faults())
    return {"revision": revision, "annotation": FAULTS_ANNOTATION, "faults": None}
