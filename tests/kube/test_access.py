"""The dashboard's access checks (SelfSubjectAccessReviews, app.kube.access) against the simulator's RBAC
and a real API server's: a limited user's Roles decide, down to resource names."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from kubernetes.client import ApiClient

from app.kube.access import AccessChecker, ResourceAttributes, patch_service, review
from app.kube.errors import ApiError
from tests.backends import Backend
from tests.kube.helpers import limited_user
from tests.plugins.sim import dashboard_client
from tests.support.waiting import wait_until

KNATIVE = "serving.knative.dev"


def test_a_limited_user_may_do_only_what_its_role_says(backend: Backend, fresh_namespace: str) -> None:
    other = backend.namespace()
    kubeconfig = limited_user(backend, fresh_namespace, ["configmaps", "services"], groups=("",))
    with dashboard_client(kubeconfig) as viewer:
        for attributes, allowed in [
            (ResourceAttributes("list", "", "configmaps", fresh_namespace), True),
            (ResourceAttributes("watch", "", "services", fresh_namespace), True),
            (ResourceAttributes("get", "", "configmaps", fresh_namespace, "any"), True),
            (ResourceAttributes("list", "", "configmaps", other), False),  # another namespace
            (ResourceAttributes("list", "", "secrets", fresh_namespace), False),  # another kind
            (ResourceAttributes("list", KNATIVE, "services", fresh_namespace), False),  # another group
            (ResourceAttributes("delete", "", "configmaps", fresh_namespace, "any"), False),  # another verb
            (ResourceAttributes("list", "", "namespaces"), False),  # the cluster scope
        ]:
            assert review(viewer, attributes) is allowed, attributes


def test_patch_reviews_follow_rbac_down_to_resource_names(
    backend: Backend, admin_api: ApiClient, fresh_namespace: str
) -> None:
    other = backend.namespace()
    kubeconfig = limited_user(
        backend, fresh_namespace, ["services"], ("patch",), groups=(KNATIVE,), resource_names=("customer",)
    )
    with dashboard_client(kubeconfig) as editor:
        checker = AccessChecker(editor)
        assert checker.can_patch(fresh_namespace, "customer") is True
        assert checker.can_patch(fresh_namespace, "recommendation") is False
        assert checker.can_patch(other, "customer") is False
        # Patching a Knative Service is not patching the Kubernetes Service of the same name.
        assert (
            review(editor, ResourceAttributes("patch", "", "services", fresh_namespace, "customer")) is False
        )
    admin = AccessChecker(admin_api)
    assert admin.can_patch(fresh_namespace, "recommendation") and admin.can_patch(other, "customer")


def test_answers_are_kept_for_the_ttl_only(backend: Backend, fresh_namespace: str) -> None:
    ttl = 3.0
    kubeconfig = limited_user(backend, fresh_namespace, ["configmaps"])
    with dashboard_client(kubeconfig) as viewer:
        checker = AccessChecker(viewer, ttl=ttl)
        asked = time.monotonic()  # just before the checker takes its own clock's reading
        assert checker.can_patch(fresh_namespace, "customer") is False
        limited_user(backend, fresh_namespace, ["services"], ("patch",), groups=(KNATIVE,), role="patcher")
        assert review(viewer, patch_service(fresh_namespace, "customer")) is True  # the server says yes now
        assert time.monotonic() - asked < ttl, "granting took longer than the ttl: the test proves nothing"
        assert checker.can_patch(fresh_namespace, "customer") is False, "kept"
        assert wait_until(lambda: checker.can_patch(fresh_namespace, "customer"), ttl + 2.0), "asked again"
        assert time.monotonic() - asked >= ttl


def stranger(backend: Backend, folder: Path) -> Path:
    """The viewer's kubeconfig with a token the server does not know."""
    config = yaml.safe_load(backend.kubeconfig("viewer").read_text())
    config["users"][0]["user"]["token"] = "not-a-known-token"
    path = folder / "stranger.kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return path


def test_a_failed_review_counts_as_no(backend: Backend, fresh_namespace: str, tmp_path: Path) -> None:
    with dashboard_client(stranger(backend, tmp_path)) as unknown:
        with pytest.raises(ApiError) as caught:
            review(unknown, patch_service(fresh_namespace, "customer"))
        assert (caught.value.code, caught.value.reason) == (401, "Unauthorized")
        assert AccessChecker(unknown).can_patch(fresh_namespace, "customer") is False
