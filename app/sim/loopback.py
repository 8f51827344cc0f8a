"""The simulator's small HTTP ports (the ingress gateway, the Prometheus API): one threading server each,
bound when started (port 0: any free port) and served on its own thread until stopped."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import ThreadingHTTPServer


class LoopbackPort:
    """Where a simulated HTTP service listens, and the thread serving it."""

    def __init__(self, host: str, port: int, name: str) -> None:
        self.host, self.port, self.name = host, port, name
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """`http://host:port` (the port is known once started)."""
        return f"http://{self.host}:{self.port}"

    @property
    def serving(self) -> bool:
        return self._server is not None

    def start(self, make: Callable[[tuple[str, int]], ThreadingHTTPServer]) -> None:
        """Bind the server `make` builds for the address and serve it on a thread (once)."""
        if self._server is not None:
            return
        server = make((self.host, self.port))
        self.port = int(server.server_address[1])
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, name=self.name, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and free the port."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
