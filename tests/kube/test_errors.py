"""ApiError carries the server's Status verbatim; a refused connection reads plainly."""

from __future__ import annotations

import json
import socket

import pytest
from kubernetes.client import ApiClient, Configuration

from app.kube.errors import ApiError, Unreachable
from app.kube.requesting import request_json


def test_status_fields_are_kept_verbatim() -> None:
    status = {"kind": "Status", "status": "Failure", "code": 409, "reason": "Conflict", "message": "modified"}
    error = ApiError.from_response(409, "Conflict", json.dumps(status).encode())
    assert (error.code, error.reason, error.message, error.status) == (409, "Conflict", "modified", status)
    assert str(error) == "409 Conflict: modified"


def test_a_body_that_is_not_a_status_becomes_the_message() -> None:
    error = ApiError.from_response(502, "Bad Gateway", b"<html>upstream down</html>\n")
    assert (error.code, error.reason, error.message, error.status) == (
        502,
        "Bad Gateway",
        "<html>upstream down</html>",
        None,
    )


def test_a_refused_connection_is_unreachable_with_the_real_cause() -> None:
    with socket.socket() as probe:  # a port nobody listens on: bound, never listening
        probe.bind(("127.0.0.1", 0))
        configuration = Configuration()
        configuration.host = f"http://127.0.0.1:{probe.getsockname()[1]}"
        configuration.retries = 0
        client = ApiClient(configuration)
        with pytest.raises(Unreachable) as caught:
            request_json(client, "GET", "/api", timeout=2.0)
        client.rest_client.pool_manager.clear()
    assert caught.value.code == 0 and caught.value.reason == "NewConnectionError"
    assert "Connection refused" in caught.value.message
