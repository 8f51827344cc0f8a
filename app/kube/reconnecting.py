"""Noticing quickly that an unreachable API server is back.

Each reflector backs off on its own, up to half a minute between attempts: kind to a server that is
down, but after it returns the pages could stay old for that long. While the cluster counts as
unreachable, one probe asks the server every `interval` seconds for /version (cheap, and readable by
anyone); the first answer after silence calls `on_back` once, which ends every reflector's wait.
A server that answers the probe while still failing the lists gets that wake-up once, not a storm.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from kubernetes.client import ApiClient

from app.kube.errors import ApiError
from app.kube.requesting import request_json

log = logging.getLogger(__name__)


class ReconnectProbe:
    """Probes the API server while `lost()` holds (until `back()`), on its own thread."""

    def __init__(self, api_client: ApiClient, on_back: Callable[[], None], *, interval: float) -> None:
        if interval <= 0:
            raise ValueError("the reconnect interval must be positive")
        self.api_client, self.interval = api_client, interval
        self._on_back = on_back
        self._lock = threading.Lock()
        self._lost = threading.Event()
        self._stopping = threading.Event()
        self._woken = False
        """Whether `on_back` was already called since the server was last found silent."""
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="reconnect probe", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._lost.set()  # ends the wait for an outage
        if self._thread is not None:
            self._thread.join(timeout)

    def lost(self) -> None:
        """The cluster became unreachable: start probing."""
        with self._lock:
            self._woken = False
        self._lost.set()

    def back(self) -> None:
        """The cluster is reachable again: stop probing."""
        self._lost.clear()

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._lost.wait()
            if self._stopping.wait(self.interval) or not self._lost.is_set():
                continue
            answered = self._answers()
            with self._lock:
                wake, self._woken = answered and not self._woken, answered
            if wake:
                log.info("the API server answers again: retrying every watch now")
                self._on_back()

    def _answers(self) -> bool:
        timeout = max(1.0, self.interval)
        try:
            request_json(self.api_client, "GET", "/version", timeout=(timeout, timeout))
        except ApiError:
            return False
        except Exception:  # e.g. the client closed while stopping: not an answer, and no crash
            log.debug("reconnect probe failed", exc_info=True)
            return False
        return True
