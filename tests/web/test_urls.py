"""Every link, form and stream a page holds leads to a route of the app: templates build them from route
names (`path_for`), never by hand, so a moved route cannot leave a dead link behind."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx
from fastapi import FastAPI
from starlette.routing import Match

from app.settings import Settings
from tests.support.serving import Dashboard

NS = "labs-1"
SERVICE = f"/namespaces/{NS}/services/customer"
PAGES = [
    "/",
    f"/namespaces/{NS}",
    SERVICE,
    f"{SERVICE}/traffic",
    f"{SERVICE}/demo",
    f"{SERVICE}/demo?present=1",
    f"{SERVICE}/explain",
    f"{SERVICE}/sections/yaml",
]
_LINK = re.compile(r'\b(?:href|action|src|hx-get|hx-post|sse-connect)="([^"]*)"')
_PATH_FOR = re.compile(r'path_for\("([a-z_]+)"([^)]*)\)')


def _leads_somewhere(app: FastAPI, path: str) -> bool:
    """Some route (of any method) or mount serves `path`."""
    scope = {"type": "http", "path": path, "root_path": "", "method": "GET"}
    return any(route.matches(scope)[0] != Match.NONE for route in app.router.routes)


def test_every_path_a_page_holds_is_a_route(served_dashboard: Dashboard) -> None:
    app = served_dashboard.app
    seen: set[str] = set()
    for page in PAGES:
        answer = httpx.get(served_dashboard.url + page)
        assert answer.status_code == 200, page
        for link in _LINK.findall(answer.text):
            parts = urlsplit(link.replace("&amp;", "&"))
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue  # tag URLs of the cluster, and links within the page
            seen.add(unquote(parts.path))
    unresolved = sorted(path for path in seen if not _leads_somewhere(app, path))
    assert not unresolved
    assert f"{SERVICE}/demo" in seen and f"{SERVICE}/traffic/live" in seen  # the check saw real links


def test_templates_name_routes_and_write_no_paths_by_hand(served_dashboard: Dashboard) -> None:
    app = served_dashboard.app
    templates = Settings().templates_dir
    named = 0
    for template in sorted(Path(templates).rglob("*.html")):
        text = template.read_text()
        for name, arguments in _PATH_FOR.findall(text):
            params = dict.fromkeys(re.findall(r"(\w+)=", arguments), "x")
            assert app.url_path_for(name, **params), f"{template.name}: no route {name} taking {params}"
            named += 1
        for link in _LINK.findall(text):
            hand_made = link.startswith("/") and not link.startswith("/static/")
            assert not hand_made, f"{template.name} builds {link} by hand"
    assert named > 10
