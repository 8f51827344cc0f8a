"""Row view data kept per object version, so a change costs the rows it changed, not the namespace.

A row is built from its object and from a little of the namespace around it (the revisions' colours,
the traffic a revision gets, a Service's owners and Endpoints). Its key is the object's uid and
resourceVersion (the API server changes the version with every write) and what it takes from around
it: the same key always builds the same row, so a kept row is exactly what building it again gives,
but for its age, which is brought to `now` on the way out.

Plain data, no clock, no I/O: the caller owns a memo and passes it in. Objects without a uid or a
resourceVersion (made by hand, never stored) are built every time.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any, TypeVar

from app.model.bodies import Obj, meta
from app.model.views.ages import age

T = TypeVar("T")

MEMO_SIZE = 30_000
"""Rows kept: a 200-revision namespace has about 1,500; rows unused for two generations are dropped."""


class RowMemo:
    """Rows by (kind of row, object uid, resourceVersion, dependencies). Two generations of dicts: a
    row used is kept in the current one; when it is full, the older generation is dropped. Safe to
    share between threads without a lock: each step is one dict operation, and two threads building
    the same row build equal rows."""

    def __init__(self, size: int = MEMO_SIZE) -> None:
        """`size` 0: keep nothing (every row is built)."""
        self.size = size
        self._current: dict[Hashable, Any] = {}
        self._previous: dict[Hashable, Any] = {}
        self._interned: dict[Hashable, Hashable] = {}
        self.built: Counter[str] = Counter()
        """Rows actually built, by kind of row."""
        self.asked: Counter[str] = Counter()
        """Rows asked for (kept or built), by kind of row: what a view cost in rows looked at."""

    def row(self, kind: str, obj: Obj, depends: Hashable, build: Callable[[], T]) -> T:
        """`build()`'s row for `obj` as of its version and `depends` (kept or built now)."""
        self.asked[kind] += 1
        metadata = meta(obj)
        uid, version = metadata.get("uid"), metadata.get("resourceVersion")
        if not uid or not version or self.size <= 0:
            self.built[kind] += 1
            return build()
        key = (kind, uid, version, depends)
        found = self._current.get(key)
        if found is None:
            found = self._previous.get(key)
            if found is None:
                found = build()
                self.built[kind] += 1
            self._keep(key, found)
        return found

    def checked(self, kind: str, obj: Obj, valid: Callable[[T], bool], build: Callable[[], T]) -> T:
        """Like `row`, for a value that also depends on other objects, found by walking from `obj`:
        the kept value is used while `valid(value)` says those objects are still as it saw them (a
        check cheaper than the walk)."""
        self.asked[kind] += 1
        metadata = meta(obj)
        uid, version = metadata.get("uid"), metadata.get("resourceVersion")
        if not uid or not version or self.size <= 0:
            self.built[kind] += 1
            return build()
        key = (kind, uid, version)
        found = self._current.get(key)
        if found is None:
            found = self._previous.get(key)
        if found is None or not valid(found):
            found = build()
            self.built[kind] += 1
        self._keep(key, found)
        return found

    def intern(self, value: T) -> T:
        """An equal value seen before, if any: keys holding it then compare by identity (a colour map
        of hundreds of revisions is compared once per view, not once per row)."""
        key: Any = value
        found = self._interned.get(key)
        if found is None:
            if len(self._interned) > 64:
                self._interned.clear()
            self._interned[key] = key
            return value
        return found  # type: ignore[return-value]

    def _keep(self, key: Hashable, row: Any) -> None:
        if len(self._current) >= self.size:
            self._previous, self._current = self._current, {}
        self._current[key] = row


def aged(row: T, obj: Obj, now: datetime) -> T:
    """A kept row with its `age` as of `now` (the row itself when that is the age it shows)."""
    current = age(meta(obj).get("creationTimestamp"), now)
    if getattr(row, "age", current) == current:
        return row
    return dataclasses.replace(row, age=current)  # type: ignore[type-var]
