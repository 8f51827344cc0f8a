"""Settings in one place: every knob the dashboard has, passed in, never read from globals."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """How the dashboard reaches its cluster and how it serves browsers."""

    kubeconfig: Path | None = None
    context: str | None = None
    in_cluster: bool = False
    host: str = "127.0.0.1"
    port: int = 8000
    namespaces: tuple[str, ...] = ()
    """Allow-list of namespaces; empty means every namespace the cluster lets us list."""
    read_only: bool = False
    idle_seconds: float = 300.0
    """A namespace's informers stop after this long without a viewer."""
    templates_dir: Path = field(default=PROJECT_ROOT / "templates")
    static_dir: Path = field(default=PROJECT_ROOT / "static")
