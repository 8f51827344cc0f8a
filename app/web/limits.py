"""ServerLimits: the settings that bound what one client, a slow network or a heavy namespace may cost."""

from __future__ import annotations

from dataclasses import dataclass

from app.settings import ENV_PREFIX, Settings


@dataclass(frozen=True)
class ServerLimits:
    """Checked limits (see the fields of the same names in app.settings)."""

    header_timeout_seconds: float = 10.0
    idle_timeout_seconds: float = 5.0
    max_connections_per_client: int = 64
    """0: no cap."""
    max_body_bytes: int = 1 << 20
    render_concurrency: int = 2
    value_display_chars: int = 2000

    def __post_init__(self) -> None:
        positive = ("header_timeout_seconds", "idle_timeout_seconds", "max_body_bytes", "render_concurrency")
        for name in (*positive, "value_display_chars"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{ENV_PREFIX}{name.upper()} must be more than 0")
        if self.max_connections_per_client < 0:
            raise ValueError(f"{ENV_PREFIX}MAX_CONNECTIONS_PER_CLIENT must be 0 (no cap) or more")

    @classmethod
    def from_settings(cls, settings: Settings) -> ServerLimits:
        return cls(
            header_timeout_seconds=settings.header_timeout_seconds,
            idle_timeout_seconds=settings.idle_timeout_seconds,
            max_connections_per_client=settings.max_connections_per_client,
            max_body_bytes=settings.max_body_bytes,
            render_concurrency=settings.render_concurrency,
            value_display_chars=settings.value_display_chars,
        )
