"""Watch health: finding the changes a watch silently missed, by comparing its store with a fresh list.

A watch can lose an event without any error (a proxy dropping a line, a server bug): the store then
shows an old state as if it were current, until the next full relist. The checker lists each watched
kind every `period` seconds and compares the objects' resourceVersions with the store's.

A difference alone proves nothing: the event may simply still be on its way. So a key counts as missed
only when the store held the same version before the list, right after it, and still `grace` seconds
later, while the server's list showed another (or the object's absence). A store that moved meanwhile
was being fed by its watch; a relist in between replaced the store and healed it anyway. Only
resourceVersion equality is used (the API promises no order between versions).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from app.kube.errors import ApiError
from app.kube.reflecting import Reflector

log = logging.getLogger(__name__)

Versions = Mapping[str, str]
"""Store key -> resourceVersion."""


def suspects(before: Versions, listed: Versions, after: Versions) -> dict[str, str | None]:
    """The keys whose listed version differs from the store's while the store did not move during
    the list, each with the version the store held (None: absent)."""
    found: dict[str, str | None] = {}
    for key in listed.keys() | after.keys():
        held = after.get(key)
        if listed.get(key) != held and before.get(key) == held:
            found[key] = held
    return found


def missed(suspected: Mapping[str, str | None], now: Versions) -> list[str]:
    """The suspected keys whose store version still has not moved: their events were lost."""
    return sorted(key for key, held in suspected.items() if now.get(key) == held)


@dataclass(frozen=True)
class _Pending:
    """One reflector's suspected keys, waiting out the grace period."""

    reflector: Reflector
    suspected: dict[str, str | None]
    relists: int
    listed_at: float


MissedCallback = Callable[[Reflector, list[str]], None]


class WatchChecker:
    """Checks every reflector `reflectors()` gives, one list at a time, on its own thread.

    `on_missed(reflector, keys)` is called when a watch is found to have missed changes (the caller
    marks the data stale and asks the reflector to relist); a check that finds the store right
    confirms it (`Reflector.confirm`), which dates the data the pages show.
    """

    def __init__(
        self,
        reflectors: Callable[[], Iterable[Reflector]],
        on_missed: MissedCallback,
        *,
        period: float,
        grace: float,
    ) -> None:
        if period <= 0 or grace < 0:
            raise ValueError("the check period must be positive and the grace period not negative")
        self._reflectors, self._on_missed = reflectors, on_missed
        self.period, self.grace = period, grace
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="watch checker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def check_once(self) -> None:
        """One round: list every healthy reflector's kind, wait out the grace, judge (blocking)."""
        pending = [p for r in list(self._reflectors()) if (p := self._compare(r)) is not None]
        if not pending or self._stopping.wait(self.grace):
            return
        for item in pending:
            self._judge(item)

    def _run(self) -> None:
        while not self._stopping.wait(self.period):
            try:
                self.check_once()
            except Exception:  # a bug must not end the checks: say so and try next round
                if not self._stopping.is_set():  # stopping closes the client under a running list
                    log.exception("watch check failed")

    def _compare(self, reflector: Reflector) -> _Pending | None:
        if self._stopping.is_set() or not reflector.has_synced() or reflector.last_error is not None:
            return None
        relists, before = reflector.relists, reflector.store.versions()
        listed_at = time.time()
        try:
            listed = reflector.list_watch.list_versions()
        except ApiError as error:  # the reflector's own requests will notice an outage
            log.debug("watch check of %s could not list: %s", reflector.name, error)
            return None
        found = suspects(before, listed.versions, reflector.store.versions())
        if reflector.relists != relists:
            return None  # the store was replaced meanwhile: it is as fresh as a list
        if not found:
            reflector.confirm(listed_at)
            return None
        return _Pending(reflector, found, relists, listed_at)

    def _judge(self, item: _Pending) -> None:
        reflector = item.reflector
        if reflector.relists != item.relists or reflector.last_error is not None:
            return  # relisted (healed) or failing (the connection banner says so) meanwhile
        lost = missed(item.suspected, reflector.store.versions())
        if lost:
            log.warning("watch %s missed changes to %s; relisting", reflector.name, ", ".join(lost[:5]))
            self._on_missed(reflector, lost)
        else:
            reflector.confirm(item.listed_at)  # every difference was an event on its way
