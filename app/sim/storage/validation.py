"""What a real API server checks on every write before it stores an object, beside the admission
webhooks: unknown fields (pruned, and refused or warned about as `fieldValidation` asks), schema types
and required fields of custom resources, fields that may not change, and namespaces that may not go.

Sources of the rules and words:
- k8s.io/apiserver pkg/endpoints/handlers (create.go, update.go, patch.go, rest.go): Warn is the default
  directive; unknown fields of a create or update body are a strict decoding error, 400 "... cannot be
  handled as a ..."; those of a patched object 422 on the `patch` field; warnings are one per field.
- k8s.io/apiextensions-apiserver pkg/apiserver/customresource_handler.go and schema/pruning: pruning
  of custom resources reports `unknown field "spec.foo"` per path.
- k8s.io/kubernetes pkg/apis/core/validation and apps/rbac validation: immutable fields.
- k8s.io/apiserver pkg/admission/plugin/namespace/lifecycle: the namespaces that may not be deleted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from app.sim.storage import errors, typedecoding
from app.sim.storage.builtinchecks import builtin_causes
from app.sim.storage.errors import ApiError, Invalid
from app.sim.storage.resources import NAMESPACES, ResourceType
from app.sim.storage.schemafacts import RULED_KINDS, schema_for
from app.sim.storage.structural import Cause, check, drop_nulls, prune

STRICT, WARN, IGNORE = "Strict", "Warn", "Ignore"
DIRECTIVES = ("", IGNORE, STRICT, WARN)
IMMORTAL_NAMESPACES = frozenset({"default", "kube-system", "kube-public"})
FIELD_IMMUTABLE = "field is immutable"
IMMUTABLE_WHEN_SET = "field is immutable when `immutable` is set"
# A schema error of these kinds keeps the CEL rules from running, and the server says so
# (k8s.io/apiextensions-apiserver pkg/registry/customresource/strategy.go, hasBlockingErr).
_BLOCKING = frozenset({"FieldValueNotSupported", "FieldValueRequired", "FieldValueTypeInvalid"})
RULES_NOT_CHECKED = (
    "some validation rules were not checked because the object was invalid; "
    "correct the existing errors to complete validation"
)


@dataclass
class FieldChecks:
    """A write's `fieldValidation` directive and the warnings the server sends back with its answer."""

    directive: str = IGNORE
    warnings: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    """The paths of keys the body's JSON repeats (its decoding merged them, as Go's does)."""

    @classmethod
    def of(cls, value: str | None, options_kind: str) -> FieldChecks:
        """The directive of a request's fieldValidation parameter (absent: Warn); 422 on the
        `options_kind` (CreateOptions, UpdateOptions, PatchOptions) for a value not allowed."""
        given = value or ""
        if given not in DIRECTIVES:
            supported = ", ".join(f'"{option}"' for option in DIRECTIVES)
            message = f'Unsupported value: "{given}": supported values: {supported}'
            raise Invalid(
                422,
                "Invalid",
                f'{options_kind}.meta.k8s.io "" is invalid: fieldValidation: {message}',
                {
                    "group": "meta.k8s.io",
                    "kind": options_kind,
                    "causes": [
                        {"reason": "FieldValueNotSupported", "message": message, "field": "fieldValidation"}
                    ],
                },
            )
        return cls(given or WARN)


def decode_fields(
    rt: ResourceType, new: dict[str, Any], checks: FieldChecks | None, *, sent: str = ""
) -> None:
    """Prune the unknown fields of a whole object a client writes, in place; refuse them or record a
    warning each, as `checks` asks. None: the cluster's own write (a controller's or a scenario's),
    left as it is, since the simulated release's controllers write what that release's schema holds
    (the seed profile's Istio still had fields today's schema lacks). `sent`: for a patch's result,
    the patched object's JSON text as the server quotes it in a refusal (empty for a whole body)."""
    if checks is None:
        return
    schema = schema_for(rt.key)
    unknown: list[str] = []
    if schema is not None:
        unknown = prune(new, schema)
    elif typedecoding.describes(rt.key):
        decoded = typedecoding.decode(rt.key, new)
        if decoded.error:
            raise _undecodable(rt, new, sent, decoded.error)
        unknown = decoded.unknown
    duplicates = [] if sent else checks.duplicates
    if not (unknown or duplicates) or checks.directive == IGNORE:
        return
    texts = [f'duplicate field "{path}"' for path in duplicates]
    texts += [f'unknown field "{path}"' for path in unknown]
    if checks.directive == WARN:
        checks.warnings.extend(texts)
        return
    raise _undecodable(rt, new, sent, "strict decoding error: " + ", ".join(texts))


def _undecodable(rt: ResourceType, new: dict[str, Any], sent: str, problem: str) -> ApiError:
    """A body the typed decoding refuses: 400 for a create or update body, 422 on the `patch` field
    (quoting the patched object) for a patch's result."""
    if sent:
        message = f"Invalid value: {_go_quoted(sent)}: {problem}"
        cause = {"reason": "FieldValueInvalid", "message": message, "field": "patch"}
        return Invalid(422, "Invalid", f' "" is invalid: patch: {message}', {"causes": [cause]})
    version = str(new.get("apiVersion", "")).rsplit("/", 1)[-1]
    return errors.bad_request(f'{rt.kind} in version "{version}" cannot be handled as a {rt.kind}: {problem}')


def check_fields(rt: ResourceType, new: dict[str, Any], checks: FieldChecks | None) -> None:
    """422 for a custom resource a client writes whose fields break its schema (types, required
    fields, enums), or a built-in object that fails its kind's validation (builtinchecks); the
    cluster's own writes (checks None) are trusted, as in `decode_fields`."""
    if checks is None:
        return
    schema = schema_for(rt.key)
    if schema is None:
        builtin = builtin_causes(rt.key, new)
        if builtin:
            raise invalid(rt, new["metadata"].get("name", ""), builtin)
        return
    drop_nulls(new, schema)
    causes = check(new, schema)
    if causes and rt.key in RULED_KINDS and any(cause.reason in _BLOCKING for cause in causes):
        causes.append(Cause("<nil>", f"Invalid value: null: {RULES_NOT_CHECKED}", "FieldValueInvalid"))
    if causes:
        error = invalid(rt, new["metadata"].get("name", ""), causes)
        error.warnings = list(checks.warnings)  # a real server warns of pruned fields with its refusal
        raise error


def check_update(rt: ResourceType, new: dict[str, Any], old: dict[str, Any]) -> None:
    """422 when an update changes a field the kind keeps immutable (new may be adjusted in place,
    as the server keeps allocated values a client leaves out)."""
    causes = _immutable_causes(rt, new, old)
    if causes:
        raise invalid(rt, new["metadata"].get("name", ""), causes)


def check_delete(rt: ResourceType, name: str) -> None:
    """403 for a namespace the cluster cannot live without (NamespaceLifecycle's immortal ones)."""
    if rt.key == NAMESPACES and name in IMMORTAL_NAMESPACES:
        raise errors.Forbidden(
            403,
            "Forbidden",
            f'namespaces "{name}" is forbidden: this namespace may not be deleted',
            {"name": name, "kind": "namespaces"},
        )


def invalid(rt: ResourceType, name: str, causes: list[Cause]) -> ApiError:
    """422 Invalid with these causes, worded as the API server joins field errors."""
    qualified = f"{rt.kind}.{rt.group}" if rt.group else rt.kind
    text_ = ", ".join(f"{cause.field}: {cause.message}" for cause in causes)
    if len(causes) > 1:
        text_ = f"[{text_}]"
    details: dict[str, Any] = {"name": name, "group": rt.group, "kind": rt.kind}
    if not rt.group:
        del details["group"]
    details["causes"] = [
        {"reason": cause.reason, "message": cause.message, "field": cause.field} for cause in causes
    ]
    return Invalid(422, "Invalid", f'{qualified} "{name}" is invalid: {text_}', details)


def _immutable_causes(rt: ResourceType, new: dict[str, Any], old: dict[str, Any]) -> list[Cause]:
    causes: list[Cause] = []
    meta, old_meta = new["metadata"], old["metadata"]
    if meta.get("uid") and meta.get("uid") != old_meta.get("uid"):
        causes.append(_changed("metadata.uid", meta["uid"], FIELD_IMMUTABLE))
    if rt.key in ("configmaps", "secrets") and old.get("immutable") is True:
        if new.get("immutable") is not True:
            causes.append(Cause("immutable", f"Forbidden: {IMMUTABLE_WHEN_SET}", "FieldValueForbidden"))
        for name in ("data", "binaryData") if rt.key == "configmaps" else ("data",):
            if (new.get(name) or {}) != (old.get(name) or {}):
                causes.append(Cause(name, f"Forbidden: {IMMUTABLE_WHEN_SET}", "FieldValueForbidden"))
    if rt.key == "secrets" and new.get("type") != old.get("type"):
        causes.insert(0, _changed("type", new.get("type", ""), FIELD_IMMUTABLE))
    if rt.key == "services":
        causes += _cluster_ip_causes(new, old)
    if rt.key == "deployments.apps":
        causes += _deployment_causes(new, old)
    binding = rt.key.startswith(("rolebindings.", "clusterrolebindings."))
    if binding and new.get("roleRef") != old.get("roleRef"):
        # The internal RoleRef has no JSON tags, so the bad value prints with Go's field names.
        ref = _dict(new.get("roleRef"))
        shown = {
            "APIGroup": ref.get("apiGroup", ""),
            "Kind": ref.get("kind", ""),
            "Name": ref.get("name", ""),
        }
        causes.append(_changed("roleRef", shown, FIELD_IMMUTABLE))
    return causes


def _deployment_causes(new: dict[str, Any], old: dict[str, Any]) -> list[Cause]:
    """The spec check that sees a selector no longer matching the template's labels, then the
    selector's own immutability (k8s.io/kubernetes pkg/apis/apps/validation, ValidateDeploymentUpdate)."""
    spec = _dict(new.get("spec"))
    selector = spec.get("selector")
    causes: list[Cause] = []
    labels = _dict(_dict(_dict(spec.get("template")).get("metadata")).get("labels"))
    wanted = _dict(_dict(selector).get("matchLabels"))
    if any(labels.get(key) != value for key, value in wanted.items()):
        causes.append(
            _changed("spec.template.metadata.labels", labels, "`selector` does not match template `labels`")
        )
    if selector != _dict(old.get("spec")).get("selector"):
        causes.append(_changed("spec.selector", selector, FIELD_IMMUTABLE))
    return causes


def _cluster_ip_causes(new: dict[str, Any], old: dict[str, Any]) -> list[Cause]:
    """A Service keeps the clusterIP it was given: left out, the old one stays; changed, it is refused."""
    spec, old_spec = new.get("spec"), old.get("spec") or {}
    if not isinstance(spec, dict) or "ExternalName" in (spec.get("type"), old_spec.get("type")):
        return []
    for name in ("clusterIP", "clusterIPs"):
        if not spec.get(name) and old_spec.get(name):
            spec[name] = old_spec[name]
    old_ips = old_spec.get("clusterIPs") or ([old_spec["clusterIP"]] if old_spec.get("clusterIP") else [])
    ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    if old_ips and ips and old_ips[0] == ips[0] == "None":
        return []
    if ips and ips[:1] != old_ips[:1]:
        return [_changed("spec.clusterIPs[0]", ips, "may not change once set")]
    return []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _changed(path: str, value: Any, detail: str) -> Cause:
    return Cause(path, f"Invalid value: {_go_value(value)}: {detail}", "FieldValueInvalid")


def _go_value(value: Any) -> str:
    """A bad value as apimachinery's field errors print it: strings quoted, others as JSON."""
    if isinstance(value, str):
        return _go_quoted(value)
    return json.dumps(value, separators=(",", ":"))


def _go_quoted(text_: str) -> str:
    return json.dumps(text_, ensure_ascii=False)
