"""Switching the kubeconfig context the dashboard shows: the header's form and the JSON API.

Who may switch: whoever the dashboard accepts changes from at all (the security guard lets no write
through without an identity: on loopback, a signed-in token, or the proxy's user), also when it runs
read-only. Switching changes what this dashboard shows, for everyone using it, and nothing in any
cluster, so neither read-only mode nor a Service's RBAC applies; an anonymous visitor of a dashboard
open beyond loopback cannot switch it for everyone.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from app.web.connection import ContextError, Contexts
from app.web.dashboard import Dashboard, DashboardDep
from app.web.loading import LoadError
from app.web.urls import path_for

router = APIRouter()


class Switch(BaseModel):
    """The context to show from now on."""

    model_config = ConfigDict(extra="forbid")
    context: str = Field(min_length=1, description="A context name from the dashboard's kubeconfig")


def contexts_body(contexts: Contexts) -> dict[str, Any]:
    return {"current": contexts.current, "contexts": list(contexts.names), "switchable": contexts.switchable}


def _switch(dashboard: Dashboard, name: str) -> Contexts:
    """Blocking: builds the new context's client and stops the old cache."""
    dashboard.connection.switch(name)
    return dashboard.connection.contexts()


@router.get("/api/contexts", tags=["contexts"], summary="The kubeconfig contexts and the one shown")
def get_contexts(dashboard: DashboardDep) -> dict[str, Any]:
    return contexts_body(dashboard.connection.contexts())


@router.post(
    "/api/contexts",
    tags=["contexts"],
    summary="Show another kubeconfig context (for every user of this dashboard; changes no cluster)",
)
async def switch_context(dashboard: DashboardDep, switch: Switch) -> JSONResponse:
    try:
        contexts = await run_in_threadpool(_switch, dashboard, switch.context)
    except ContextError as error:
        body = {"code": error.code, "reason": error.reason, "message": str(error)}
        return JSONResponse(body, status_code=error.code)
    return JSONResponse(contexts_body(contexts))


@router.post("/contexts", name="switch_context_form", include_in_schema=False)
async def switch_context_form(request: Request, dashboard: DashboardDep) -> Response:
    """The header's form: back to the namespaces page (the one shown may not exist in the new context)."""
    form = await request.form()
    name = form.get("context")
    if not isinstance(name, str) or not name:
        raise LoadError(400, "Cannot switch the context", "the form names no context")
    try:
        await run_in_threadpool(_switch, dashboard, name)
    except ContextError as error:
        raise LoadError(error.code, "Cannot switch the context", str(error)) from error
    return RedirectResponse(path_for(request, "namespaces_page"), status_code=303)
