"""A gradual rollout on the namespace and Service pages: the Service's row shows the candidate's share
moving, from the Route's status.traffic and the KIngress's `networking.internal.knative.dev/rollout`
annotation (knative/serving `pkg/reconciler/route/traffic/rollout.go`; the simulator's Route
reconciler runs that maths on a clock 10x the wall's), and nothing once it is done."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from kubernetes.client import ApiClient

from app.model.rollouts import ROLLOUT_DURATION_ANNOTATION
from tests.support.serving import Dashboard
from tests.web.cluster import knative_service, patch_service

NS = "labs-1"


@pytest.fixture
def knative_profile() -> str:
    return "current"


def start_rollout(api: ApiClient, duration: str, revision: str = "customer-v5") -> None:
    """All of customer's traffic on its latest revision with `duration`, then a new revision."""
    patch_service(
        api,
        "customer",
        {
            "metadata": {"annotations": {ROLLOUT_DURATION_ANNOTATION: duration}},
            "spec": {"traffic": [{"latestRevision": True, "percent": 100}]},
        },
    )
    time.sleep(0.3)  # the Route settles on the current latest revision first
    template = knative_service(api, "customer")["spec"]["template"]
    container = dict(template["spec"]["containers"][0])
    container["env"] = [*container.get("env", []), {"name": "ROLLOUT", "value": revision}]
    patch_service(
        api,
        "customer",
        {"spec": {"template": {"metadata": {"name": revision}, "spec": {"containers": [container]}}}},
    )


ROLLOUT = re.compile(
    r'data-rollout data-tag="" data-candidate="([^"]+)" data-percent="(\d+)" data-goal="(\d+)"'
)


@pytest.mark.parametrize("page", [f"/namespaces/{NS}", f"/namespaces/{NS}/services/customer"])
def test_the_services_row_shows_the_rollout_moving_then_done(
    served_dashboard: Dashboard, knative_api: ApiClient, page: str
) -> None:
    start_rollout(knative_api, "60s")
    seen: list[int] = []
    done_after_rollout = False
    deadline = time.monotonic() + 30
    with httpx.Client(base_url=served_dashboard.url) as client:
        while time.monotonic() < deadline:
            html = client.get(page).text
            found = ROLLOUT.search(html)
            if found is not None:
                assert found.group(1) == "customer-v5" and found.group(3) == "100"
                if not seen or seen[-1] != int(found.group(2)):
                    seen.append(int(found.group(2)))
                assert "rolling out" in html
            elif seen:
                done_after_rollout = True
                break
            time.sleep(0.05)
    assert len(seen) >= 2, seen  # it moved while we looked
    assert seen == sorted(seen) and seen[-1] < 100
    assert done_after_rollout
