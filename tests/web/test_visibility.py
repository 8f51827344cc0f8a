"""A tag kept inside the cluster by its placeholder Service's visibility label (knative/serving
`pkg/reconciler/route/visibility/visibility.go`): the Service page shows the URL the Route's status
gives it, and the traffic editor predicts that same URL rather than the external one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from kubernetes.client import ApiClient, CoreV1Api

from app.kube.config import load_api_client
from app.model.naming import VISIBILITY_LABEL
from app.sim.building import KnativeCluster, build_cluster
from tests.plugins.knative import TEST_SETTINGS
from tests.plugins.sim import official_client
from tests.support.builders import LAB_DOMAIN
from tests.support.serving import Dashboard, serve
from tests.support.waiting import until_passes
from tests.web.cluster import NS
from tests.web.markup import section

LOCAL_URL = "http://current-customer.labs-1.svc.cluster.local"
EXTERNAL_URL = f"http://current-customer.labs-1.{LAB_DOMAIN}"


@pytest.fixture
def current_lab(tmp_path: Path) -> Iterator[tuple[KnativeCluster, ApiClient, Dashboard]]:
    """The lab on Knative 1.23 with net-istio, the dashboard on it, and the test's own client."""
    with (
        build_cluster(scenario="labs", settings=TEST_SETTINGS, knative="current") as cluster,
        official_client(cluster.write_kubeconfig(tmp_path / "truth")) as truth,
        load_api_client(cluster.write_kubeconfig(tmp_path / "dashboard")) as api,
        serve(api) as dashboard,
    ):
        assert cluster.settle()
        yield cluster, truth, dashboard


def _text(html: str) -> str:
    """Markup without its tags (long URLs are broken into spans with <wbr>)."""
    return re.sub(r"<[^>]+>", "", html)


def _status_url(dashboard: Dashboard, tag: str) -> str:
    """The URL the Service page lists for `tag` under the Route's status.traffic."""
    with httpx.Client(base_url=dashboard.url, timeout=20) as client:
        page = client.get(f"/namespaces/{NS}/services/customer").text
    served = re.search(r'<div data-side="status">(.*?)</div>', section(page, "routes"), re.S)
    assert served is not None
    row = re.search(rf'<tr data-tag="{tag}".*?</tr>', served.group(1), re.S)
    assert row is not None, tag
    found = re.search(r"http://\S+", _text(row.group(0)))
    return found.group(0) if found else ""


def _editor_urls(dashboard: Dashboard) -> list[str]:
    """The tag URLs the traffic editor predicts for the split as it stands."""
    with httpx.Client(base_url=dashboard.url, timeout=20) as client:
        page = client.get(f"/namespaces/{NS}/services/customer/traffic").text
    return sorted(set(re.findall(r'href="([^"]+)" data-tag-url', page)))


def test_the_service_page_shows_a_cluster_local_tags_url(
    current_lab: tuple[KnativeCluster, ApiClient, Dashboard],
) -> None:
    cluster, truth, dashboard = current_lab
    until_passes(lambda: _assert_equal(_status_url(dashboard, "current"), EXTERNAL_URL))
    assert EXTERNAL_URL in _editor_urls(dashboard)
    CoreV1Api(truth).patch_namespaced_service(
        "current-customer", NS, {"metadata": {"labels": {VISIBILITY_LABEL: "cluster-local"}}}
    )
    assert cluster.settle()
    until_passes(lambda: _assert_equal(_status_url(dashboard, "current"), LOCAL_URL))
    # The other tags keep their external URLs.
    assert _status_url(dashboard, "candidate") == f"http://candidate-customer.labs-1.{LAB_DOMAIN}"
    urls = _editor_urls(dashboard)
    assert LOCAL_URL in urls and EXTERNAL_URL not in urls


def _assert_equal(got: str, want: str) -> None:
    assert got == want
