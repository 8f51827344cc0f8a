"""Waiting for what other threads do (controllers, caches, servers): one polling loop for every suite."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def poll(
    read: Callable[[], T], accept: Callable[[T], object] = bool, timeout: float = 5.0, interval: float = 0.02
) -> tuple[bool, T]:
    """Call `read` until `accept` takes its value or `timeout` seconds pass: (accepted, the last value)."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if accept(value):
            return True, value
        if time.monotonic() > deadline:
            return False, value
        time.sleep(interval)


def wait_until(predicate: Callable[[], object], timeout: float = 5.0, interval: float = 0.01) -> bool:
    """True as soon as `predicate()` is truthy; False if it is still not after `timeout` seconds."""
    return poll(predicate, bool, timeout, interval)[0]


def eventually(
    read: Callable[[], T],
    accept: Callable[[T], object] = bool,
    timeout: float = 5.0,
    *,
    message: str = "",
) -> T:
    """The first value of `read` that `accept` takes (by default: the first truthy one); fails the test
    with `message`, or the last value, after `timeout` seconds."""
    accepted, value = poll(read, accept, timeout, 0.02)
    assert accepted, message or f"not within {timeout} s; last: {value!r}"[:2000]
    return value


def until_passes(check: Callable[[], None], timeout: float = 5.0) -> None:
    """Run `check` until it raises no AssertionError; after `timeout` seconds its last one is raised."""

    def failure() -> AssertionError | None:
        try:
            check()
        except AssertionError as error:
            return error
        return None

    _, error = poll(failure, lambda error: error is None, timeout, 0.05)
    if error is not None:
        raise error
