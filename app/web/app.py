"""build_app: the FastAPI application over a ClusterCache (routers, static files, templates, errors)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from kubernetes.client import ApiClient

from app.kube.access import AccessChecker
from app.kube.caching import ClusterCache
from app.settings import Settings
from app.web import api, docs, events, fragments, kubecontexts, objects, pages
from app.web.connection import Cluster, ClusterConnection
from app.web.dashboard import Dashboard
from app.web.demo import faults as demo_faults
from app.web.demo import routes as demo_routes
from app.web.demo.probing import ProbeRegistry, probe_limits
from app.web.editor import api as editor_api
from app.web.editor import routes as editor_routes
from app.web.history_signing import history_key
from app.web.limiting import BodyLimit
from app.web.limits import ServerLimits
from app.web.loading import LoadError
from app.web.nslist import routes as nslist_routes
from app.web.observability import install_observability
from app.web.plans import api as plans_api
from app.web.plans import views as plan_views
from app.web.security import install_security
from app.web.templating import Renderer, make_environment
from app.web.urls import RoutePaths


def build_app(settings: Settings, cache: ClusterCache, api_client: ApiClient) -> FastAPI:
    """The dashboard app over one fixed cluster. The caller owns `cache` and `api_client` (starts and
    stops them); contexts are not switched. Building asks the cluster nothing: the cache discovers
    kinds on first need."""
    access = AccessChecker(api_client, ttl=settings.access_review_seconds)
    return build_connected_app(settings, ClusterConnection(Cluster(api_client, cache, access)))


def build_connected_app(settings: Settings, connection: ClusterConnection) -> FastAPI:
    """The dashboard app over `connection` (create_app's, which may switch contexts). The caller owns
    the connection (starts and stops it)."""
    app = FastAPI(
        title="Splitboard",
        summary="See and steer Knative Serving traffic",
        docs_url=None,  # app.web.docs serves it, with its assets from the dashboard itself
        redoc_url=None,
    )
    limits = ServerLimits.from_settings(settings)  # bad limits fail here, before serving
    renderer = Renderer(make_environment(settings.templates_dir, limits.value_display_chars))
    probes = ProbeRegistry(probe_limits(settings))
    app.state.dashboard = Dashboard(
        settings, connection, renderer, history_key=history_key(settings), probes=probes
    )
    renderer.env.globals["kube_contexts"] = connection.contexts
    renderer.env.globals["path_for"] = RoutePaths(app.router)  # the routes are included below
    app.mount("/static", StaticFiles(directory=settings.static_dir), name="static")
    app.include_router(api.router)
    app.include_router(docs.router)
    app.include_router(kubecontexts.router)
    app.include_router(nslist_routes.router)  # the namespace list, its fragments and stream
    app.include_router(pages.router)
    app.include_router(fragments.router)
    app.include_router(objects.router)  # every listed object's YAML
    app.include_router(events.router)
    # The traffic editor: its page fills service.html's `editor` block.
    app.include_router(editor_routes.router)
    app.include_router(editor_api.router)
    app.include_router(demo_routes.router)  # probes, explain, presenter mode
    app.include_router(demo_faults.router)  # the simulator's fault switch (with fault_injection on)
    app.include_router(plans_api.router)  # rollout plans; its lifespan runs them
    app.include_router(plan_views.router)  # rollout plans in the browser: timeline, start form, buttons
    # Write auth, CSRF, trusted hosts, security headers; /healthz, /readyz, /metrics.
    install_security(app, settings, lambda: connection.access)
    # Outside the guard, which reads form bodies itself.
    app.add_middleware(BodyLimit, max_bytes=limits.max_body_bytes)
    install_observability(app, lambda: connection.cache, lambda: len(app.state.dashboard.streams))

    @app.exception_handler(LoadError)
    async def load_error(request: Request, exc: LoadError) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.message}, status_code=exc.status_code, headers=exc.headers)
        context = {"heading": exc.heading, "message": exc.message, "events": None}
        html = renderer.page("message.html", context)
        return HTMLResponse(html, status_code=exc.status_code, headers=exc.headers)

    return app
