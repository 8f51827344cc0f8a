"""Every object the pages list has a page of its own with its YAML and a Copy button: the kinds the
dashboard watches come from the cache (no API call), the others (Deployments, ReplicaSets, ConfigMaps,
Secrets) are read once per view. Secrets show their keys, never their values; secret-like env values
are masked as everywhere else."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.kube import resources
from app.kube.errors import ApiError, Forbidden, NotFound
from app.kube.requesting import request_json
from app.model.bodies import Obj, name_of
from app.model.views.objectpage import ShownKind, object_page, shown_kind
from app.web import loading
from app.web.dashboard import Dashboard, DashboardDep
from app.web.loading import LoadError
from app.web.pages import render_page
from app.web.templating import full_yaml_html

router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)
TEMPLATE = "object.html"
READ = {
    "deployments": resources.DEPLOYMENTS,
    "replicasets": resources.REPLICA_SETS,
    "configmaps": resources.CONFIG_MAPS,
    "secrets": resources.SECRETS,
}
"""The kinds the cache does not hold, read from the cluster when their page is opened."""


@router.get("/namespaces/{namespace}/objects/{kind}/{name}", name="object_page")
async def object_yaml_page(
    request: Request, dashboard: DashboardDep, namespace: str, kind: str, name: str
) -> HTMLResponse:
    return await dashboard.renders.run(_object_page, request, dashboard, namespace, kind, name)


def _object_page(
    request: Request, dashboard: Dashboard, namespace: str, slug: str, name: str
) -> HTMLResponse:
    kind = shown_kind(slug)
    if kind is None:
        raise LoadError(404, "No such kind", f"The dashboard shows no kind {slug!r}.")
    page = object_page(namespace, kind, find(dashboard, namespace, kind, name))
    context = {"object": page, "yaml": full_yaml_html(page.body)}
    return render_page(request, dashboard, TEMPLATE, context)


def find(dashboard: Dashboard, namespace: str, kind: ShownKind, name: str) -> Obj:
    """The object from the watch cache when its kind is watched, else read from the cluster;
    LoadError 404 when there is none, 403 when the dashboard may not read it."""
    missing = LoadError(404, "No such object", f"Namespace {namespace!r} has no {kind.kind} {name!r}.")
    if kind.cached is not None:
        objects = loading.namespace_objects(dashboard, namespace)
        group: tuple[Obj, ...] = getattr(objects, kind.cached)
        found = next((o for o in group if name_of(o) == name), None)
        if found is None:
            raise missing
        return found
    loading.check_shown(dashboard, namespace)
    try:
        body: Obj = request_json(dashboard.api_client, "GET", READ[kind.slug].path(namespace, name))
    except NotFound:
        raise missing from None
    except Forbidden as exc:
        raise LoadError(
            403, "Not allowed", f"The dashboard may not read {kind.kind} {name!r}: {exc}"
        ) from exc
    except ApiError as exc:
        raise LoadError(503, "Cannot read the cluster", str(exc)) from exc
    return body
