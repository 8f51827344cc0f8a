"""The state file: written when the store changes (in the background) and read back by a new store."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from app.sim.storage.persistence import Persister
from app.sim.storage.resources import default_registry
from app.sim.storage.store import Store


def test_changes_are_saved_in_the_background(tmp_path: Path) -> None:
    store = Store(default_registry())
    persister = Persister(store, tmp_path / "state.json", interval=0.05)
    persister.start()
    try:
        store.create(store.registry.get("configmaps"), "default", {"metadata": {"name": "saved"}})
        deadline = time.monotonic() + 30
        saved: dict[str, Any] = {}
        # A tick before the create may already have saved the empty store: wait for the create's save.
        while saved.get("resourceVersion") != store.resource_version and time.monotonic() < deadline:
            time.sleep(0.02)
            if persister.path.exists():
                saved = json.loads(persister.path.read_text())
    finally:
        persister.stop()
    assert saved["resourceVersion"] == store.resource_version
    assert [o["object"]["metadata"]["name"] for o in saved["objects"] if o["resource"] == "configmaps"] == [
        "saved"
    ]


def test_a_new_store_loads_the_file_and_a_broken_file_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    first = Store(default_registry())
    created = first.create(first.registry.get("configmaps"), "default", {"metadata": {"name": "kept"}})
    Persister(first, state).save()
    second = Store(default_registry())
    assert Persister(second, state).load() is True
    assert second.get(second.registry.get("configmaps"), "default", "kept") == created
    state.write_text("{broken")
    with pytest.raises(ValueError, match="cannot read the simulated cluster's state"):
        Persister(Store(default_registry()), state).load()
