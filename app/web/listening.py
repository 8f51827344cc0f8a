"""Accepting connections with the limits uvicorn lacks.

- A request's head must arrive within `header_timeout_seconds` of its first byte (or of connecting),
  and a kept-alive connection without a request closes after `idle_timeout_seconds`: idle or trickling
  sockets cannot pile up.
- One address may hold `max_connections_per_client` connections; more get a 503 and are closed at
  once, so one client cannot take every file descriptor.
- When accepting fails for lack of descriptors (EMFILE and kin), the loop waits and retries with a
  growing delay and logs one line per episode. asyncio's own accept loop retries every pending
  connection at once and logs each failure, which made a busy server spin through thousands of
  tracebacks a second while answering nobody.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import socket
from collections import Counter
from collections.abc import Callable
from typing import Any

import h11
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from app.web.limits import ServerLimits

log = logging.getLogger(__name__)

OUT_OF_RESOURCES = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
BACKOFF_FIRST, BACKOFF_MAX = 0.05, 1.0
_REFUSAL_TEXT = b"Too many connections from your address; close some and retry.\n"
REFUSAL = (
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: %d\r\nretry-after: 5\r\nconnection: close\r\n\r\n%s"
    % (len(_REFUSAL_TEXT), _REFUSAL_TEXT)
)


class ConnectionCounts:
    """Open connections per client address (the event loop's thread only)."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self._open: Counter[str] = Counter()

    def admit(self, host: str) -> bool:
        if self.cap and self._open[host] >= self.cap:
            return False
        self._open[host] += 1
        return True

    def release(self, host: str) -> None:
        self._open[host] -= 1
        if self._open[host] <= 0:
            del self._open[host]


class LimitedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a deadline for each request head and a set idle timeout."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        limits: ServerLimits,
        on_close: Callable[[], None],
    ) -> None:
        super().__init__(config, server_state, app_state)
        # The dashboard serves no WebSockets; an upgraded connection would leave this accounting.
        self.ws_protocol_class = None
        self.timeout_keep_alive = limits.idle_timeout_seconds  # type: ignore[assignment]
        self._header_timeout = limits.header_timeout_seconds
        self._head_timer: asyncio.TimerHandle | None = None
        self._on_close = on_close

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # Still waiting for a head after these bytes: the deadline runs from the first of them.
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            if self._head_timer is None:
                self._arm_head_timer()
        else:
            self._cancel_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)
        self._on_close()

    def _arm_head_timer(self) -> None:
        self._head_timer = self.loop.call_later(self._header_timeout, self._head_too_slow)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            self.transport.close()


ProtocolFactory = Callable[[Callable[[], None]], asyncio.Protocol]
"""Makes the protocol of one accepted connection, given what to call when it closes."""


class Acceptor:
    """Accepts connections on one listening socket until cancelled."""

    def __init__(self, sock: socket.socket, protocol: ProtocolFactory, counts: ConnectionCounts) -> None:
        self.sock, self.protocol, self.counts = sock, protocol, counts
        self._failures = 0

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        self.sock.setblocking(False)
        while True:
            try:
                conn, address = await loop.sock_accept(self.sock)
            except (ConnectionAbortedError, InterruptedError):
                continue  # the client left before it was accepted
            except OSError as exc:
                await asyncio.sleep(self._failed(exc))
                continue
            self._recovered()
            await self._start(loop, conn, _host(address))

    async def _start(self, loop: asyncio.AbstractEventLoop, conn: socket.socket, host: str) -> None:
        if not self.counts.admit(host):
            _refuse(conn)
            return
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self.counts.release(host)

        try:
            await loop.connect_accepted_socket(lambda: self.protocol(release), conn)
        except OSError:
            release()
            conn.close()

    def _failed(self, exc: OSError) -> float:
        """How long to wait before accepting again; the first failure of an episode is logged."""
        self._failures += 1
        if self._failures == 1:
            if exc.errno in OUT_OF_RESOURCES:
                log.warning(
                    "cannot accept connections: %s; new connections wait until open ones close", exc.strerror
                )
            else:
                log.error("cannot accept connections: %s; retrying", exc)
        return min(BACKOFF_MAX, BACKOFF_FIRST * 2.0 ** min(self._failures - 1, 10))

    def _recovered(self) -> None:
        if self._failures:
            log.debug("accepting connections again after %d failed attempts", self._failures)
            self._failures = 0


def _host(address: Any) -> str:
    """The client's address without its port ("" for a Unix socket)."""
    return str(address[0]) if isinstance(address, tuple) and address else ""


def _refuse(conn: socket.socket) -> None:
    """Answer 503 and close. What the client already sent is read first: closing with unread data
    would reset the connection and could lose the answer."""
    with contextlib.suppress(OSError):
        conn.recv(65536)
    with contextlib.suppress(OSError):
        conn.send(REFUSAL)
    conn.close()
