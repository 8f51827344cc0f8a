"""Reading scenarios and applying them through the store, the path kubectl's writes take."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml

from app.sim.scenarios.applying import apply_object
from app.sim.scenarios.scale import scale_scenario
from app.sim.scenarios.scenario import Scenario, parse_scenario
from app.sim.storage.store import Store

SCENARIO_DIR = Path(__file__).resolve().parent


def load_scenario(name: str | None) -> Scenario:
    """`labs` (or another bundled name), `scale` / `scale:NxMxK`, a YAML path, or None/`empty`."""
    if name is None or name == "empty":
        return Scenario(None, ())
    if name == "scale" or name.startswith("scale:"):
        return scale_scenario(*_dimensions(name))
    path = SCENARIO_DIR / f"{name}.yaml" if "/" not in name and not name.endswith(".yaml") else Path(name)
    if not path.is_file():
        bundled = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))
        raise ValueError(
            f"unknown scenario {name!r}: use one of {bundled}, scale[:NxMxK], empty or a YAML file"
        )
    return parse_scenario(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))


def _dimensions(name: str) -> tuple[int, int, int]:
    if name == "scale":
        return 5, 10, 3
    try:
        namespaces, services, revisions = (int(part) for part in name.split(":", 1)[1].split("x"))
    except ValueError:
        raise ValueError(f"bad scale scenario {name!r}: want scale:NxMxK, e.g. scale:5x10x3") from None
    if min(namespaces, services, revisions) < 1:
        raise ValueError(f"bad scale scenario {name!r}: every dimension must be at least 1")
    return namespaces, services, revisions


def apply_scenario(store: Store, scenario: Scenario, settle: Callable[[], bool]) -> None:
    """Apply every step, waiting for the control plane to settle after each."""
    for index, step in enumerate(scenario.steps):
        for manifest in step:
            apply_object(store, manifest)
        if not settle():
            raise RuntimeError(f"the control plane did not settle after step {index} of the scenario")
