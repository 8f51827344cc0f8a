"""Kubernetes API errors: the Status objects a real kube-apiserver answers with."""

from __future__ import annotations

from typing import Any

from app.sim.storage.resources import ResourceType


class ApiError(Exception):
    """An API failure carried to the client as a `Status` object with this code and reason."""

    def __init__(self, code: int, reason: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.warnings: list[str] = []
        """Warning headers to send with the error (a refused write still warns of unknown fields)."""

    def status(self) -> dict[str, Any]:
        """The error as a Kubernetes Status object, keys in the order and with the omissions of the
        real server's encoding (metav1.Status: every field but metadata is omitempty)."""
        body: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure"}
        if self.message:
            body["message"] = self.message
        if self.reason:
            body["reason"] = self.reason
        if self.details is not None:
            body["details"] = status_details(self.details)
        if self.code:
            body["code"] = self.code
        return body


_DETAIL_KEYS = ("name", "group", "kind", "uid", "causes", "retryAfterSeconds")
_CAUSE_KEYS = ("reason", "message", "field")


def status_details(details: dict[str, Any]) -> dict[str, Any]:
    """StatusDetails as metav1 encodes them: fields in declaration order, empty ones left out
    (k8s.io/apimachinery/pkg/apis/meta/v1/types.go, StatusDetails and StatusCause)."""
    out: dict[str, Any] = {}
    for key in (*_DETAIL_KEYS, *(key for key in details if key not in _DETAIL_KEYS)):
        value = details.get(key)
        if key == "causes" and isinstance(value, list):
            value = [
                {
                    k: cause[k]
                    for k in (*_CAUSE_KEYS, *(k for k in cause if k not in _CAUSE_KEYS))
                    if cause.get(k)
                }
                for cause in value
                if isinstance(cause, dict)
            ]
        if value:
            out[key] = value
    return out


class Unauthorized(ApiError):
    """401: no valid credentials."""


class Forbidden(ApiError):
    """403: RBAC refuses the verb, or the namespace is being deleted."""


class NotFound(ApiError):
    """404: no such object (or no such path)."""


class Conflict(ApiError):
    """409: a stale resourceVersion; AlreadyExists is the other 409 and a subclass, as callers that
    retry on a conflict treat both alike."""


class AlreadyExists(Conflict):
    """409: an object of that name exists already."""


class Expired(ApiError):
    """410: a resourceVersion or continue token older than the history kept."""


class Invalid(ApiError):
    """422: field validation or an admission webhook refused the object."""


def _details(rt: ResourceType, name: str) -> dict[str, Any]:
    details: dict[str, Any] = {"name": name, "group": rt.group, "kind": rt.plural}
    if not rt.group:
        del details["group"]
    return details


def not_found(rt: ResourceType, name: str) -> ApiError:
    """404: `services.serving.knative.dev "x" not found`."""
    return NotFound(404, "NotFound", f'{rt.key} "{name}" not found', _details(rt, name))


def already_exists(rt: ResourceType, name: str) -> ApiError:
    """409: `services.serving.knative.dev "x" already exists`."""
    return AlreadyExists(409, "AlreadyExists", f'{rt.key} "{name}" already exists', _details(rt, name))


def conflict(rt: ResourceType, name: str) -> ApiError:
    """409 on a stale resourceVersion, with the real server's words."""
    return Conflict(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {rt.key} "{name}": the object has been modified; '
        "please apply your changes to the latest version and try again",
        _details(rt, name),
    )


def invalid(rt: ResourceType, name: str, causes: list[tuple[str, str]]) -> ApiError:
    """422 with one cause per (field, message), worded like the real field validation."""
    qualified = f"{rt.kind}.{rt.group}" if rt.group else rt.kind
    text = ", ".join(f"{field}: {message}" for field, message in causes)
    if len(causes) > 1:
        text = f"[{text}]"
    details = _details(rt, name) | {"kind": rt.kind}
    details["causes"] = [
        {"reason": _cause_reason(message), "message": message, "field": field} for field, message in causes
    ]
    return Invalid(422, "Invalid", f'{qualified} "{name}" is invalid: {text}', details)


def update_needs_resource_version(rt: ResourceType, name: str) -> ApiError:
    """422 for an update without a resourceVersion where the kind needs one: the generic registry
    names the resource, not the kind (k8s.io/apiserver registry/generic/registry/store.go, Update)."""
    message = "Invalid value: 0: must be specified for an update"
    cause = {"reason": "FieldValueInvalid", "message": message, "field": "metadata.resourceVersion"}
    details = {"name": name, "group": rt.group, "kind": rt.plural, "causes": [cause]}
    text = f'{rt.key} "{name}" is invalid: metadata.resourceVersion: {message}'
    return Invalid(422, "Invalid", text, details)


def _cause_reason(message: str) -> str:
    for prefix, reason in (
        ("Required value", "FieldValueRequired"),
        ("Forbidden", "FieldValueForbidden"),
        ("Unsupported value", "FieldValueNotSupported"),
    ):
        if message.startswith(prefix):
            return reason
    return "FieldValueInvalid"


def admission_denied(rt: ResourceType, name: str, plugin: str, errors: list[str]) -> ApiError:
    """400 from a validating webhook, with the apiserver's wrapping text and, as the webhook's own
    Status has none, no details (kubectl then prints the message as is).

    Knative's webhooks answer a denial with a BadRequest Status (knative.dev/pkg webhook/admission.go,
    MakeErrorStatus) and the API server passes its code and reason on, prefixing who denied it
    (k8s.io/apiserver pkg/admission/plugin/webhook/errors/statuserror.go)."""
    del rt, name  # the webhook's Status names neither
    message = f'admission webhook "{plugin}" denied the request: validation failed: ' + "\n".join(errors)
    return ApiError(400, "BadRequest", message)


def bad_request(message: str) -> ApiError:
    """400 BadRequest."""
    return ApiError(400, "BadRequest", message)


def expired(message: str) -> ApiError:
    """410 Expired: a resourceVersion or continue token older than the history kept."""
    return Expired(410, "Expired", message)


def unsupported_media_type(accepted: tuple[str, ...]) -> ApiError:
    """415 for a body (or patch type) the resource does not take."""
    return ApiError(
        415,
        "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: "
        + ", ".join(accepted),
    )


def method_not_allowed() -> ApiError:
    """405 for a verb the resource does not serve."""
    return ApiError(
        405, "MethodNotAllowed", "the server does not allow this method on the requested resource"
    )


def forbidden(
    user: str, verb: str, rt: ResourceType, namespace: str | None, name: str, subresource: str = ""
) -> ApiError:
    """403 in the words of the apiserver's authorization filter (k8s.io/apiserver
    endpoints/handlers/responsewriters/errors.go, forbiddenMessage): the resource with its subresource,
    "in the namespace" when the request has one (a Namespace's own name counts as its namespace)."""
    resource = f'{rt.key} "{name}"' if name else rt.key
    plural = f"{rt.plural}/{subresource}" if subresource else rt.plural
    scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
    group = f'API group "{rt.group}"'
    message = f'{resource} is forbidden: User "{user}" cannot {verb} resource "{plural}" in {group} {scope}'
    return Forbidden(403, "Forbidden", message, _details(rt, name))


def forbidden_path(user: str, verb: str, path: str) -> ApiError:
    """403 for a path that names no resource (discovery, /version), in the same filter's words."""
    return Forbidden(403, "Forbidden", f'forbidden: User "{user}" cannot {verb} path "{path}"', {})


def namespace_terminating(namespace: str) -> ApiError:
    """403 for a create in a namespace being deleted."""
    message = f"unable to create new content in namespace {namespace} because it is being terminated"
    cause = {"reason": "NamespaceTerminating", "message": message, "field": "metadata.namespace"}
    return Forbidden(403, "Forbidden", message, {"name": namespace, "kind": "namespaces", "causes": [cause]})


def internal_error(message: str) -> ApiError:
    """500 InternalError."""
    return ApiError(
        500,
        "InternalError",
        f"Internal error occurred: {message}",
        {"causes": [{"message": message}]},
    )


def path_not_found() -> ApiError:
    """404 for a path the server does not serve."""
    return NotFound(404, "NotFound", "the server could not find the requested resource", {})
