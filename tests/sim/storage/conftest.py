"""A store of the simulator's kinds with the lab's namespace, for tests of what the storage layer decides."""

from __future__ import annotations

import pytest

from app.sim.storage.resources import default_registry
from app.sim.storage.store import Store


@pytest.fixture
def store() -> Store:
    s = Store(default_registry())
    s.create(s.registry.get("namespaces"), None, {"metadata": {"name": "labs-1"}})
    return s
