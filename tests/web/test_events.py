"""The SSE streams: initial state, coalesced bursts, changes from the cluster, banners and shutdown."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import httpx
from kubernetes.client import ApiClient

from app.kube.feeding import Broadcaster, ConnectionChange, ObjectChange
from app.model.views import ConnectionView
from app.web.sections import LIVE_SERVICE_SECTIONS, NAMESPACE_SECTIONS, affected_sections
from app.web.streams import EventStreams, Sharing, event_stream, sse_event
from tests.support.serving import Dashboard, serve
from tests.web.cluster import NS, knative_service, patch_service
from tests.web.markup import sse_events

ALL = frozenset(NAMESPACE_SECTIONS)


def test_sse_event_gives_each_line_its_own_data_field() -> None:
    assert sse_event("pods", "<p>\none</p>") == "event: pods\ndata: <p>\ndata: one</p>\n\n"
    assert sse_events(sse_event("a", "x\ny") + ": keepalive\n\n" + sse_event("b", "z")) == [
        ("a", "x\ny"),
        ("b", "z"),
    ]


def test_a_burst_of_changes_renders_each_section_once() -> None:
    async def scenario() -> tuple[list[frozenset[str]], list[str]]:
        broadcaster = Broadcaster()
        feed = broadcaster.subscribe(NS)
        streams = EventStreams()
        renders: list[frozenset[str]] = []

        def render(names: frozenset[str]) -> list[tuple[str, str]]:
            renders.append(names)
            return [(n, f"<p>{n}</p>") for n in sorted(names)]

        stream = event_stream(
            feed,
            streams,
            render=render,
            render_connection=lambda view: f"connected={view.connected}",
            initial=ConnectionView(True),
            affected=affected_sections,
            everything=ALL,
        )
        messages = [await anext(stream) for _ in range(1 + len(ALL))]
        for i in range(30):
            broadcaster.publish(ObjectChange(NS, "pods", f"pod-{i}", "ADDED"))
        broadcaster.publish(ObjectChange(NS, "revisions", "customer-v5", "ADDED"))
        broadcaster.publish(ConnectionChange(connected=False, error="refused"))
        burst = (affected_sections("pods") | affected_sections("revisions")) & ALL
        messages += [await anext(stream) for _ in range(1 + len(burst))]
        streams.close_all()
        messages += [m async for m in stream]
        return renders, messages

    # Playwright's sync API keeps an event loop on this thread once a browser test ran: use another.
    with ThreadPoolExecutor(1) as pool:
        renders, messages = pool.submit(asyncio.run, scenario()).result(timeout=10)
    assert renders == [ALL, (affected_sections("pods") | affected_sections("revisions")) & ALL]
    events = [name for name, _ in sse_events("".join(messages))]
    assert events[0] == "connection" and sorted(events[1 : 1 + len(ALL)]) == sorted(ALL)
    burst_events = events[1 + len(ALL) :]
    assert burst_events[0] == "connection" and len(burst_events) == len(set(burst_events))


def test_the_streams_of_a_page_woken_by_one_change_share_one_render() -> None:
    async def scenario() -> tuple[list[frozenset[str]], list[list[str]]]:
        broadcaster = Broadcaster()
        streams = EventStreams()
        renders: list[frozenset[str]] = []
        version = [1]

        def render(names: frozenset[str]) -> list[tuple[str, str]]:
            renders.append(names)
            time.sleep(0.05)  # a render takes a while: every stream asks before it ends
            return [(n, f"<p>{n} {version[0]}</p>") for n in sorted(names)]

        def stream() -> AsyncGenerator[str, None]:
            return event_stream(
                broadcaster.subscribe(NS),
                streams,
                render=render,
                render_connection=lambda view: "",
                initial=ConnectionView(True),
                affected=affected_sections,
                everything=ALL,
                sharing=Sharing(("namespace", NS), lambda: version[0]),
            )

        async def messages(s: AsyncIterator[str], n: int) -> list[str]:
            return [await anext(s) for _ in range(n)]

        clients = [stream() for _ in range(20)]
        await asyncio.gather(*(messages(c, 1 + len(ALL)) for c in clients))
        version[0] = 2
        broadcaster.publish(ObjectChange(NS, "routes", "customer", "MODIFIED"))
        routed = affected_sections("routes") & ALL
        after = await asyncio.gather(*(messages(c, len(routed)) for c in clients))
        # A stream whose cache holds another version renders for itself.
        version[0] = 3
        broadcaster.publish(ObjectChange(NS, "routes", "customer", "MODIFIED"))
        after += [await messages(clients[0], len(routed))]
        streams.close_all()
        for c in clients:
            await c.aclose()
        return renders, after

    with ThreadPoolExecutor(1) as pool:
        renders, after = pool.submit(asyncio.run, scenario()).result(timeout=20)
    routed = affected_sections("routes") & ALL
    assert renders == [ALL, routed, routed]
    assert all(sse_events("".join(m)) == sse_events("".join(after[0])) for m in after[:20])
    assert sse_events("".join(after[0])) == [(n, f"<p>{n} 2</p>") for n in sorted(routed)]
    assert sse_events("".join(after[20])) == [(n, f"<p>{n} 3</p>") for n in sorted(routed)]


def test_idle_streams_refresh_the_sections_that_show_ages() -> None:
    async def scenario() -> list[str]:
        broadcaster = Broadcaster()
        streams = EventStreams()
        stream = event_stream(
            broadcaster.subscribe(NS),
            streams,
            render=lambda names: [(n, f"<p>{n}</p>") for n in sorted(names)],
            render_connection=lambda view: "",
            initial=ConnectionView(True),
            affected=affected_sections,
            everything=frozenset({"pods", "routes"}),
            aged=frozenset({"pods", "services"}),
            idle=0.05,
        )
        messages = [await anext(stream) for _ in range(3)]  # the banner, then pods and routes
        messages.append(await anext(stream))  # nothing changed: only the aged section shown here
        streams.close_all()
        await stream.aclose()
        return messages

    with ThreadPoolExecutor(1) as pool:
        messages = pool.submit(asyncio.run, scenario()).result(timeout=10)
    assert [name for name, _ in sse_events("".join(messages))] == ["connection", "pods", "routes", "pods"]


class EventReader:
    """Reads an open SSE response event by event (one text iterator, kept across calls)."""

    def __init__(self, response: httpx.Response) -> None:
        self._chunks = response.iter_text()
        self._buffer = ""
        self._pending: list[tuple[str, str]] = []

    def until(self, wanted: Callable[[str, str], bool], timeout: float = 5.0) -> list[tuple[str, str]]:
        """Events up to and including the first that `wanted` accepts (fails after `timeout`)."""
        seen: list[tuple[str, str]] = []
        deadline = time.monotonic() + timeout
        while True:
            while self._pending:
                event = self._pending.pop(0)
                seen.append(event)
                if wanted(*event):
                    return seen
            assert time.monotonic() < deadline, f"not seen in {timeout}s; got {[e for e, _ in seen]}"
            chunk = next(self._chunks, None)
            assert chunk is not None, f"the stream ended; got {[e for e, _ in seen]}"
            *complete, self._buffer = (self._buffer + chunk).split("\n\n")
            self._pending += sse_events("\n\n".join(complete) + "\n\n") if complete else []

    def ended(self) -> bool:
        """Read to the end; True once the server has closed the stream."""
        for _ in self._chunks:
            pass
        return True


@contextmanager
def event_stream_of(dashboard: Dashboard, path: str) -> Iterator[EventReader]:
    """An open SSE stream whose first batch (the banner and every section) has been read."""
    with (
        httpx.Client(base_url=dashboard.url, timeout=httpx.Timeout(5.0)) as client,
        client.stream("GET", path) as response,
    ):
        assert response.headers["content-type"].startswith("text/event-stream")
        reader = EventReader(response)
        reader.until(lambda event, _: event == "pods")
        yield reader


def test_a_traffic_change_reaches_the_stream_as_sections(
    served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    traffic: list[dict[str, Any]] = knative_service(knative_api, "customer")["spec"]["traffic"]
    first, second = [t for t in traffic if t.get("percent")][:2]
    first["percent"], second["percent"] = 80, 20
    with event_stream_of(served_dashboard, f"/namespaces/{NS}/events") as events:
        patch_service(knative_api, "customer", {"spec": {"traffic": traffic}})
        pattern = rf'data-side="status".*?data-revision="{first["revisionName"]}">.*?<td class="num">80%</td>'
        seen = events.until(lambda event, data: event == "routes" and bool(re.search(pattern, data, re.S)))
    assert {"routes", "revisions", "services"} <= {event for event, _ in seen}


def test_service_stream_sends_the_service_sections(served_dashboard: Dashboard) -> None:
    with (
        httpx.Client(base_url=served_dashboard.url, timeout=httpx.Timeout(5.0)) as client,
        client.stream("GET", f"/namespaces/{NS}/services/customer/events") as response,
    ):
        seen = EventReader(response).until(lambda event, _: event == "pods")
    assert {event for event, _ in seen} == {"connection", *LIVE_SERVICE_SECTIONS}


def test_closing_the_streams_ends_them_at_once(served_dashboard: Dashboard) -> None:
    with event_stream_of(served_dashboard, f"/namespaces/{NS}/events") as events:
        started = time.monotonic()
        served_dashboard.app.state.dashboard.streams.close_all()
        assert events.ended()
        assert time.monotonic() - started < 1.0


def test_the_server_stops_promptly_with_a_stream_open(dashboard_api: ApiClient) -> None:
    with (
        serve(dashboard_api) as dashboard,
        event_stream_of(dashboard, f"/namespaces/{NS}/events") as events,
    ):
        started = time.monotonic()
        dashboard.server.should_exit = True
        assert events.ended()
        assert time.monotonic() - started < 1.5  # well under uvicorn's graceful timeout (2 s)


def test_the_banner_follows_the_cluster_connection(served_dashboard: Dashboard, knative_cluster: Any) -> None:
    with event_stream_of(served_dashboard, f"/namespaces/{NS}/events") as events:
        knative_cluster.stop()
        events.until(lambda e, data: e == "connection" and 'data-connection="lost"' in data, timeout=10)
        knative_cluster.start()
        events.until(lambda e, data: e == "connection" and 'data-connection="back"' in data, timeout=10)
