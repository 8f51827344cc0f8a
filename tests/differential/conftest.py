"""The differential suite's real side: a control plane of its own, for this package alone.

The suite makes a namespace per case (hundreds): on the session's shared cluster they would stay in
every later test's namespace list, so it runs on its own cluster, stopped when the package is done.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.backends import Backend
from tests.differential.runner import Side
from tests.realcluster.controlplane import RealCluster, build_binary


@pytest.fixture(scope="package")
def real_side(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Side]:
    """Clients and kubectl's discovery cache are shared by every case."""
    folder = tmp_path_factory.mktemp("differential-real")
    with RealCluster(build_binary(), folder / "cluster") as cluster:
        backend = Backend("real", folder, lambda path, user: cluster.write_kubeconfig(path, user))
        side = Side("real", backend, folder / "kube-cache")
        yield side
        side.close()
