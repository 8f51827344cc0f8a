"""Cached objects share their equal parts (app.kube.sharing): what users see must not show it.

Two dashboards on the same cluster, one whose cache shares and one whose cache keeps each object as
decoded: every page, fragment, YAML page and API answer they serve is the same (ages are cut out:
the two renders need not fall in the same second).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from kubernetes.client import ApiClient

from app.kube.sharing import SharedValues
from app.model.views.objectpage import SHOWN_KINDS
from app.settings import Settings
from tests.support.serving import Dashboard, serve
from tests.support.waiting import until_passes
from tests.web.cluster import NS

SECRET = "sharing-test-token"
_VARYING = (
    re.compile(r'(<time class="age" datetime="[^"]*">)[^<]*(</time>)'),  # "3s": the second of the render
    re.compile(r'(name="csrf-token" content=")[^"]*(")'),  # each server's own CSRF tokens
    re.compile(r'(name="csrf_token" value=")[^"]*(")'),
    re.compile(r'("X-CSRF-Token": ?")[^"]*(")'),
    re.compile(r'("observedAt": ?")[^"]*(")'),  # when each cache last heard from the cluster
    re.compile(r"(>)\d+[smhd](?: \d+[smhd])*( ago)"),
)


class Unshared(SharedValues):
    """A cache that shares nothing: each object is a plain copy of what was decoded."""

    def share(self, value: Any) -> Any:
        return json.loads(json.dumps(value))


@pytest.fixture
def dashboards(dashboard_api: ApiClient) -> Iterator[tuple[Dashboard, Dashboard]]:
    settings = Settings(auth_token=SECRET)
    with (
        serve(dashboard_api, settings) as sharing,
        serve(dashboard_api, settings, shared=Unshared()) as plain,
    ):
        yield sharing, plain


def test_every_page_and_answer_is_the_same_with_and_without_sharing(
    dashboards: tuple[Dashboard, Dashboard],
) -> None:
    sharing, plain = dashboards
    until_passes(lambda: _complete(sharing), 10)
    objects = sharing.cache.objects(NS)
    paths = ["/", f"/namespaces/{NS}", "/api/namespaces", f"/api/namespaces/{NS}"]
    for service in objects.services:
        name = service["metadata"]["name"]
        api = f"/api/namespaces/{NS}/services/{name}"
        paths += [f"/namespaces/{NS}/services/{name}", api, f"{api}/traffic"]
    for kind in SHOWN_KINDS:
        if kind.cached is not None:
            paths += [
                f"/namespaces/{NS}/objects/{kind.slug}/{o['metadata']['name']}"
                for o in getattr(objects, kind.cached)
            ]
    assert len(paths) > 40
    until_passes(lambda: _same(sharing, plain, paths), 20)
    assert len(sharing.cache.shared) > 0  # the first did share


def _complete(dashboard: Dashboard) -> None:
    objects = dashboard.cache.objects(NS)
    assert objects.complete and objects.services


def _same(sharing: Dashboard, plain: Dashboard, paths: list[str]) -> None:
    headers = {"Authorization": f"Bearer {SECRET}"}
    with httpx.Client(timeout=30, headers=headers) as client:
        for path in paths:
            one, two = client.get(sharing.url + path), client.get(plain.url + path)
            assert one.status_code == two.status_code == 200, (path, one.status_code, two.status_code)
            assert _timeless(one.text) == _timeless(two.text), path


def _timeless(text: str) -> str:
    for pattern in _VARYING:
        text = pattern.sub(r"\1…\2", text)
    return text
