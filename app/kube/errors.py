"""The one exception the kube layer raises for a failed API call, carrying the server's Status."""

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

    @classmethod
    def from_response(cls, http_status: int, http_reason: str, body: bytes | str | None) -> ApiError:
        """Build from an HTTP error answer whose body is (usually) a meta/v1 Status."""
        status = _parse_status(body)
        if status is None:
            text = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
            return cls(http_status, http_reason or "", text.strip()[:1000])
        return cls.from_status(status, default_code=http_status, default_reason=http_reason)

    @classmethod
    def from_status(
        cls, status: dict[str, Any], *, default_code: int = 500, default_reason: str = ""
    ) -> ApiError:
        """Build from a Status object (an error answer, or a watch ERROR event's object)."""
        code = status.get("code")
        return cls(
            code if isinstance(code, int) else default_code,
            str(status.get("reason") or default_reason),
            str(status.get("message") or ""),
            status,
        )

    @classmethod
    def from_exception(cls, exc: ApiException) -> ApiError:
        """Build from the official client's exception."""
        return cls.from_response(int(exc.status or 0), str(exc.reason or ""), exc.body)


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
