"""A coordination.k8s.io/v1 Lease per rollout plan, so that one dashboard runs a plan at a time.

Like client-go's leader election (`tools/leaderelection/resourcelock`): the Lease names its holder
(`holderIdentity`, one per dashboard process) and when it last renewed (`renewTime`, a MicroTime);
another holder may take it only when it is free (no holder) or expired (`renewTime` plus
`leaseDurationSeconds` in the past). Every write is conditional on the resourceVersion read, so two
dashboards racing for a free Lease cannot both win: the second gets 409 Conflict and holds nothing.

Expiry compares the Lease's renewTime with this process's clock: dashboards whose clocks disagree by
more than a Lease's duration could both believe they hold it. The plan's own writes are conditional
on the Service's resourceVersion too, so even then a step is applied once.

Blocking HTTP calls: call from a worker thread.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from kubernetes.client import ApiClient

from app.kube import errors
from app.kube.requesting import DEFAULT_TIMEOUT, Timeout, request_json
from app.kube.resources import LEASES
from app.model.objects import KubeObject
from app.model.timestamps import parse_time

PREFIX = "splitboard-plan-"
MICRO_TIME = "%Y-%m-%dT%H:%M:%S.%fZ"
"""metav1.MicroTime's JSON form: RFC 3339 with microseconds, in UTC."""


def lease_name(service: str) -> str:
    """The Lease of the plan on Knative Service `service` (in the Service's namespace)."""
    return PREFIX + service


def holder_identity() -> str:
    """A new identity for one dashboard process (or one runner of it): host, pid and a random part, so
    two dashboards on one host, or two in one test process, never share one."""
    return f"{socket.gethostname()}_{os.getpid()}_{secrets.token_hex(4)}"


def micro_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(MICRO_TIME)


@dataclass(frozen=True)
class Held:
    """A Lease this holder has: until when, and the version to renew it from."""

    namespace: str
    name: str
    holder: str
    resource_version: str
    renewed: datetime
    duration: float

    @property
    def expires(self) -> datetime:
        return self.renewed + timedelta(seconds=self.duration)


def _spec(lease: KubeObject) -> dict[str, Any]:
    spec = lease.get("spec")
    return spec if isinstance(spec, dict) else {}


def expired(lease: KubeObject, now: datetime) -> bool:
    """Whether nobody holds `lease` any more: no holder, no renewal, or the last one too long ago."""
    spec = _spec(lease)
    renewed = parse_time(str(spec.get("renewTime") or ""))
    duration = spec.get("leaseDurationSeconds")
    if not spec.get("holderIdentity") or renewed is None or not isinstance(duration, int):
        return True
    return renewed + timedelta(seconds=duration) <= now


def holder_of(lease: KubeObject) -> str | None:
    value = _spec(lease).get("holderIdentity")
    return str(value) if value else None


def _held(lease: KubeObject, namespace: str, name: str, holder: str, now: datetime, duration: int) -> Held:
    version = str((lease.get("metadata") or {}).get("resourceVersion") or "")
    return Held(namespace, name, holder, version, now, float(duration))


def acquire(
    api_client: ApiClient,
    namespace: str,
    name: str,
    holder: str,
    *,
    duration_seconds: float,
    now: datetime | None = None,
    timeout: Timeout = DEFAULT_TIMEOUT,
) -> Held | None:
    """Take or renew the Lease `name` for `holder`; None when another holder has it (or won the race).

    Creates the Lease when there is none; takes it over when it is free or expired (counting a
    transition); renews it when `holder` has it. Other API errors are raised (ApiError)."""
    now = now or datetime.now(UTC)
    duration = max(1, round(duration_seconds))
    path = LEASES.path(namespace, name)
    try:
        lease = request_json(api_client, "GET", path, timeout=timeout)
    except errors.NotFound:
        body = {
            "apiVersion": LEASES.api_version,
            "kind": LEASES.kind,
            "metadata": {"name": name, "namespace": namespace},
            "spec": {
                "holderIdentity": holder,
                "leaseDurationSeconds": duration,
                "acquireTime": micro_time(now),
                "renewTime": micro_time(now),
                "leaseTransitions": 0,
            },
        }
        try:
            created = request_json(api_client, "POST", LEASES.path(namespace), body=body, timeout=timeout)
        except errors.Conflict:  # AlreadyExists (409): another dashboard created it first
            return None
        return _held(created, namespace, name, holder, now, duration)
    current = holder_of(lease)
    if current != holder and not expired(lease, now):
        return None
    spec = dict(_spec(lease))
    if current != holder:
        spec["acquireTime"] = micro_time(now)
        transitions = spec.get("leaseTransitions")
        spec["leaseTransitions"] = (transitions if isinstance(transitions, int) else 0) + (
            1 if current else 0
        )
    spec.update(holderIdentity=holder, leaseDurationSeconds=duration, renewTime=micro_time(now))
    return _update(api_client, lease, spec, namespace, name, holder, now, duration, timeout)


def _update(
    api_client: ApiClient,
    lease: KubeObject,
    spec: dict[str, Any],
    namespace: str,
    name: str,
    holder: str,
    now: datetime,
    duration: int,
    timeout: Timeout,
) -> Held | None:
    """PUT the Lease with its resourceVersion: a Conflict means someone else wrote it first."""
    body = {**lease, "spec": spec}
    try:
        updated = request_json(api_client, "PUT", LEASES.path(namespace, name), body=body, timeout=timeout)
    except (errors.Conflict, errors.NotFound):
        return None
    return _held(updated, namespace, name, holder, now, duration)


def release(
    api_client: ApiClient, namespace: str, name: str, holder: str, *, timeout: Timeout = DEFAULT_TIMEOUT
) -> bool:
    """Give the Lease up if `holder` has it (the holder is cleared, so another dashboard takes it at
    once rather than after it expires). True when released; losing a race or a gone Lease is False."""
    path = LEASES.path(namespace, name)
    try:
        lease = request_json(api_client, "GET", path, timeout=timeout)
    except errors.NotFound:
        return False
    if holder_of(lease) != holder:
        return False
    spec = {k: v for k, v in _spec(lease).items() if k not in ("holderIdentity", "acquireTime", "renewTime")}
    try:
        request_json(api_client, "PUT", path, body={**lease, "spec": spec}, timeout=timeout)
    except (errors.Conflict, errors.NotFound):
        return False
    return True
