"""The change feed: fan-out, namespace filtering, overflow to Resync, thread and asyncio readers."""

from __future__ import annotations

import asyncio
import threading
import time

from app.kube.feeding import Broadcaster, ConnectionChange, FeedItem, ObjectChange, Resync
from tests.plugins.browser import run_async


def change(namespace: str, name: str = "customer") -> ObjectChange:
    return ObjectChange(namespace, "services", name, "MODIFIED")


def test_feeds_get_their_namespace_plus_namespace_list_and_connection_changes() -> None:
    broadcaster = Broadcaster()
    everything, labs1 = broadcaster.subscribe(), broadcaster.subscribe("labs-1")
    items: list[FeedItem] = [change("labs-1"), change("labs-2")]
    items += [ObjectChange("", "namespaces", "labs-3", "ADDED"), ConnectionChange(False, "boom")]
    for item in items:
        broadcaster.publish(item)
    assert everything.drain() == items
    assert labs1.drain() == [items[0], items[2], items[3]]


def test_slow_subscriber_is_told_to_resync_and_never_blocks_publishing() -> None:
    broadcaster = Broadcaster(maxsize=3)
    slow = broadcaster.subscribe()
    for i in range(3):
        broadcaster.publish(change("labs-1", f"s{i}"))
    started = time.monotonic()
    broadcaster.publish(change("labs-1", "overflow"))
    broadcaster.publish(change("labs-1", "after"))
    assert time.monotonic() - started < 0.1
    assert slow.drain() == [Resync(), change("labs-1", "after")]
    assert broadcaster.overflows == 1


def test_two_hundred_subscribers_all_receive_from_another_thread() -> None:
    broadcaster = Broadcaster()
    feeds = [broadcaster.subscribe() for _ in range(200)]

    def publish_five() -> None:
        for i in range(5):
            broadcaster.publish(change("labs-1", str(i)))

    publisher = threading.Thread(target=publish_five)
    publisher.start()
    publisher.join()
    for feed in feeds:
        assert [feed.get(1.0) for _ in range(5)] == [change("labs-1", str(i)) for i in range(5)]
    broadcaster.close_all()
    assert broadcaster.feeds() == []


def test_get_times_out_and_close_wakes_a_waiting_reader() -> None:
    broadcaster = Broadcaster()
    feed = broadcaster.subscribe()
    assert feed.get(0.01) is None
    results: list[object] = []
    reader = threading.Thread(target=lambda: results.append(feed.get(5.0)))
    reader.start()
    time.sleep(0.05)
    feed.close()
    reader.join(1.0)
    assert results == [None] and not reader.is_alive()
    broadcaster.publish(change("labs-1"))
    assert feed.drain() == [] and broadcaster.feeds() == []


def test_aget_is_woken_by_a_publish_from_a_thread_and_times_out() -> None:
    async def scenario() -> tuple[object, object]:
        broadcaster = Broadcaster()
        with broadcaster.subscribe("labs-1") as feed:
            publisher = threading.Thread(target=broadcaster.publish, args=(change("labs-1"),))
            asyncio.get_running_loop().call_later(0.05, publisher.start)
            first = await feed.aget(2.0)
            second = await feed.aget(0.05)
            publisher.join()
            return first, second

    assert run_async(scenario()) == (change("labs-1"), None)
