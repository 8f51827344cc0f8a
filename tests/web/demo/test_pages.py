"""The demo pages and fragments over HTTP: probe forms (htmx and plain), the probe's SSE stream to its
final tally, the explain fragment, and what an unknown Service gets."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.support.serving import Dashboard
from tests.web.demo.conftest import API_TOKEN, NAMESPACE

HTMX = {"HX-Request": "true"}


def _client(dashboard: Dashboard) -> httpx.Client:
    base = f"{dashboard.url}/namespaces/{NAMESPACE}/services/customer"
    return httpx.Client(base_url=base, timeout=10, headers={"Authorization": f"Bearer {API_TOKEN}"})


def _events(client: httpx.Client, url: str) -> list[tuple[str, str]]:
    """Every (event, data) of an SSE stream that ends by itself."""
    events: list[tuple[str, str]] = []
    name, data = "", []
    with client.stream("GET", url) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])
            elif not line and name:
                events.append((name, "\n".join(data)))
                name, data = "", []
    return events


def test_an_htmx_probe_streams_its_tally_to_the_final_one(token_dashboard: Dashboard) -> None:
    with _client(token_dashboard) as client:
        started = client.post(
            "/probes", data={"count": "30", "rate": "100", "target": "candidate"}, headers=HTMX
        )
        assert started.status_code == 200
        stream = re.search(r'sse-connect="([^"]+)"', started.text)
        assert stream is not None and 'sse-close="done"' in started.text
        events = _events(client, token_dashboard.url + stream.group(1))
    assert [name for name, _ in events][-2:] == ["tally", "done"]
    final = events[-2][1]
    assert 'data-state="done"' in final and 'data-sent="30"' in final
    assert re.search(r'data-revision="customer-v4" data-count="30"', final)
    sents = [int(m) for _, html in events for m in re.findall(r'data-sent="(\d+)"', html)]
    assert sents == sorted(sents)


def test_a_plain_form_probe_goes_back_to_the_page_which_shows_it(token_dashboard: Dashboard) -> None:
    with _client(token_dashboard) as client:
        answer = client.post("/probes", data={"count": "5", "rate": "50"})
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/namespaces/{NAMESPACE}/services/customer/demo#probe"
        page = client.get("/demo")
        assert page.status_code == 200
        assert 'class="tally' in page.text and "of 5 requests" in page.text


def test_a_probe_that_cannot_start_says_why(token_dashboard: Dashboard) -> None:
    with _client(token_dashboard) as client:
        htmx = client.post("/probes", data={"rate": "1000"}, headers=HTMX)
        assert htmx.status_code == 200  # htmx swaps only successful answers
        assert "Cannot start the probe: rate must be between 0.1 and 100, got 1000" in htmx.text
        plain = client.post("/probes", data={"target": "nope"})
        assert plain.status_code == 400
        assert "the Route customer serves no tag &#39;nope&#39;" in plain.text


def test_explain_serves_a_page_or_a_fragment(demo_dashboard: Dashboard) -> None:
    with _client(demo_dashboard) as client:
        page = client.get("/explain", params={"tag": "latest"})
        fragment = client.get("/explain", params={"tag": "latest"}, headers=HTMX)
        unknown_tag = client.get("/explain", params={"tag": "nope"}, headers=HTMX)
    assert page.headers["vary"] == "HX-Request" and "<html" in page.text
    assert "<html" not in fragment.text and 'data-selected="latest"' in fragment.text
    assert 'data-selected=""' in unknown_tag.text  # an unknown tag highlights nothing
    assert fragment.text.count('<svg class="explain-drawing explain-svg') == 1  # the columns
    assert fragment.text.count('<svg class="explain-drawing explain-bands') == 1  # for narrow screens


@pytest.mark.parametrize(
    ("path", "assets"),
    [
        ("", ["/static/editor.css", "/static/editor.js"]),
        ("/demo", ["/static/editor.css", "/static/demo.css", "/static/editor.js", "/static/demo.js"]),
        ("/explain", ["/static/demo.css", "/static/demo.js"]),
    ],
)
def test_pages_load_their_own_assets_in_the_head(
    demo_dashboard: Dashboard, path: str, assets: list[str]
) -> None:
    """Once each, in <head>: a script swapped in with the content would not run (htmx allowScriptTags off)."""
    url = f"{demo_dashboard.url}/namespaces/{NAMESPACE}/services/customer{path}"
    with httpx.Client(timeout=10) as client:
        page = client.get(url).text
        content = client.get(url, headers=HTMX).text
    head, body = page.split("</head>", 1)
    own = re.findall(r'(?:href|src)="(/static/(?:editor|demo)\.(?:css|js))"', head)
    assert own == assets
    assert "/static/" not in body.split("<main", 1)[1]
    assert "<head" not in content and "/static/" not in content


def test_an_unknown_service_is_404_everywhere(demo_dashboard: Dashboard) -> None:
    base = f"{demo_dashboard.url}/namespaces/{NAMESPACE}/services/nope"
    with httpx.Client(timeout=10) as client:
        for tail in ("/demo", "/explain", "/demo?present=1"):
            assert client.get(base + tail).status_code == 404, tail
