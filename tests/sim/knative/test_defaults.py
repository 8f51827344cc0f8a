"""The webhook's template defaults, on plain dicts."""

from __future__ import annotations

from typing import Any

from app.sim.knative.admission import ServiceAdmission, default_template


def test_a_single_container_is_the_user_container() -> None:
    template: dict[str, Any] = {"spec": {"containers": [{"image": "a"}], "timeoutSeconds": 0}}
    default_template(template)
    assert template["spec"] == {
        "containers": [{"image": "a", "name": "user-container"}],
        "timeoutSeconds": 300,
        "containerConcurrency": 0,
    }


def test_several_containers_get_numbered_names_that_avoid_taken_ones() -> None:
    template: dict[str, Any] = {
        "spec": {"containers": [{"image": "a"}, {"image": "b", "name": "user-container-0"}, {"image": "c"}]}
    }
    default_template(template)
    assert [c["name"] for c in template["spec"]["containers"]] == [
        "user-container-1",
        "user-container-0",
        "user-container-2",
    ]


def test_the_webhook_records_who_created_and_changed_a_service() -> None:
    webhook = ServiceAdmission(user="user1")
    service: dict[str, Any] = {"metadata": {"name": "customer"}, "spec": {"template": {"spec": {}}}}
    webhook.mutate("CREATE", service, None)
    annotations = service["metadata"]["annotations"]
    assert annotations == {
        "serving.knative.dev/creator": "user1",
        "serving.knative.dev/lastModifier": "user1",
    }
    assert service["spec"]["traffic"] == [{"latestRevision": True, "percent": 100}]
    assert webhook.validate("CREATE", service, None) == []
