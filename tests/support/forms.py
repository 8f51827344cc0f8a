"""Reading the editor's form like a browser without JavaScript would submit it, and talking to it."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from typing import Any

import httpx
from kubernetes.client import ApiClient, CoreV1Api

NS = "labs-1"
EDITOR = f"/namespaces/{NS}/services/customer/traffic"
API = f"/api/namespaces/{NS}/services/customer/traffic"


class _FormReader(HTMLParser):
    """The successful controls of the form `#traffic-editor` (inputs, checked boxes, selected options)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: dict[str, str] = {}
        self._inside = False
        self._select: str | None = None
        self._first_option: str | None = None
        self._chosen = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("id") == "traffic-editor":
            self._inside = True
        if not self._inside:
            return
        if tag == "input" and "name" in a:
            kind = a.get("type", "text")
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self.fields[a["name"]] = a.get("value") or "on"
            elif kind not in {"submit", "button"}:
                self.fields[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select, self._first_option, self._chosen = a.get("name"), None, False
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a:
                self.fields[self._select] = a.get("value", "")
                self._chosen = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select:
            if not self._chosen and self._first_option is not None:
                self.fields[self._select] = self._first_option
            self._select = None
        if tag == "form":
            self._inside = False


def form_fields(html: str) -> dict[str, str]:
    reader = _FormReader()
    reader.feed(html)
    assert "rv" in reader.fields, "no editor form in the page"
    return reader.fields


def percents(fields: dict[str, str]) -> list[str]:
    rows = sorted(int(m.group(1)) for k in fields if (m := re.fullmatch(r"t(\d+)\.percent", k)))
    return [fields[f"t{i}.percent"] for i in rows]


def set_percents(fields: dict[str, str], *values: int | str) -> dict[str, str]:
    """Type into the number fields (the sliders untouched: what was typed wins, as in the browser)."""
    changed = dict(fields)
    for index, value in enumerate(values):
        changed[f"t{index}.percent"] = str(value)
    return changed


def post(
    client: httpx.Client, fields: dict[str, str], action: str, path: str = EDITOR, **headers: str
) -> httpx.Response:
    return client.post(path, data={**fields, "action": action}, headers=headers)


def editor_html(html: str) -> str:
    match = re.search(r'<form id="traffic-editor".*?</form>', html, re.S)
    assert match is not None, "no editor in the answer"
    return match.group(0)


def notices(html: str) -> list[tuple[str, str]]:
    """(kind, text) of each notice banner."""
    found = re.findall(r'data-notice="(\w+)">\s*<strong>(.*?)</strong>', html, re.S)
    return [(kind, text) for kind, text in found]


def row_errors(html: str, row: int) -> list[str]:
    match = re.search(rf'<ul class="ed-msgs" id="ed-t{row}-msgs"[^>]*>(.*?)</ul>', html, re.S)
    assert match is not None, f"no messages list for row {row}"
    return [
        unescape(m) for m in re.findall(r"<li class=\"error\" data-error>(.*?)</li>", match.group(1), re.S)
    ]


def general_errors(html: str) -> list[str]:
    match = re.search(r"<ul class=\"ed-msgs\" data-general[^>]*>(.*?)</ul>", html, re.S)
    return [unescape(m) for m in re.findall(r"<li[^>]*>(.*?)</li>", match.group(1), re.S)] if match else []


def unescape(text: str) -> str:
    return html.unescape(text)


def spec_traffic(service: dict[str, Any]) -> list[dict[str, Any]]:
    return list(service["spec"]["traffic"])


def traffic_events(api: ApiClient) -> list[dict[str, Any]]:
    """The history Events (TrafficChanged) in the lab's namespace, as the cluster holds them."""
    events = CoreV1Api(api).list_namespaced_event(NS).to_dict()["items"]
    return [e for e in events if e["reason"] == "TrafficChanged"]


@contextmanager
def csrf_client(url: str) -> Iterator[httpx.Client]:
    """A client holding the dashboard's CSRF cookie, sending its token on every request (as htmx does)."""
    with httpx.Client(base_url=url, timeout=10) as http:
        token = form_fields(http.get(EDITOR).text).get("csrf_token")
        if token:
            http.headers["X-CSRF-Token"] = token
        yield http
