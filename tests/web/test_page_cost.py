"""A Service with huge annotations and env values makes a small page: tables show the start of a long
value and how much more there is, large objects' YAML is loaded when opened, and many parallel renders
of a heavy page wait their turn instead of starving health checks and light pages."""

from __future__ import annotations

import threading

import httpx
from kubernetes.client import ApiClient

from tests.support.serving import Dashboard
from tests.support.waiting import wait_until
from tests.web.heavy import ANNOTATION, VERSION, VERSION_MARK, make_heavy

PAGE = "/namespaces/labs-1/services/customer"
PAGE_LIMIT = 400_000
"""Bytes: the page without any of the huge values is about 180 KB; with them it was over 5 MB."""


def test_a_page_with_huge_values_is_small_and_marks_what_it_cut(
    served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    make_heavy(knative_api, served_dashboard)
    html = httpx.get(served_dashboard.url + PAGE, timeout=60).text
    assert len(html) < PAGE_LIMIT
    assert "APP_VERSION=vvv" in html
    assert VERSION_MARK in html
    assert "loaded when opened" in html
    assert ANNOTATION not in html and VERSION not in html


def test_the_yaml_of_a_large_object_holds_the_full_values(
    served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    make_heavy(knative_api, served_dashboard)
    yaml = httpx.get(served_dashboard.url + PAGE + "/objects/Service/customer", timeout=60)
    assert yaml.status_code == 200
    assert ANNOTATION in yaml.text and VERSION in yaml.text
    missing = httpx.get(served_dashboard.url + PAGE + "/objects/Service/nobody", timeout=60)
    assert missing.status_code == 404


HEAVY_REQUESTS = 20
"""More than the render slots (2): the rest queue without holding the server's shared worker threads."""


def test_parallel_heavy_renders_wait_their_turn_while_others_are_answered(
    served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    make_heavy(knative_api, served_dashboard)
    url = served_dashboard.url
    renders = served_dashboard.app.state.dashboard.renders
    answered: list[int] = []
    lock = threading.Lock()

    def heavy() -> None:
        status = httpx.get(url + PAGE, timeout=300).status_code
        with lock:
            answered.append(status)

    threads = [threading.Thread(target=heavy, daemon=True) for _ in range(HEAVY_REQUESTS)]
    for thread in threads:
        thread.start()
    # The heavy requests have reached the app and most wait for a turn, holding no worker thread.
    assert wait_until(lambda: renders.waiting > 0, timeout=60)
    with httpx.Client(base_url=url, timeout=300) as client:
        assert client.get("/healthz").text == "ok"
        assert client.get("/login").status_code == 200
        with lock:
            done = len(answered)
    for thread in threads:
        thread.join(300)
    assert answered == [200] * HEAVY_REQUESTS
    assert done < HEAVY_REQUESTS, "the other requests were answered only after every heavy one"
