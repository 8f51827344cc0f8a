"""Raw JSON requests through the official client's ApiClient: one code path for core and custom kinds.

Objects stay plain dicts (the JSON the server sent); the client's model classes are never used.
Every request carries a client-side timeout, so a silent server cannot hang a thread forever.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeAlias

import urllib3
from kubernetes.client import ApiClient
from kubernetes.client.exceptions import ApiException

from app.kube.errors import ApiError, Unreachable

Timeout: TypeAlias = float | tuple[float, float]
"""Seconds for the whole request, or (connect, read) seconds."""

DEFAULT_TIMEOUT: Timeout = (5.0, 30.0)


def request_json(
    api_client: ApiClient,
    method: str,
    path: str,
    *,
    query: Mapping[str, str] | None = None,
    body: Any = None,
    content_type: str | None = None,
    timeout: Timeout = DEFAULT_TIMEOUT,
) -> dict[str, Any]:
    """Send one request and return the decoded JSON answer; raise ApiError on any failure."""
    status, data = request_bytes(
        api_client, method, path, query=query, body=body, content_type=content_type, timeout=timeout
    )
    return decode_json(status, data)


def request_bytes(
    api_client: ApiClient,
    method: str,
    path: str,
    *,
    query: Mapping[str, str] | None = None,
    body: Any = None,
    content_type: str | None = None,
    timeout: Timeout = DEFAULT_TIMEOUT,
) -> tuple[int, bytes]:
    """Send one request and return its status and undecoded answer; raise ApiError on any failure."""
    response = open_response(
        api_client, method, path, query=query, body=body, content_type=content_type, timeout=timeout
    )
    try:
        data: bytes = response.data
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise Unreachable(exc) from exc
    finally:
        response.release_conn()
    return response.status, data


def decode_json(status: int, data: bytes) -> dict[str, Any]:
    """An answer's JSON object; ApiError when it is not one."""
    try:
        decoded = json.loads(data)
    except ValueError as exc:
        raise ApiError(status, "InvalidResponse", f"answer is not JSON: {exc}") from exc
    if not isinstance(decoded, dict):
        raise ApiError(status, "InvalidResponse", "answer is not a JSON object")
    return decoded


def open_response(
    api_client: ApiClient,
    method: str,
    path: str,
    *,
    query: Mapping[str, str] | None = None,
    body: Any = None,
    content_type: str | None = None,
    timeout: Timeout = DEFAULT_TIMEOUT,
) -> urllib3.BaseHTTPResponse:
    """Send one request and return the unread 2xx response (for streaming); raise ApiError otherwise."""
    headers = {"Accept": "application/json"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    serialized = api_client.param_serialize(
        method=method,
        resource_path=path,
        query_params=list((query or {}).items()),
        header_params=headers,
        body=body,
        auth_settings=["BearerToken"],
    )
    try:
        answer = api_client.call_api(*serialized, _request_timeout=timeout)
    except ApiException as exc:
        raise ApiError.from_exception(exc) from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise Unreachable(exc) from exc
    response: urllib3.BaseHTTPResponse = answer.response
    if not 200 <= response.status <= 299:
        try:
            error_body = response.data
        except (urllib3.exceptions.HTTPError, OSError):
            error_body = b""
        finally:
            response.release_conn()
        raise ApiError.from_response(response.status, response.reason or "", error_body)
    return response
