"""Which resourceVersions a watch may start from: those the API server's watch cache still holds.

A real kube-apiserver fills each watch cache with a list at its start and keeps the events after it
(k8s.io/apiserver storage/cacher/watch_cache_history.go, GetIntervalLocked): a watch from before
that list is answered, inside the stream, with 410 Expired and both resourceVersions in the message.
"""

from __future__ import annotations

from app.sim.storage import errors


def check(since: int, cache_start: int) -> None:
    """Expired when `since` (0: from now) is older than the cache that began at `cache_start`."""
    if since and since < cache_start:
        raise errors.expired(f"too old resource version: {since} ({cache_start})")


def initial_events(query: dict[str, str]) -> bool:
    """Whether a watch asked for its initial events (a WatchList request), checked as ListOptions are
    for a watch (k8s.io/apimachinery pkg/apis/meta/internalversion/validation, validateWatchOptions)."""
    send, match = query.get("sendInitialEvents"), query.get("resourceVersionMatch", "")
    problems: list[tuple[str, str]] = []
    if send is not None and match != "NotOlderThan":
        problems.append(
            ("Forbidden", "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan")
        )
    if match:
        if send is None:
            message = "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"
            problems.append(("Forbidden", message))
        if match != "NotOlderThan":
            problems.append(("Unsupported value", f'"{match}": supported values: "NotOlderThan"'))
    if problems:
        raise _invalid_list_options(problems)
    return send is not None and send.lower() == "true"


def _invalid_list_options(problems: list[tuple[str, str]]) -> errors.ApiError:
    reasons = {"Forbidden": "FieldValueForbidden", "Unsupported value": "FieldValueNotSupported"}
    bodies = [f"{kind}: {detail}" for kind, detail in problems]
    text = ", ".join(f"resourceVersionMatch: {body}" for body in bodies)
    if len(bodies) > 1:
        text = f"[{text}]"
    causes = [
        {"reason": reasons[kind], "message": body, "field": "resourceVersionMatch"}
        for (kind, _), body in zip(problems, bodies, strict=True)
    ]
    details = {"group": "meta.k8s.io", "kind": "ListOptions", "causes": causes}
    return errors.Invalid(422, "Invalid", f'ListOptions.meta.k8s.io "" is invalid: {text}', details)
