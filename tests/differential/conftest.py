"""The differential suite's real side: one per session, over the session's real cluster."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.backends import Backend
from tests.differential.runner import Side


@pytest.fixture(scope="session")
def real_side(real_cluster: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Side]:
    """The session's real cluster; clients and kubectl's discovery cache are shared by every case."""
    folder = tmp_path_factory.mktemp("differential-real")
    backend = Backend("real", folder, lambda path, user: real_cluster.write_kubeconfig(path, user))
    side = Side("real", backend, folder / "kube-cache")
    yield side
    side.close()
