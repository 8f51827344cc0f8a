"""A plan's Lease, on both backends: taken when free or expired, renewed by its holder, never held by
two dashboards at once, released for the next."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from kubernetes.client import ApiClient

from app.kube.leasing import acquire, holder_identity, lease_name, release
from app.kube.requesting import request_json
from app.kube.resources import LEASES

NOW = datetime(2026, 12, 7, 20, 0, 0, 123456, tzinfo=UTC)


def read(api: ApiClient, namespace: str, name: str) -> dict[str, object]:
    spec = request_json(api, "GET", LEASES.path(namespace, name))["spec"]
    assert isinstance(spec, dict)
    return spec


def test_a_free_lease_is_created_and_renewed_by_its_holder(
    admin_api: ApiClient, fresh_namespace: str
) -> None:
    name = lease_name("customer")
    held = acquire(admin_api, fresh_namespace, name, "dash-a", duration_seconds=15, now=NOW)
    assert held is not None and held.holder == "dash-a" and held.expires == NOW + timedelta(seconds=15)
    assert read(admin_api, fresh_namespace, name) == {
        "holderIdentity": "dash-a",
        "leaseDurationSeconds": 15,
        "acquireTime": "2026-12-07T20:00:00.123456Z",
        "renewTime": "2026-12-07T20:00:00.123456Z",
        "leaseTransitions": 0,
    }
    later = NOW + timedelta(seconds=5)
    renewed = acquire(admin_api, fresh_namespace, name, "dash-a", duration_seconds=15, now=later)
    assert renewed is not None and renewed.resource_version != held.resource_version
    spec = read(admin_api, fresh_namespace, name)
    assert spec["renewTime"] == "2026-12-07T20:00:05.123456Z"
    assert spec["acquireTime"] == "2026-12-07T20:00:00.123456Z"


def test_another_holder_waits_for_expiry_then_takes_over(admin_api: ApiClient, fresh_namespace: str) -> None:
    name = lease_name("customer")
    assert acquire(admin_api, fresh_namespace, name, "dash-a", duration_seconds=10, now=NOW)
    soon = NOW + timedelta(seconds=9)
    assert acquire(admin_api, fresh_namespace, name, "dash-b", duration_seconds=10, now=soon) is None
    assert read(admin_api, fresh_namespace, name)["holderIdentity"] == "dash-a"
    late = NOW + timedelta(seconds=11)
    taken = acquire(admin_api, fresh_namespace, name, "dash-b", duration_seconds=10, now=late)
    assert taken is not None
    spec = read(admin_api, fresh_namespace, name)
    assert spec["holderIdentity"] == "dash-b" and spec["leaseTransitions"] == 1
    assert spec["acquireTime"] == "2026-12-07T20:00:11.123456Z"
    # The old holder lost it: renewing now fails.
    assert acquire(admin_api, fresh_namespace, name, "dash-a", duration_seconds=10, now=late) is None


def test_a_released_lease_is_free_at_once(admin_api: ApiClient, fresh_namespace: str) -> None:
    name = lease_name("customer")
    assert acquire(admin_api, fresh_namespace, name, "dash-a", duration_seconds=60, now=NOW)
    assert not release(admin_api, fresh_namespace, name, "dash-b")  # not its to give up
    assert release(admin_api, fresh_namespace, name, "dash-a")
    assert "holderIdentity" not in read(admin_api, fresh_namespace, name)
    assert acquire(admin_api, fresh_namespace, name, "dash-b", duration_seconds=60, now=NOW)
    assert not release(admin_api, fresh_namespace, lease_name("nothing"), "dash-a")


def test_two_dashboards_racing_for_a_lease_never_both_hold_it(
    admin_api: ApiClient, fresh_namespace: str
) -> None:
    for round_ in range(4):
        name = lease_name(f"race-{round_}")
        if round_ % 2:  # half the rounds race for an existing, expired Lease; the others create it
            assert acquire(admin_api, fresh_namespace, name, "old", duration_seconds=1, now=NOW)
        holders = [holder_identity() for _ in range(4)]
        won: list[str] = []
        barrier = threading.Barrier(len(holders))

        def take(
            holder: str, name: str = name, barrier: threading.Barrier = barrier, won: list[str] = won
        ) -> None:
            barrier.wait()
            later = NOW + timedelta(seconds=30)
            if acquire(admin_api, fresh_namespace, name, holder, duration_seconds=15, now=later):
                won.append(holder)

        threads = [threading.Thread(target=take, args=(h,)) for h in holders]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(won) == 1, won
        assert read(admin_api, fresh_namespace, name)["holderIdentity"] == won[0]


def test_holder_identities_differ() -> None:
    assert len({holder_identity() for _ in range(20)}) == 20
