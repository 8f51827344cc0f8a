"""The work queue: de-duplication, deferred keys, idleness and shutdown."""

from __future__ import annotations

import threading
import time

from app.sim.knative.queueing import WorkQueue


def test_a_key_queued_twice_is_handled_once() -> None:
    queue = WorkQueue()
    queue.add("a")
    queue.add("b")
    queue.add("a")
    assert [queue.get(), queue.get()] == ["a", "b"]
    assert not queue.idle()
    queue.done()
    queue.done()
    assert queue.idle()


def test_deferred_keys_come_when_due_and_the_earliest_timer_wins() -> None:
    queue = WorkQueue()
    now = time.monotonic()
    queue.add_at(now + 10, "late")
    queue.add_at(now + 0.05, "soon")
    queue.add_at(now + 10, "soon")  # already due earlier: ignored
    assert queue.idle()
    assert queue.get() == "soon"
    assert time.monotonic() - now >= 0.05
    queue.done()
    queue.shut_down()
    assert queue.get() is None


def test_shut_down_wakes_a_blocked_get() -> None:
    queue = WorkQueue()
    got: list[object] = ["unset"]
    thread = threading.Thread(target=lambda: got.__setitem__(0, queue.get()))
    thread.start()
    queue.shut_down()
    thread.join(2)
    assert not thread.is_alive() and got == [None]
    queue.reopen()
    queue.add("again")
    assert queue.get() == "again"
