"""Knative Serving's defaulting and validating webhook for Services and Routes.

Both served versions (v1, v1alpha1) share one storage, so one plugin per kind covers them. The
traffic and BYO-name rules are app.model.traffic's, the same the dashboard's editor runs.
"""

from __future__ import annotations

import json
from typing import Any

from app.model.gradual import validate_rollout_duration
from app.model.labels import CREATOR_ANNOTATION, LAST_MODIFIER_ANNOTATION
from app.model.traffic import (
    WEBHOOK_NAME,
    FieldError,
    admit_traffic,
    default_traffic,
    merge_errors,
    parse_traffic,
    validate_template_name,
)
from app.sim.storage.admission import Requester

USER_CONTAINER = "user-container"
DEFAULT_TIMEOUT_SECONDS = 300
DEFAULT_CONTAINER_CONCURRENCY = 0


def default_template(template: dict[str, Any]) -> None:
    """Knative's revision template defaults, in place: timeout (also for 0), concurrency, and names for
    unnamed containers (`user-container`; with several, `user-container-<n>` avoiding taken names)."""
    spec = template.get("spec")
    if not isinstance(spec, dict):
        return
    if not spec.get("timeoutSeconds"):
        spec["timeoutSeconds"] = DEFAULT_TIMEOUT_SECONDS
    spec.setdefault("containerConcurrency", DEFAULT_CONTAINER_CONCURRENCY)
    containers = [c for c in spec.get("containers") or [] if isinstance(c, dict)]
    taken = {c.get("name") for c in containers if c.get("name")}
    suffix = 0
    for container in containers:
        if container.get("name"):
            continue
        name = USER_CONTAINER
        if len(containers) > 1 or name in taken:
            while (name := f"{USER_CONTAINER}-{suffix}") in taken:
                suffix += 1
            suffix += 1
        taken.add(name)
        container["name"] = name


def _default_traffic(spec: dict[str, Any], *, in_service: bool) -> None:
    targets, errors = parse_traffic(spec.get("traffic"))
    if not errors:
        spec["traffic"] = [t.to_dict() for t in default_traffic(targets, in_service=in_service)]


class ServiceAdmission:
    """The webhook for `services.serving.knative.dev`."""

    name = WEBHOOK_NAME

    def __init__(self, user: str = "admin") -> None:
        self._user = user
        """Who the cluster's own writes (no requester: scenarios, controllers) are recorded as."""

    def mutate(
        self,
        operation: str,
        new: dict[str, Any],
        old: dict[str, Any] | None,
        *,
        requester: Requester | None = None,
    ) -> None:
        """Default the traffic block and the template; record the creator and last modifier: the
        requesting user, as Knative does (the cluster's own writes keep annotations they carry)."""
        spec = new.get("spec")
        if not isinstance(spec, dict):
            return
        _default_traffic(spec, in_service=True)
        template = spec.get("template")
        if isinstance(template, dict):
            default_template(template)
        annotations = new["metadata"].setdefault("annotations", {})
        if isinstance(annotations, dict):
            user = requester.username if requester is not None else self._user
            if operation == "CREATE":
                for annotation in (CREATOR_ANNOTATION, LAST_MODIFIER_ANNOTATION):
                    if requester is not None:
                        annotations[annotation] = user
                    else:
                        annotations.setdefault(annotation, user)
            elif old is not None and old.get("spec") != spec:
                annotations[LAST_MODIFIER_ANNOTATION] = user

    def validate(self, operation: str, new: dict[str, Any], old: dict[str, Any] | None) -> list[str]:
        """The rollout duration's, the traffic block's and the BYO revision name's errors, merged and
        sorted as Knative's."""
        spec = new.get("spec")
        if not isinstance(spec, dict):
            return ["missing field(s): spec"]
        _, errors = admit_traffic(spec.get("traffic"), in_service=True)
        errors += validate_rollout_duration(new["metadata"].get("annotations") or {})
        template = spec.get("template")
        if isinstance(template, dict):
            old_spec = (old or {}).get("spec")
            old_template = old_spec.get("template") if isinstance(old_spec, dict) else None
            errors += validate_template_name(
                new["metadata"].get("name", ""), old_template if operation == "UPDATE" else None, template
            )
        return _texts(errors)


class RouteAdmission:
    """The webhook for `routes.serving.knative.dev` (a Route's own traffic: no defaulting to latest)."""

    name = WEBHOOK_NAME

    def mutate(self, operation: str, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        """Default the traffic block (latestRevision from revisionName)."""
        spec = new.get("spec")
        if isinstance(spec, dict):
            _default_traffic(spec, in_service=False)

    def validate(self, operation: str, new: dict[str, Any], old: dict[str, Any] | None) -> list[str]:
        """The rollout duration's and the traffic block's errors (a Route must name a revision or a
        configuration)."""
        spec = new.get("spec")
        if not isinstance(spec, dict):
            return ["missing field(s): spec"]
        _, errors = admit_traffic(spec.get("traffic"), in_service=False)
        errors += validate_rollout_duration(new["metadata"].get("annotations") or {})
        return _texts(errors)


def _texts(errors: list[FieldError]) -> list[str]:
    return [str(error) for error in merge_errors(errors)]


class RevisionAdmission:
    """The webhook for `revisions.serving.knative.dev`: a Revision is an immutable snapshot, so an
    update may change its metadata but not its spec (knative/serving pkg/apis/serving/v1/
    revision_validation.go: "Immutable fields changed (-old +new): spec" and a diff of the change).

    Knative prints the diff with go-cmp over its Go types; the simulator lists each changed JSON
    path with its old and new value in the same -/+ shape, which names fields as JSON does."""

    name = WEBHOOK_NAME

    def mutate(self, operation: str, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        """Nothing to default on an update."""

    def validate(self, operation: str, new: dict[str, Any], old: dict[str, Any] | None) -> list[str]:
        """The immutable-spec error, when an update changes the spec."""
        if operation != "UPDATE" or old is None or new.get("spec") == old.get("spec"):
            return []
        lines = [
            f"{{v1.RevisionSpec}}{path}:\n\t-: {before}\n\t+: {after}"
            for path, before, after in _changes(old.get("spec"), new.get("spec"), "")
        ]
        return ["Immutable fields changed (-old +new): spec\n" + "\n".join(lines)]


def _changes(old: Any, new: Any, path: str) -> list[tuple[str, str, str]]:
    """(path, old, new) of every leaf that differs between two JSON values."""
    if isinstance(old, dict) and isinstance(new, dict):
        found: list[tuple[str, str, str]] = []
        for key in sorted(set(old) | set(new)):
            found += _changes(old.get(key), new.get(key), f"{path}.{key}")
        return found
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [
            change
            for i, (a, b) in enumerate(zip(old, new, strict=True))
            for change in _changes(a, b, f"{path}[{i}]")
        ]
    if old == new:
        return []
    return [(path, json.dumps(old), json.dumps(new))]
