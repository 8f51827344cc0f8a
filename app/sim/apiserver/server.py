"""The HTTPS (HTTP/1.1) side of the simulated API server: threads, connections and chunked watch streams."""

from __future__ import annotations

import contextlib
import select
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from app.sim.apiserver.authorizing import Authenticator
from app.sim.apiserver.faults import Faults
from app.sim.apiserver.handlers import Api, Request, Response, WatchPlan
from app.sim.apiserver.representations import wire
from app.sim.storage import errors
from app.sim.storage.errors import ApiError
from app.sim.storage.watching import Watcher

_HANGUP_CHECK = 1.0  # seconds between checks that a quiet watch's client is still there
_HANGUP_POLL = 0.1  # seconds between a watch's hang-up listener's checks that the stream still runs
HANDSHAKE_TIMEOUT = 10.0  # seconds a client has to finish its TLS handshake
_REASONS = {429: "TooManyRequests", 503: "ServiceUnavailable", 504: "Timeout", 500: "InternalError"}


class ApiServer:
    """One listening socket serving an Api; stop() ends watch streams and frees the port."""

    def __init__(
        self,
        api: Api,
        faults: Faults,
        authenticator: Authenticator,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bookmark_interval: float = 1.0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        """`tls`: the server context connections are wrapped in (None: plain HTTP)."""
        self.api, self.faults, self.authenticator = api, faults, authenticator
        self.bookmark_interval = bookmark_interval
        self._lock = threading.Lock()
        self._watchers: set[Watcher] = set()
        self._stopping = False
        self._httpd = _HttpServer((host, port), _Handler, self, tls)
        self.port: int = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sim-api-{self.port}",
            daemon=True,  # a cluster someone forgot to stop must not keep the process alive
        )

    def start(self) -> None:
        """Serve in a background thread."""
        self._thread.start()

    def stop(self) -> None:
        """End every watch, close every connection, release the port and join the threads."""
        with self._lock:
            self._stopping = True
        self.end_watches()
        if self._thread.is_alive():
            self._httpd.shutdown()
            self._thread.join()
        self._httpd.close_connections()
        self._httpd.server_close()
        self._httpd.join_handlers(timeout=5.0)

    def end_watches(self) -> None:
        """End the open watch streams (the server keeps serving)."""
        with self._lock:
            watchers = list(self._watchers)
        for watcher in watchers:
            watcher.close()

    def track(self, watcher: Watcher) -> bool:
        """Register a streaming watcher; False when the server is stopping."""
        with self._lock:
            if self._stopping:
                return False
            self._watchers.add(watcher)
            return True

    def open_watches(self) -> list[tuple[str, str | None]]:
        """The scope (resource, namespace or None) of each watch streaming now: how many watches
        the clients keep open, counted where a real API server would count them."""
        with self._lock:
            return [watcher.scope for watcher in self._watchers if not watcher.closed]

    def untrack(self, watcher: Watcher) -> None:
        with self._lock:
            self._watchers.discard(watcher)


class _HttpServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that remembers its connections so stop() can close idle keep-alives.

    With TLS, each connection's handshake runs in that connection's own thread, under a timeout: done
    in the accept loop, one client that connects and says nothing would stall every other.
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], handler: type[_Handler], owner: ApiServer, tls: ssl.SSLContext | None
    ) -> None:
        self.owner = owner
        self.tls = tls
        self._open: dict[socket.socket, threading.Thread] = {}
        self._open_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(target=self._serve_connection, args=(request, client_address), daemon=True)
        with self._open_lock:
            self._open[request] = thread
        thread.start()

    def _serve_connection(self, request: socket.socket, client_address: Any) -> None:
        connection = request
        try:
            connection = self._secure(request)
            self.finish_request(connection, client_address)
        except OSError:
            pass  # the client went away, or its handshake failed
        finally:
            with self._open_lock:
                self._open.pop(connection, None)
                self._open.pop(request, None)
            self.shutdown_request(connection)
            if connection is not request:
                request.close()  # detached by the wrapping, unless the wrapping itself failed

    def _secure(self, request: socket.socket) -> socket.socket:
        """The connection as the handler reads it: wrapped in TLS and handshaken, when serving TLS."""
        if self.tls is None:
            return request
        with self._open_lock:
            # The wrapped socket takes over the file descriptor: close_connections() must see it.
            thread = self._open.pop(request, None)
            wrapped = self.tls.wrap_socket(request, server_side=True, do_handshake_on_connect=False)
            if thread is not None:
                self._open[wrapped] = thread
        try:
            wrapped.settimeout(HANDSHAKE_TIMEOUT)
            wrapped.do_handshake()
            wrapped.settimeout(None)
        except BaseException:
            with self._open_lock:
                self._open.pop(wrapped, None)
            wrapped.close()
            raise
        return wrapped

    def server_close(self) -> None:
        """Close the listening socket, having first accepted and closed what waits in its backlog.

        Closing a listening socket resets the connections the kernel completed but nobody accepted.
        A TLS client reset between its connect and its handshake leaks its socket: Python's
        SSLSocket creation raises ECONNRESET from its not-connected check without closing the socket
        it has taken over (CPython 3.11, ssl.SSLSocket._create), so the client, e.g. the dashboard's
        urllib3 pool reconnecting while the cluster stops, cannot close it either. Accepted and closed
        here, such a connection ends with a FIN: the client's handshake then fails where the socket is
        closed. A backlog of 0 first keeps new connections from queueing while the backlog drains."""
        with contextlib.suppress(OSError):
            self.socket.listen(0)
            self.socket.setblocking(False)
            while True:
                connection, _ = self.socket.accept()
                connection.close()
        super().server_close()

    def shutdown_request(self, request: Any) -> None:
        if isinstance(request, ssl.SSLSocket):
            _close_notify(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Connection errors are the client's business; nothing to log."""

    def close_connections(self) -> None:
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            _hang_up(sock)

    def join_handlers(self, timeout: float) -> None:
        with self._open_lock:
            threads = list(self._open.values())
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))


def _end_on_hangup(connection: socket.socket, watcher: Watcher) -> None:
    """Close `watcher` as soon as its client sends anything (a watch's client sends nothing but its
    close: a FIN, or TLS's close_notify), so the stream ends at once, as a real API server notices a
    closed connection at once. A TLS client that closes first waits for the server's close_notify;
    one that waited for the next hang-up check could see its event loop end before the answer came."""
    while not watcher.closed:
        try:
            readable, _, _ = select.select([connection], [], [], _HANGUP_POLL)
        except (OSError, ValueError):
            break  # closed under us
        if readable:
            break
    watcher.close()


def _close_notify(connection: ssl.SSLSocket) -> None:
    """End TLS before closing, as Go's tls.Conn.Close does on a real API server: send close_notify
    without waiting for the client's. A client that closes its side first (asyncio's SSL transport,
    which aiohttp-based clients use) waits for this alert; without it, it is still waiting when its
    event loop ends, and its socket is left unclosed."""
    with contextlib.suppress(OSError, ValueError):
        connection.settimeout(0)
        connection.unwrap()


def _hang_up(sock: socket.socket) -> None:
    """Shut a connection down at the TCP level, from any thread: the TLS layer's own shutdown would
    drop its state under a handler thread that is reading from it, which then fails with no OSError."""
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HttpServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without NODELAY, Nagle's algorithm and the
        # client's delayed ACK add 40 ms to every keep-alive response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests and the demo do not want an access log on stderr."""

    def _serve(self) -> None:
        owner = self.server.owner
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        latency = owner.faults.latency
        if latency:
            time.sleep(latency)
        try:
            failure = owner.faults.take_failure()
            if failure is not None:
                raise _injected(failure)
            user = owner.authenticator.authenticate(
                self.headers.get("Authorization"),
                self.headers.get("Impersonate-User"),
                tuple(self.headers.get_all("Impersonate-Group") or ()),
            )
            url = urlsplit(self.path)
            request = Request(
                method=self.command,
                path=url.path,
                query=dict(parse_qsl(url.query, keep_blank_values=True)),
                accept=self.headers.get("Accept", ""),
                content_type=self.headers.get("Content-Type", ""),
                body=body,
                user=user,
                user_agent=self.headers.get("User-Agent", ""),
            )
            answer = owner.api.handle(request)
        except ApiError as error:
            answer = Response.error(error)
        except Exception as error:  # a bug must not kill the connection silently
            answer = Response.error(errors.internal_error(f"{type(error).__name__}: {error}"))
        if isinstance(answer, WatchPlan):
            self._stream(answer)
        elif self._answer_delivered(owner.faults.take_answer_fault(self.command)):
            self._send(answer)

    def _answer_delivered(self, fault: tuple[float, bool] | None) -> bool:
        """Hold the answer as a fault switch says; False when it must be dropped (connection closed)."""
        if fault is None:
            return True
        seconds, drop = fault
        time.sleep(seconds)
        if drop:
            self.close_connection = True
            _hang_up(self.connection)
        return not drop

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Cache-Control", "no-cache, private")
        for text in response.warnings:
            # apimachinery's NewWarningHeader: code 299, no agent, the text quoted with \ and " escaped
            quoted = text.replace("\\", "\\\\").replace('"', '\\"')
            self.send_header("Warning", f'299 - "{quoted}"')
        self.end_headers()
        self.wfile.write(response.body)

    def _stream(self, plan: WatchPlan) -> None:
        owner = self.server.owner
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        # The connection ends with the watch, so say so: a client that pooled it would send its next
        # request into a connection that is closing (and read "disconnected without a response").
        self.send_header("Connection", "close")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        watcher = plan.watcher
        try:
            if watcher is None:
                assert plan.error is not None
                self._chunk({"type": "ERROR", "object": plan.error.status()})
            elif owner.track(watcher):
                threading.Thread(
                    target=_end_on_hangup,
                    args=(self.connection, watcher),
                    name="sim-watch-hangup",
                    daemon=True,
                ).start()
                self._pump(plan, watcher)
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass  # the client hung up
        finally:
            if watcher is not None:
                # The listener ends by itself within _HANGUP_POLL; joining it here would hold the
                # connection open that long, and a client could send its next request on it.
                watcher.close()
                owner.untrack(watcher)
                owner.api.store.forget(watcher)

    def _pump(self, plan: WatchPlan, watcher: Watcher) -> None:
        owner = self.server.owner
        now = time.monotonic()
        deadline = now + plan.timeout
        next_bookmark = now + owner.bookmark_interval
        remaining = plan.initial_events  # initial events before the bookmark that ends them
        while True:
            if remaining == 0:
                self._bookmark(plan, watcher, plan.initial_rv, {"k8s.io/initial-events-end": "true"})
                remaining = None
            now = time.monotonic()
            if now >= deadline:
                break
            wake = min(deadline, next_bookmark) if plan.bookmarks else deadline
            event = watcher.next(min(max(0.0, wake - now), _HANGUP_CHECK))
            if event is not None:
                remaining = remaining - 1 if remaining else remaining
                if not owner.faults.take_drop():
                    obj = plan.encode_object(event.object, event.resource_version)
                    self._chunk({"type": event.type, "object": obj})
                continue
            if watcher.closed or self._client_gone():
                return
            if plan.bookmarks and time.monotonic() >= next_bookmark:
                self._bookmark(plan, watcher)
                next_bookmark = time.monotonic() + owner.bookmark_interval
        if plan.bookmarks:
            self._bookmark(plan, watcher)

    def _client_gone(self) -> bool:
        """True once the client closed its end (a watch has nothing else to read from it)."""
        connection = self.connection
        try:
            readable, _, _ = select.select([connection], [], [], 0)
            if not readable:
                return False
            if not isinstance(connection, ssl.SSLSocket):
                return bool(connection.recv(1, socket.MSG_PEEK) == b"")
            # TLS cannot peek: read what came. The connection ends with this watch, so a byte the
            # client sent is not needed; a close_notify or an EOF reads as nothing.
            connection.settimeout(0)
            try:
                return connection.recv(1) == b""
            except ssl.SSLWantReadError:
                return False  # part of a record only
            finally:
                connection.settimeout(None)
        except OSError:
            return True

    def _bookmark(
        self,
        plan: WatchPlan,
        watcher: Watcher,
        rv: int | None = None,
        annotations: dict[str, str] | None = None,
    ) -> None:
        rv = watcher.bookmark() if rv is None else rv
        if rv is None:
            return
        rt = plan.path.rt
        metadata: dict[str, Any] = {"resourceVersion": str(rv)}
        if annotations:
            metadata["annotations"] = annotations
        obj = {"kind": rt.kind, "apiVersion": rt.api_version(plan.path.version), "metadata": metadata}
        self._chunk({"type": "BOOKMARK", "object": obj})

    def _chunk(self, event: dict[str, Any]) -> None:
        data = wire(event)
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))


def _injected(code: int) -> ApiError:
    if code == 500:
        return errors.internal_error("fault injected by the simulated cluster")
    reason = _REASONS.get(code, "InternalError")
    return ApiError(
        code, reason, f"fault injected by the simulated cluster ({code})", {"retryAfterSeconds": 1}
    )
