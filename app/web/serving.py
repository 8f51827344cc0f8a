"""Serving the app with uvicorn: connection limits on every socket, and open SSE streams ended at once
when shutdown begins.

uvicorn waits for running responses before it shuts the app down; an SSE stream never finishes on
its own, so the server closes the app's streams first (`EventStreams.close_all`). Connections are
accepted by app.web.listening (timeouts, a cap per client, a calm retry when descriptors run out)
rather than by asyncio's server, which has none of these.
"""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI
from uvicorn.config import STARTUP_FAILURE

from app.web.dashboard import Dashboard
from app.web.limits import ServerLimits
from app.web.listening import Acceptor, ConnectionCounts, LimitedH11Protocol


class Server(uvicorn.Server):
    """A uvicorn server for a Splitboard app: the app's limits on connections; shutdown first ends the
    app's event streams."""

    def __init__(self, config: uvicorn.Config, app: FastAPI) -> None:
        super().__init__(config)
        self._dashboard: Dashboard = app.state.dashboard
        self.limits = ServerLimits.from_settings(self._dashboard.settings)
        self._acceptors: list[asyncio.Task[None]] = []
        self._bound: list[socket.socket] = []

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await self.lifespan.startup()
        if self.lifespan.should_exit:
            sys.exit(STARTUP_FAILURE)
        if sockets is None:
            self._bound = [self.config.bind_socket()]  # logs where it listens
        counts = ConnectionCounts(self.limits.max_connections_per_client)
        self.servers = []  # uvicorn's shutdown closes these; the acceptors replace them
        for sock in sockets if sockets is not None else self._bound:
            sock.listen(self.config.backlog)
            acceptor = Acceptor(sock, self._protocol, counts)
            self._acceptors.append(asyncio.create_task(acceptor.run(), name="accept"))
        self.started = True

    def _protocol(self, on_close: Callable[[], None]) -> LimitedH11Protocol:
        return LimitedH11Protocol(
            config=self.config,
            server_state=self.server_state,
            app_state=self.lifespan.state,
            limits=self.limits,
            on_close=on_close,
        )

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for task in self._acceptors:
            task.cancel()
        await asyncio.gather(*self._acceptors, return_exceptions=True)
        for sock in self._bound:
            sock.close()
        self._dashboard.streams.close_all()
        await super().shutdown(sockets)
