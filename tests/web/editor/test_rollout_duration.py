"""The rollout duration through the editor's JSON API, on the simulated cluster running Knative 1.23.

The Service's `serving.knative.dev/rollout-duration` reaches the Route because Knative's Service
reconciler copies the Service's annotations to it (knative/serving
`pkg/reconciler/service/resources/route.go`, MakeRoute), and the Route reconciler then moves traffic to
a new latest revision step by step (`pkg/reconciler/route/reconcile_resources.go`, reconcileRollout;
`pkg/reconciler/route/traffic/rollout.go`). A bad value is refused in the webhook's words
(`pkg/apis/serving/metadata_validation.go`, ValidateRolloutDurationAnnotation)."""

from __future__ import annotations

import json
import re
import time
from typing import Any, cast

import httpx
import pytest
from kubernetes.client import ApiClient, CustomObjectsApi
from kubernetes.client.exceptions import ApiException

from app.model.rollouts import ROLLOUT_DURATION_ANNOTATION
from tests.backends import Backend
from tests.support.forms import API, EDITOR, form_fields, notices, post, traffic_events, unescape
from tests.web.cluster import knative_service, patch_service

NS = "labs-1"
LATEST_ONLY = [{"latestRevision": True, "percent": 100}]


@pytest.fixture
def knative_profile() -> str:
    return "current"


def _state(client: httpx.Client) -> dict[str, Any]:
    return dict(client.get(API).json())


def _route(api: ApiClient) -> dict[str, Any]:
    route = CustomObjectsApi(api).get_namespaced_custom_object(
        "serving.knative.dev", "v1", NS, "routes", "customer"
    )
    return cast(dict[str, Any], route)


def _annotations(api: ApiClient, name: str = "customer") -> dict[str, str]:
    return dict(knative_service(api, name)["metadata"].get("annotations") or {})


def _apply(client: httpx.Client, **extra: Any) -> httpx.Response:
    state = _state(client)
    body = {"resourceVersion": state["resourceVersion"], "traffic": LATEST_ONLY, **extra}
    return client.post(f"{API}/apply", json=body)


def test_the_api_sets_the_duration_in_the_same_patch_and_the_route_rolls_out_gradually(
    client: httpx.Client, knative_api: ApiClient
) -> None:
    assert _state(client)["rolloutDuration"] == ""
    applied = _apply(client, rolloutDuration="4s")
    assert applied.status_code == 200, applied.text
    body = applied.json()
    assert (body["rolloutDuration"], body["previousRolloutDuration"]) == ("4s", "")
    assert [t["percent"] for t in body["traffic"]] == [100]
    assert _annotations(knative_api)[ROLLOUT_DURATION_ANNOTATION] == "4s"
    # The Service reconciler copies it to the Route (route.go, MakeRoute).
    deadline = time.monotonic() + 5
    while (_route(knative_api)["metadata"].get("annotations") or {}).get(ROLLOUT_DURATION_ANNOTATION) != "4s":
        assert time.monotonic() < deadline, "the Route never got the Service's rollout duration"
        time.sleep(0.05)
    history = _state(client)["history"]
    assert history[0]["rolloutDuration"] == {"before": "", "after": "4s"}
    assert history[0]["trusted"] is True
    assert traffic_events(knative_api)[-1]["message"].endswith("\nRollout duration: none -> 4s")

    # A new revision: with the duration, its share grows in steps (a rollout clock 10x the wall's).
    before = _route(knative_api)["status"]["traffic"]
    assert len(before) == 1
    old = before[0]["revisionName"]
    template = knative_service(knative_api, "customer")["spec"]["template"]
    container = dict(template["spec"]["containers"][0])
    container["env"] = [*container.get("env", []), {"name": "ROLLOUT", "value": "yes"}]
    patch_service(
        knative_api,
        "customer",
        {"spec": {"template": {"metadata": {"name": "customer-v5"}, "spec": {"containers": [container]}}}},
    )
    shares: list[tuple[tuple[str, int], ...]] = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        traffic = _route(knative_api)["status"].get("traffic") or []
        split = tuple((t["revisionName"], t["percent"]) for t in traffic)
        if not shares or shares[-1] != split:
            shares.append(split)
        if len(split) == 1 and split[0][0] != old:
            break
        time.sleep(0.02)
    moving = [s for s in shares if len(s) == 2]
    assert len(moving) >= 2, shares  # at least the first 1% and one step between
    assert moving[0][0] == (old, 99) and moving[0][1][1] == 1
    assert [s[1][1] for s in moving] == sorted(s[1][1] for s in moving)
    assert len(shares[-1]) == 1 and shares[-1][0][1] == 100


def test_clearing_the_duration_removes_both_spellings(client: httpx.Client, knative_api: ApiClient) -> None:
    patch_service(
        knative_api, "customer", {"metadata": {"annotations": {"serving.knative.dev/rolloutDuration": "9s"}}}
    )
    deadline = time.monotonic() + 5
    while "serving.knative.dev/rolloutDuration" not in (
        _route(knative_api)["metadata"].get("annotations") or {}
    ):
        assert time.monotonic() < deadline, "the Route never got the older spelling"
        time.sleep(0.05)
    assert _state(client)["rolloutDuration"] == "9s"
    applied = _apply(client, rolloutDuration="")
    assert applied.status_code == 200, applied.text
    assert applied.json()["previousRolloutDuration"] == "9s"
    annotations = _annotations(knative_api)
    assert ROLLOUT_DURATION_ANNOTATION not in annotations
    assert "serving.knative.dev/rolloutDuration" not in annotations
    # Knative gives the Route the Service's annotations (service.go, reconcileRoute): gone there too.
    deadline = time.monotonic() + 5
    while "serving.knative.dev/rolloutDuration" in (_route(knative_api)["metadata"].get("annotations") or {}):
        assert time.monotonic() < deadline, "the Route kept the older spelling the Service dropped"
        time.sleep(0.05)


def test_the_same_split_and_duration_is_unchanged(client: httpx.Client, knative_api: ApiClient) -> None:
    assert _apply(client, rolloutDuration="4s").status_code == 200
    again = _apply(client, rolloutDuration="4s")
    assert again.json() == {"unchanged": True, "traffic": LATEST_ONLY}
    # The split as it is with only the duration new is a change.
    moved = _apply(client, rolloutDuration="1m")
    assert moved.status_code == 200 and moved.json()["rolloutDuration"] == "1m"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("ten seconds", "invalid value: ten seconds"),
        ("-5s", "rollout-duration=-5s must be positive"),
        ("1500ms", "rollout-duration=1500ms is not at second precision"),
    ],
)
def test_a_bad_duration_gets_knatives_message_and_changes_nothing(
    client: httpx.Client, knative_api: ApiClient, value: str, message: str
) -> None:
    before = knative_service(knative_api, "customer")
    path = f"metadata.annotations.{ROLLOUT_DURATION_ANNOTATION}"
    preview = client.post(
        f"{API}/preview",
        json={
            "resourceVersion": _state(client)["resourceVersion"],
            "traffic": LATEST_ONLY,
            "rolloutDuration": value,
        },
    ).json()
    assert preview["valid"] is False
    assert [e["text"] for e in preview["errors"]] == [f"{message}: {path}"]
    refused = _apply(client, rolloutDuration=value)
    assert refused.status_code == 422
    assert refused.json()["message"] == f"{message}: {path}"
    assert (
        knative_service(knative_api, "customer")["metadata"]["resourceVersion"]
        == before["metadata"]["resourceVersion"]
    )


def test_the_simulated_webhook_refuses_a_bad_duration_in_knatives_words(knative_api: ApiClient) -> None:
    with pytest.raises(ApiException) as refused:
        patch_service(
            knative_api,
            "customer",
            {"metadata": {"annotations": {ROLLOUT_DURATION_ANNOTATION: "ten seconds"}}},
        )
    assert refused.value.status == 400
    assert json.loads(str(refused.value.body))["message"] == (
        'admission webhook "validation.webhook.serving.knative.dev" denied the request: validation failed: '
        f"invalid value: ten seconds: metadata.annotations.{ROLLOUT_DURATION_ANNOTATION}"
    )


def test_preview_and_dry_run_carry_the_annotation(client: httpx.Client, knative_api: ApiClient) -> None:
    rv = _state(client)["resourceVersion"]
    body = {"resourceVersion": rv, "traffic": LATEST_ONLY, "rolloutDuration": "2m"}
    preview = client.post(f"{API}/preview", json=body).json()
    assert preview["patch"]["metadata"]["annotations"] == {
        ROLLOUT_DURATION_ANNOTATION: "2m",
        "serving.knative.dev/rolloutDuration": None,
    }
    dry = client.post(f"{API}/dryrun", json=body)
    assert dry.status_code == 200, dry.text
    assert dry.json()["rolloutDuration"] == "2m" and dry.json()["dryRun"] is True
    assert ROLLOUT_DURATION_ANNOTATION not in _annotations(knative_api)


# --- The HTML editor ---------------------------------------------------------------------------------


def _editor_fields(client: httpx.Client) -> dict[str, str]:
    response = client.get(EDITOR)
    assert response.status_code == 200
    return form_fields(response.text)


def _rollout_errors(html: str) -> list[str]:
    return [unescape(m) for m in re.findall(r"<li [^>]*data-rollout-error>(.*?)</li>", html, re.S)]


def test_the_form_shows_sets_and_clears_the_duration(client: httpx.Client, knative_api: ApiClient) -> None:
    fields = _editor_fields(client)
    assert (fields["rollout"], fields["rollout_base"]) == ("", "")
    # Only the duration changes: a change all the same, with its kn flag and its patch previewed.
    previewed = post(client, {**fields, "rollout": "4s"}, "preview")
    assert f"--annotation {ROLLOUT_DURATION_ANNOTATION}=4s" in unescape(previewed.text)
    patch = re.search(r"<pre class=\"mono\" data-patch>(.*?)</pre>", previewed.text, re.S)
    assert patch is not None
    assert (
        json.loads(unescape(patch.group(1)))["metadata"]["annotations"][ROLLOUT_DURATION_ANNOTATION] == "4s"
    )
    applied = post(client, {**fields, "rollout": "4s"}, "apply")
    assert applied.status_code == 200, notices(applied.text)
    assert ("ok", "Applied") in notices(applied.text)
    assert "rollout duration none -> 4s" in unescape(applied.text)
    assert _annotations(knative_api)[ROLLOUT_DURATION_ANNOTATION] == "4s"
    after = form_fields(applied.text)
    assert (after["rollout"], after["rollout_base"]) == ("4s", "4s")
    entry = re.search(r"<span [^>]*data-rollout-change>(.*?)</span>\s*$", applied.text, re.M)
    assert (
        entry is not None and unescape(re.sub(r"<[^>]+>", "", entry.group(1))) == "rollout duration none → 4s"
    )
    cleared = post(client, {**after, "rollout": ""}, "apply")
    assert cleared.status_code == 200, notices(cleared.text)
    assert ROLLOUT_DURATION_ANNOTATION not in _annotations(knative_api)
    assert form_fields(cleared.text)["rollout"] == ""


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("ten seconds", "invalid value: ten seconds"),
        ("-5s", "rollout-duration=-5s must be positive"),
    ],
)
def test_the_form_shows_knatives_message_inline_and_sends_nothing(
    client: httpx.Client, knative_api: ApiClient, value: str, message: str
) -> None:
    before = knative_service(knative_api, "customer")["metadata"]["resourceVersion"]
    fields = {**_editor_fields(client), "rollout": value}
    previewed = post(client, fields, "preview")
    assert _rollout_errors(previewed.text) == [message]
    assert 'id="ed-apply" class="primary" disabled' in previewed.text
    refused = post(client, fields, "apply")
    assert refused.status_code == 422
    assert _rollout_errors(refused.text) == [message]
    assert knative_service(knative_api, "customer")["metadata"]["resourceVersion"] == before


def test_a_duration_changed_by_someone_else_meanwhile_is_a_conflict(
    client: httpx.Client, knative_api: ApiClient
) -> None:
    fields = _editor_fields(client)
    # Metadata only: the generation stays, which alone would let the editor's write through.
    patch_service(
        knative_api, "customer", {"metadata": {"annotations": {ROLLOUT_DURATION_ANNOTATION: "30s"}}}
    )
    refused = post(client, {**fields, "rollout": "4s"}, "apply")
    assert refused.status_code == 409
    assert _annotations(knative_api)[ROLLOUT_DURATION_ANNOTATION] == "30s"


def test_the_patch_sets_and_clears_the_annotation_on_both_backends(
    lab: Backend, lab_client: httpx.Client
) -> None:
    """The same merge patch on the simulator and on a real API server (no Knative there: the spec and
    the annotations as stored, and the signed history)."""
    api = lab.client()
    state = _state(lab_client)
    traffic = state["traffic"]
    body = {"resourceVersion": state["resourceVersion"], "traffic": traffic, "rolloutDuration": "4s"}
    applied = lab_client.post(f"{API}/apply", json=body)
    assert applied.status_code == 200, applied.text
    assert _annotations(api)[ROLLOUT_DURATION_ANNOTATION] == "4s"
    assert _state(lab_client)["history"][0]["rolloutDuration"] == {"before": "", "after": "4s"}
    body = {"resourceVersion": applied.json()["resourceVersion"], "traffic": traffic, "rolloutDuration": ""}
    cleared = lab_client.post(f"{API}/apply", json=body)
    assert cleared.status_code == 200, cleared.text
    assert ROLLOUT_DURATION_ANNOTATION not in _annotations(api)
    assert [e["trusted"] for e in _state(lab_client)["history"]] == [True, True]
