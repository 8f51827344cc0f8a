"""A scenario: the objects a simulated cluster starts with, in steps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.model.profiles import PROFILES
from app.sim.apiserver.users import ScenarioUser, parse_users


@dataclass(frozen=True)
class Scenario:
    """A config-domain domain (None: the default), the Knative profile it shows, and steps of manifests;
    each step is applied in order, then the control plane settles before the next. `users` get bearer
    tokens and RBAC rules (app.sim.apiserver.users)."""

    domain: str | None
    steps: tuple[tuple[dict[str, Any], ...], ...]
    users: tuple[ScenarioUser, ...] = ()
    knative: str = "current"
    """The Knative profile the scenario shows by default (app.model.profiles; `--knative` overrides)."""


def parse_scenario(data: Any, source: str) -> Scenario:
    """A scenario from its YAML data; ValueError naming `source` when malformed."""
    if not isinstance(data, dict) or not isinstance(data.get("steps", []), list):
        raise ValueError(f"{source}: a scenario is a mapping with a list of steps")
    steps: list[tuple[dict[str, Any], ...]] = []
    for index, step in enumerate(data.get("steps") or []):
        if not isinstance(step, list) or not all(isinstance(obj, dict) for obj in step):
            raise ValueError(f"{source}: step {index} must be a list of objects")
        steps.append(tuple(step))
    domain = data.get("domain")
    if domain is not None and not isinstance(domain, str):
        raise ValueError(f"{source}: domain must be a string")
    knative = data.get("knative", "current")
    if knative not in PROFILES:
        raise ValueError(f"{source}: knative must be one of {', '.join(PROFILES)}")
    return Scenario(domain, tuple(steps), parse_users(data, source), knative)
