"""The field validation a real API server runs on the built-in kinds a client writes, after decoding
and defaulting, for the fields the dashboard, the lab and their clients write: label values, a
Service's ports, a Deployment's selector and containers, RBAC rules, an Event's namespace.

Rules and words from k8s.io/kubernetes pkg/apis/core/validation (validation.go: validateService,
validateServicePort, validateContainers; events.go: legacyValidateEvent), pkg/apis/apps/validation
(ValidateDeploymentSpec, ValidatePodTemplateSpecForReplicaSet), pkg/apis/rbac/validation
(ValidatePolicyRule), pkg/apis/coordination/validation (ValidateLeaseSpec) and k8s.io/apimachinery
pkg/apis/meta/v1/validation (ValidateLabels) with
pkg/api/validate/content (IsLabelValue, IsValidPortNum). Each check gives (field path, message) in
the order the real validation appends them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from app.model.validation import label_value_errors
from app.sim.storage.resources import DEPLOYMENTS, EVENTS, LEASES, RBAC_GROUP, SERVICES
from app.sim.storage.structural import Cause

PORT_RANGE = "must be between 1 and 65535, inclusive"


def builtin_causes(rt_key: str, obj: dict[str, Any]) -> list[Cause]:
    """The field errors of a built-in object (empty when it is valid or its kind is not checked)."""
    meta = _dict(obj.get("metadata"))
    # A core/v1 Event's metadata is not validated (core/validation/events.go, ValidateEventCreate).
    causes = [] if rt_key == EVENTS else _label_causes(_dict(meta.get("labels")), "metadata.labels")
    check = _KINDS.get(rt_key)
    if check is not None:
        causes += check(obj, meta)
    return causes


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _invalid(path: str, value: Any, detail: str) -> Cause:
    shown = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return Cause(path, f"Invalid value: {shown}: {detail}", "FieldValueInvalid")


def _required(path: str, detail: str = "") -> Cause:
    return Cause(path, f"Required value: {detail}" if detail else "Required value", "FieldValueRequired")


def _label_causes(labels: dict[str, Any], path: str) -> list[Cause]:
    return [
        _invalid(path, value, text)
        for value in labels.values()
        if isinstance(value, str)
        for text in label_value_errors(value)
    ]


def _service(obj: dict[str, Any], meta: dict[str, Any]) -> list[Cause]:
    spec = _dict(obj.get("spec"))
    ports = [_dict(port) for port in _list(spec.get("ports"))]
    headless = spec.get("clusterIP") == "None"
    causes: list[Cause] = []
    if not ports and not headless and spec.get("type") != "ExternalName":
        causes.append(_required("spec.ports"))
    names: set[str] = set()
    for index, port in enumerate(ports):
        path = f"spec.ports[{index}]"
        name = port.get("name") or ""
        if len(ports) > 1 and not name:
            causes.append(_required(f"{path}.name"))
        elif name:
            if name in names:
                causes.append(
                    Cause(f"{path}.name", f"Duplicate value: {json.dumps(name)}", "FieldValueDuplicate")
                )
            names.add(name)
        number = port.get("port")
        if isinstance(number, int) and not 1 <= number <= 65535:
            causes.append(_invalid(f"{path}.port", number, PORT_RANGE))
        target = port.get("targetPort", number)
        if isinstance(target, int) and not isinstance(target, bool) and not 1 <= target <= 65535:
            causes.append(_invalid(f"{path}.targetPort", target, PORT_RANGE))
    causes += _label_causes(_dict(spec.get("selector")), "spec.selector")
    return causes


def _deployment(obj: dict[str, Any], meta: dict[str, Any]) -> list[Cause]:
    spec = _dict(obj.get("spec"))
    causes: list[Cause] = []
    replicas = spec.get("replicas")
    if isinstance(replicas, int) and replicas < 0:
        causes.append(_invalid("spec.replicas", replicas, "must be greater than or equal to 0"))
    selector = spec.get("selector")
    template = _dict(spec.get("template"))
    labels = _dict(_dict(template.get("metadata")).get("labels"))
    if not isinstance(selector, dict):
        causes.append(_required("spec.selector"))
        matches = False  # a missing selector selects nothing (metav1.LabelSelectorAsSelector(nil))
    else:
        wanted = _dict(selector.get("matchLabels"))
        causes += _label_causes(wanted, "spec.selector.matchLabels")
        if not wanted and not _list(selector.get("matchExpressions")):
            causes.append(_invalid("spec.selector", selector, "empty selector is invalid for deployment"))
        matches = all(labels.get(key) == value for key, value in wanted.items())
    if not matches:
        causes.append(
            _invalid("spec.template.metadata.labels", labels, "`selector` does not match template `labels`")
        )
    causes += _label_causes(labels, "spec.template.metadata.labels")
    containers = [_dict(c) for c in _list(_dict(template.get("spec")).get("containers"))]
    path = "spec.template.spec.containers"
    if not containers:
        causes.append(_required(path))
    for index, container in enumerate(containers):
        if not container.get("name"):
            causes.append(_required(f"{path}[{index}].name"))
        if not container.get("image"):
            causes.append(_required(f"{path}[{index}].image"))
    return causes


def _rules(obj: dict[str, Any], meta: dict[str, Any], *, namespaced: bool) -> list[Cause]:
    causes: list[Cause] = []
    for index, rule in enumerate(_dict(r) for r in _list(obj.get("rules"))):
        path = f"rules[{index}]"
        if not _list(rule.get("verbs")):
            # Declarative validation owns this check in 1.37 and words it without ValidatePolicyRule's detail.
            causes.append(_required(f"{path}.verbs"))
        urls = _list(rule.get("nonResourceURLs"))
        if urls:
            if namespaced:
                causes.append(
                    _invalid(
                        f"{path}.nonResourceURLs", urls, "namespaced rules cannot apply to non-resource URLs"
                    )
                )
            if rule.get("apiGroups") or rule.get("resources") or rule.get("resourceNames"):
                causes.append(
                    _invalid(
                        f"{path}.nonResourceURLs",
                        urls,
                        "rules cannot apply to both regular resources and non-resource URLs",
                    )
                )
            continue
        if not _list(rule.get("apiGroups")):
            causes.append(_required(f"{path}.apiGroups", "resource rules must supply at least one api group"))
        if not _list(rule.get("resources")):
            causes.append(_required(f"{path}.resources", "resource rules must supply at least one resource"))
    return causes


def _event(obj: dict[str, Any], meta: dict[str, Any]) -> list[Cause]:
    if obj.get("eventTime"):
        return []
    namespace = meta.get("namespace") or ""
    involved = _dict(obj.get("involvedObject")).get("namespace") or ""
    if (not involved and namespace not in ("", "default")) or (involved and involved != namespace):
        return [_invalid("involvedObject.namespace", involved, "does not match event.namespace")]
    return []


def _lease(obj: dict[str, Any], meta: dict[str, Any]) -> list[Cause]:
    spec = _dict(obj.get("spec"))
    causes: list[Cause] = []
    duration, transitions = spec.get("leaseDurationSeconds"), spec.get("leaseTransitions")
    if isinstance(duration, int) and duration <= 0:
        causes.append(_invalid("spec.leaseDurationSeconds", duration, "must be greater than 0"))
    if isinstance(transitions, int) and transitions < 0:
        causes.append(_invalid("spec.leaseTransitions", transitions, "must be greater than or equal to 0"))
    # preferredHolder without a strategy is Forbidden only with the CoordinatedLeaderElection gate on;
    # off (the default), both fields are dropped before validation (defaulting.drop_disabled_lease_fields).
    return causes


_KINDS: dict[str, Callable[[dict[str, Any], dict[str, Any]], list[Cause]]] = {
    SERVICES: _service,
    DEPLOYMENTS: _deployment,
    EVENTS: _event,
    LEASES: _lease,
    f"roles.{RBAC_GROUP}": lambda obj, meta: _rules(obj, meta, namespaced=True),
    f"clusterroles.{RBAC_GROUP}": lambda obj, meta: _rules(obj, meta, namespaced=False),
}
