"""Reading and writing Knative objects through the official client, as plain dicts."""

from __future__ import annotations

from typing import Any, cast

from kubernetes import client

SERVING_GROUP = "serving.knative.dev"


def custom_object(
    api: Any, group: str, version: str, plural: str, name: str, namespace: str = "labs-1"
) -> dict[str, Any]:
    """One custom object, as a dict."""
    custom = client.CustomObjectsApi(api)
    return cast(dict[str, Any], custom.get_namespaced_custom_object(group, version, namespace, plural, name))


def knative(
    api: Any, plural: str, name: str, namespace: str = "labs-1", version: str = "v1"
) -> dict[str, Any]:
    """One serving.knative.dev object."""
    return custom_object(api, SERVING_GROUP, version, plural, name, namespace)


def names(api: Any, group: str, version: str, plural: str, namespace: str = "labs-1") -> list[str]:
    """The names of a custom kind's objects in a namespace."""
    custom = client.CustomObjectsApi(api)
    found = cast(dict[str, Any], custom.list_namespaced_custom_object(group, version, namespace, plural))
    return sorted(item["metadata"]["name"] for item in found["items"])


def core_service_names(api: Any, namespace: str = "labs-1") -> list[str]:
    """The names of the Kubernetes Services in a namespace."""
    services = client.CoreV1Api(api).list_namespaced_service(namespace).items
    return sorted(str(s.metadata.name) for s in services if s.metadata is not None)


def condition(obj: dict[str, Any], type_: str) -> tuple[str, str, str]:
    """(status, reason, message) of a condition; AssertionError when absent."""
    for found in (obj.get("status") or {}).get("conditions") or []:
        if found["type"] == type_:
            return found["status"], found.get("reason", ""), found.get("message", "")
    raise AssertionError(f"no {type_} condition in {obj.get('status')}")


def patch_service(
    api: Any, body: dict[str, Any], name: str = "customer", namespace: str = "labs-1"
) -> dict[str, Any]:
    """A merge patch of a Knative Service, as the dashboard sends it."""
    custom = client.CustomObjectsApi(api)
    return cast(
        dict[str, Any],
        custom.patch_namespaced_custom_object(SERVING_GROUP, "v1", namespace, "services", name, body),
    )
