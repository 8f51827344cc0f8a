"""The API's timestamps (metav1.Time), written and read: RFC 3339 in UTC, whole seconds, a trailing Z."""

from __future__ import annotations

from datetime import UTC, datetime


def rfc3339(moment: datetime) -> str:
    """`moment` as the API writes timestamps, e.g. "2026-11-30T08:00:00Z"."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(timestamp: str | None) -> datetime | None:
    """An RFC 3339 timestamp of the API ("2026-11-30T08:00:00Z"), or None when absent or malformed."""
    if not timestamp:
        return None
    try:
        return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return None
