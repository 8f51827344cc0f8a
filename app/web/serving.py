"""Serving the app with uvicorn so that open SSE streams end at once when shutdown begins.

uvicorn waits for running responses before it shuts the app down; an SSE stream never finishes on
its own, so the server closes the app's streams first (`EventStreams.close_all`).
"""

from __future__ import annotations

import socket

import uvicorn
from fastapi import FastAPI

from app.web.context import Dashboard


class Server(uvicorn.Server):
    """A uvicorn server for a Splitboard app: shutdown first ends the app's event streams."""

    def __init__(self, config: uvicorn.Config, app: FastAPI) -> None:
        super().__init__(config)
        self._dashboard: Dashboard = app.state.dashboard

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self._dashboard.streams.close_all()
        await super().shutdown(sockets)
