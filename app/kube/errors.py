"""The exception the kube layer raises for a failed API call, carrying the server's Status.

An answer with a status the callers tell apart comes as a subclass (NotFound, Conflict, Expired,
Forbidden, Unauthorized, Invalid, Timeout), so they catch or test the kind of failure instead of its number.
"""

from __future__ import annotations

import json
from typing import Any

from kubernetes.client.exceptions import ApiException


class ApiError(Exception):
    """An API call failed; `code`, `reason` and `message` are the server's Status fields, verbatim.

    `code` 0 means no HTTP answer at all (connection refused, reset, timed out): see `Unreachable`.
    """

    def __init__(self, code: int, reason: str, message: str, status: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code} {reason}: {message}" if code else f"{reason}: {message}")
        self.code = code
        self.reason = reason
        self.message = message
        self.status = status

    @staticmethod
    def of(code: int, reason: str, message: str, status: dict[str, Any] | None = None) -> ApiError:
        """The error for an HTTP status `code`: its subclass when it has one, else an ApiError."""
        return _BY_CODE.get(code, ApiError)(code, reason, message, status)

    @classmethod
    def from_response(cls, http_status: int, http_reason: str, body: bytes | str | None) -> ApiError:
        """Build from an HTTP error answer whose body is (usually) a meta/v1 Status."""
        status = _parse_status(body)
        if status is None:
            text = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
            return cls.of(http_status, http_reason or "", text.strip()[:1000])
        return cls.from_status(status, default_code=http_status, default_reason=http_reason)

    @classmethod
    def from_status(
        cls, status: dict[str, Any], *, default_code: int = 500, default_reason: str = ""
    ) -> ApiError:
        """Build from a Status object (an error answer, or a watch ERROR event's object)."""
        code = status.get("code")
        return cls.of(
            code if isinstance(code, int) else default_code,
            str(status.get("reason") or default_reason),
            str(status.get("message") or ""),
            status,
        )

    @classmethod
    def from_exception(cls, exc: ApiException) -> ApiError:
        """Build from the official client's exception."""
        return cls.from_response(int(exc.status or 0), str(exc.reason or ""), exc.body)


class Unauthorized(ApiError):
    """401: the server does not know who is asking (a missing, wrong or expired token)."""


class Forbidden(ApiError):
    """403: the user may not do this (RBAC), or the namespace is being deleted."""


class NotFound(ApiError):
    """404: no such object, or the server does not serve the path."""


class Conflict(ApiError):
    """409: the object changed since the resourceVersion given (or one of that name already exists)."""


class Expired(ApiError):
    """410 Gone: the resourceVersion asked for is older than the history the server keeps."""


class Invalid(ApiError):
    """422: the object (or the change) breaks a validation rule; the Status names the fields."""


class Timeout(ApiError):
    """504: the server gave up waiting for the request to finish; a write may still have landed."""


_BY_CODE: dict[int, type[ApiError]] = {
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    410: Expired,
    422: Invalid,
    504: Timeout,
}


class Unreachable(ApiError):
    """The API server gave no HTTP answer (connection refused or dropped, timeout)."""

    def __init__(self, error: BaseException) -> None:
        cause = getattr(error, "reason", None)
        if isinstance(cause, BaseException):  # urllib3's MaxRetryError: report what actually failed
            error = cause
        super().__init__(0, type(error).__name__, str(error) or repr(error))


def _parse_status(body: bytes | str | None) -> dict[str, Any] | None:
    if not body:
        return None
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    if isinstance(parsed, dict) and parsed.get("kind") == "Status":
        return parsed
    return None
