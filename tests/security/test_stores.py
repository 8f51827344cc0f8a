"""The server-side state behind sign-ins and throttling, on a clock the test turns by hand."""

from __future__ import annotations

from app.web.security.sessions import SessionStore
from app.web.security.throttling import Throttle


def test_sessions_end_when_idle_or_old_and_when_revoked() -> None:
    now = [1000.0]
    store = SessionStore(lifetime=100, idle=30, clock=lambda: now[0])
    first, _ = store.create("alice")
    now[0] += 25
    assert store.user(first) is not None
    now[0] += 25  # 25 s since its last use: still alive, used again
    assert store.user(first) is not None
    now[0] += 31
    assert store.user(first) is None, "idle too long"
    old, _ = store.create(None)
    for _ in range(4):
        now[0] += 20
        assert store.user(old) is not None
    now[0] += 21
    assert store.user(old) is None, "older than the lifetime, though in use"
    revoked, _ = store.create(None)
    store.revoke(revoked)
    assert store.user(revoked) is None


def test_the_throttle_forgets_failures_after_its_window() -> None:
    now = [0.0]
    throttle = Throttle(limit=2, window=60, clock=lambda: now[0])
    throttle.failed("a")
    now[0] = 10
    throttle.failed("a")
    assert throttle.retry_after("a") == 50
    assert throttle.retry_after("b") is None
    now[0] = 60.5
    assert throttle.retry_after("a") is None, "the first failure left the window"
    throttle.failed("a")
    assert throttle.retry_after("a") == 10
    throttle.succeeded("a")
    assert throttle.retry_after("a") is None
