"""The API's timestamp format (metav1.Time): RFC 3339 in UTC, whole seconds, a trailing Z."""

from __future__ import annotations

from datetime import UTC, datetime


def rfc3339(moment: datetime) -> str:
    """`moment` as the API writes timestamps, e.g. "2026-11-30T08:00:00Z"."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
