"""The real app (build_app) served with a test-only write route, and a client for it.

The write route stands for any route that changes a Service's traffic: it carries `require_edit` and
answers with the acting user and a form field (proving the guard hands the body on intact).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import APIRouter, Depends, FastAPI, Request

from app.kube.caching import ClusterCache
from app.settings import Settings
from app.web.observability import record_patch
from app.web.security import acting_user, can_edit, edit_refusal, require_edit
from tests.plugins.sim import dashboard_client
from tests.support.serving import serve

router = APIRouter(prefix="/_test")


@router.post("/namespaces/{namespace}/services/{name}", dependencies=[Depends(require_edit)])
async def write(request: Request, namespace: str, name: str) -> dict[str, Any]:
    form = await request.form()
    return {"user": acting_user(request), "note": form.get("note")}


@router.get("/namespaces/{namespace}/services/{name}/can-edit")
def editable(request: Request, namespace: str, name: str) -> dict[str, Any]:
    return {"can_edit": can_edit(request, namespace, name), "refusal": edit_refusal(request, namespace, name)}


@router.post("/patched/{outcome}")
def patched(request: Request, outcome: str) -> dict[str, str]:
    """Counts a patch outcome as the editor does after a write."""
    record_patch(request, outcome)
    return {"outcome": outcome}


WRITE = "/_test/namespaces/labs-1/services/customer"


def page_token(html: str) -> str:
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', html)
    assert found, html
    return found.group(1)


@dataclass
class Served:
    """A served dashboard and an HTTP client for it (cookies kept, redirects not followed)."""

    url: str
    app: FastAPI
    cache: ClusterCache
    client: httpx.Client

    def csrf_token(self) -> str:
        """The token a page gives this client (its `csrf-token` meta tag)."""
        return page_token(self.client.get("/login").text)

    def write(self, note: str = "hello", **headers: str) -> httpx.Response:
        return self.client.post(WRITE, data={"note": note}, headers=headers)


MakeDashboard = Callable[..., Served]
"""make(kubeconfig=None, **settings fields) -> Served: the security suite's factory fixture."""


@contextmanager
def serve_dashboard(settings: Settings, kubeconfig: Path) -> Iterator[Served]:
    """build_app over `kubeconfig` with `settings` and the test route, served."""
    with (
        dashboard_client(kubeconfig) as api_client,
        serve(api_client, settings, routers=[router]) as dashboard,
        httpx.Client(base_url=dashboard.url, follow_redirects=False, timeout=10) as client,
    ):
        yield Served(dashboard.url, dashboard.app, dashboard.cache, client)
