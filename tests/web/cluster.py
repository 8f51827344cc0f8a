"""Reading and changing the simulated cluster in tests, through the official client (as kubectl would)."""

from __future__ import annotations

from typing import Any, cast

from kubernetes.client import ApiClient, CoreV1Api, CustomObjectsApi
from kubernetes.client.exceptions import ApiException

NS = "labs-1"
SERVING = ("serving.knative.dev", "v1")


def knative(api: ApiClient, plural: str, namespace: str = NS) -> list[dict[str, Any]]:
    listing = CustomObjectsApi(api).list_namespaced_custom_object(*SERVING, namespace, plural)
    return cast(list[dict[str, Any]], cast(dict[str, Any], listing)["items"])


def knative_service(api: ApiClient, name: str, namespace: str = NS) -> dict[str, Any]:
    obj = CustomObjectsApi(api).get_namespaced_custom_object(*SERVING, namespace, "services", name)
    return cast(dict[str, Any], obj)


def patch_service(api: ApiClient, name: str, patch: dict[str, Any], namespace: str = NS) -> None:
    CustomObjectsApi(api).patch_namespaced_custom_object(*SERVING, namespace, "services", name, patch)


def virtualservice_names(api: ApiClient, namespace: str = NS) -> list[str]:
    for version in ("v1", "v1beta1", "v1alpha3"):
        try:
            listing = CustomObjectsApi(api).list_namespaced_custom_object(
                "networking.istio.io", version, namespace, "virtualservices"
            )
        except ApiException as exc:
            if exc.status == 404:  # a version this cluster does not serve
                continue
            raise
        return names(cast(dict[str, Any], listing)["items"])
    return []


def kingress_names(api: ApiClient, namespace: str = NS) -> list[str]:
    listing = CustomObjectsApi(api).list_namespaced_custom_object(
        "networking.internal.knative.dev", "v1alpha1", namespace, "ingresses"
    )
    return names(cast(dict[str, Any], listing)["items"])


def core_service_names(api: ApiClient, namespace: str = NS) -> list[str]:
    return sorted(
        str(s.metadata and s.metadata.name) for s in CoreV1Api(api).list_namespaced_service(namespace).items
    )


def pod_names(api: ApiClient, namespace: str = NS) -> list[str]:
    return sorted(
        str(p.metadata and p.metadata.name) for p in CoreV1Api(api).list_namespaced_pod(namespace).items
    )


def names(objects: list[dict[str, Any]]) -> list[str]:
    return sorted(str(o["metadata"]["name"]) for o in objects)
