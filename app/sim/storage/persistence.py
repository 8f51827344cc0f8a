"""Optional persistence: the store saved to a JSON file on change (cheaply) and on stop."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from app.sim.storage.store import Store


class Persister:
    """Saves the store to `path` when its resourceVersion moved, every `interval` seconds and on stop."""

    def __init__(self, store: Store, path: Path, *, interval: float = 2.0) -> None:
        self.store, self.path, self.interval = store, path, interval
        self._saved_rv = -1
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def load(self) -> bool:
        """Load the file into the store if it exists; True when something was loaded."""
        if not self.path.exists():
            return False
        try:
            snapshot = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ValueError(f"cannot read the simulated cluster's state from {self.path}: {error}") from None
        self.store.load(snapshot)
        self._saved_rv = self.store.resource_version
        return True

    def save(self) -> None:
        """Write the store atomically (temporary file, then rename) unless nothing changed."""
        if self.store.resource_version == self._saved_rv:
            return
        snapshot = self.store.dump()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".tmp")
        partial.write_text(json.dumps(snapshot, separators=(",", ":")), encoding="utf-8")
        os.replace(partial, self.path)
        self._saved_rv = int(snapshot["resourceVersion"])

    def start(self) -> None:
        """Save in the background whenever the store changed."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="sim-persister", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the background saver and save one last time."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.save()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.save()
