"""Writing a plan's state back to its Service: the annotation and, when a step moves the traffic, the
split, in one merge patch conditional on the Service's resourceVersion; a moved split is recorded in
the history like any change made with the editor (a signed TrafficChanged Event).

Blocking HTTP calls: call from a worker thread.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.kube.writing import patch_service
from app.model.bodies import meta, name_of
from app.model.editing import service_traffic
from app.model.history import COMPONENT, describe_manager, traffic_write
from app.model.objects import KubeObject
from app.model.plans import ANNOTATION, Plan, Progress, encode
from app.model.traffic import TrafficTarget
from app.web.dashboard import Dashboard
from app.web.editor.applying import record_change


def history_user(label: str, user: str | None) -> str:
    """Who the history names for a plan's change: `plan step 2/4 (alice)`."""
    return f"{label} ({user})" if user else label


def store(
    dashboard: Dashboard,
    namespace: str,
    service: KubeObject,
    plan: Plan,
    progress: Progress,
    split: Sequence[TrafficTarget] | None,
    *,
    label: str,
    user: str | None,
) -> KubeObject:
    """Write `progress` (and `split`, unless None) onto `service` as read: ApiError 409 when it changed
    since. Returns the Service the cluster answered."""
    version = str(meta(service).get("resourceVersion") or "")
    answer = patch_service(
        dashboard.api_client,
        namespace,
        name_of(service),
        version,
        traffic=None if split is None else list(split),
        annotations={ANNOTATION: encode(plan, progress)},
        timeout=dashboard.settings.write_timeout_seconds,
    )
    if split is not None:
        old, new = tuple(service_traffic(service)), tuple(service_traffic(answer))
        record_change(dashboard, namespace, answer, old, new, history_user(label, user))
    return answer


def remove(dashboard: Dashboard, namespace: str, service: KubeObject) -> KubeObject:
    """Take the plan's annotation off `service` (conditional on its resourceVersion)."""
    version = str(meta(service).get("resourceVersion") or "")
    return patch_service(
        dashboard.api_client,
        namespace,
        name_of(service),
        version,
        annotations={ANNOTATION: None},
        timeout=dashboard.settings.write_timeout_seconds,
    )


def traffic_writer(service: KubeObject) -> str | None:
    """Who last wrote the Service's traffic, in the history's words (for an outside change's pause)."""
    found = traffic_write(service)
    if found is None:
        return None
    manager = found[0]
    return "Splitboard's traffic editor" if manager == COMPONENT else describe_manager(manager)
