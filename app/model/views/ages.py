"""Ages the way kubectl prints them ("45s", "5m30s", "3h12m", "2d"), from RFC 3339 timestamps."""

from __future__ import annotations

from datetime import datetime

from app.model.timestamps import parse_time


def human_duration(seconds: float) -> str:
    """A duration the way kubectl prints ages: "45s", "5m30s", "3h12m", "2d"."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        return f"{minutes}m{s % 60}s" if s % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if hours < 24 * 8:
        return f"{days}d{hours % 24}h" if hours % 24 else f"{days}d"
    if days < 365 * 2:
        return f"{days}d"
    years, rest = divmod(days, 365)
    if days < 365 * 8 and rest:
        return f"{years}y{rest}d"
    return f"{years}y"


def age(timestamp: str | None, now: datetime) -> str:
    """kubectl's AGE column for a timestamp: "<unknown>" when there is none."""
    when = parse_time(timestamp)
    if when is None:
        return "<unknown>"
    return human_duration((now - when).total_seconds())
