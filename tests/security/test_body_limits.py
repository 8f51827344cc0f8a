"""Request bodies over the limit get 413 before anything parses them: a declared length is refused before
the body is sent, a chunked stream as soon as it passes the limit (long before it ends)."""

from __future__ import annotations

import select
import socket
from urllib.parse import urlsplit

from tests.support.guarded import MakeDashboard, Served

TOKEN = "body-limit-token"
PREVIEW = "/api/namespaces/labs-1/services/customer/traffic/preview"
HUGE = 200 * 1024 * 1024
CHUNK = 64 * 1024


def _connect(served: Served) -> socket.socket:
    url = urlsplit(served.url)
    sock = socket.create_connection((url.hostname or "127.0.0.1", url.port or 80), timeout=30)
    return sock


def _head(served: Served, framing: str, content_type: str = "application/json") -> bytes:
    host = urlsplit(served.url).netloc
    return (
        f"POST {PREVIEW} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {TOKEN}\r\n"
        f"Content-Type: {content_type}\r\n{framing}\r\n\r\n"
    ).encode()


def _read_status(sock: socket.socket) -> bytes:
    answer = b""
    while b"\r\n" not in answer:
        data = sock.recv(4096)
        if not data:
            break
        answer += data
    return answer.split(b"\r\n", 1)[0]


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_sent(
    make_dashboard: MakeDashboard,
) -> None:
    served = make_dashboard(auth_token=TOKEN)
    with _connect(served) as sock:
        sock.sendall(_head(served, f"Content-Length: {HUGE}"))
        assert _read_status(sock) == b"HTTP/1.1 413 Request Entity Too Large"


def test_a_chunked_body_is_refused_while_it_is_still_being_sent(make_dashboard: MakeDashboard) -> None:
    served = make_dashboard(auth_token=TOKEN)
    chunk = f"{CHUNK:x}\r\n".encode() + b"[" * CHUNK + b"\r\n"
    sent = 0
    with _connect(served) as sock:
        sock.sendall(_head(served, "Transfer-Encoding: chunked"))
        while sent < HUGE:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += CHUNK
        assert sent < HUGE, "the server read the whole body before answering"
        assert _read_status(sock) == b"HTTP/1.1 413 Request Entity Too Large"


def test_a_large_form_is_refused_too(make_dashboard: MakeDashboard) -> None:
    served = make_dashboard(max_body_bytes=1000)
    token = served.csrf_token()
    response = served.client.post(
        "/_test/namespaces/labs-1/services/customer",
        data={"note": "x" * 5000},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 413
    assert "limit is 1000 bytes" in response.text


def test_a_body_within_the_limit_still_arrives_intact(make_dashboard: MakeDashboard) -> None:
    served = make_dashboard(max_body_bytes=1000)
    response = served.client.post(
        "/_test/namespaces/labs-1/services/customer",
        data={"note": "x" * 500},
        headers={"X-CSRF-Token": served.csrf_token()},
    )
    assert response.status_code == 200
    assert response.json()["note"] == "x" * 500
