"""The editor over HTTP: plain form posts (no JavaScript), htmx's live and sync posts, and every way a change
can be refused without changing anything.

Tests taking `lab` run on the simulator and on the real API server. Nothing reconciles Knative on the real
one, so they judge the Service's spec and the Events, never a Route or status following; the tests that
need the simulator's reconciler (a status-only change) or no cluster at all take `client` (simulator)."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest
from kubernetes.client import ApiClient

from app.kube.errors import ApiError
from app.kube.requesting import request_json
from app.kube.writing import patch_traffic
from app.model.traffic import TrafficTarget
from tests.backends import Backend
from tests.support.forms import (
    API,
    EDITOR,
    NS,
    editor_html,
    form_fields,
    general_errors,
    notices,
    percents,
    post,
    row_errors,
    set_percents,
    spec_traffic,
    traffic_events,
)
from tests.support.serving import Dashboard
from tests.web.cluster import knative_service, patch_service

HX = {"HX-Request": "true"}
CANARY = [
    {"tag": "current", "revisionName": "customer-v3", "percent": 90},
    {"tag": "candidate", "revisionName": "customer-v4", "percent": 10},
    {"tag": "latest", "latestRevision": True, "percent": 0},
]


def loaded(client: httpx.Client) -> dict[str, str]:
    response = client.get(EDITOR)
    assert response.status_code == 200
    return form_fields(response.text)


def test_the_page_shows_the_labs_split_with_a_floating_latest_row(client: httpx.Client) -> None:
    response = client.get(EDITOR)
    assert response.status_code == 200
    fields = form_fields(response.text)
    assert percents(fields) == ["50", "50", "0"]
    assert [fields[f"t{i}.target"] for i in range(3)] == ["customer-v3", "customer-v4", "@latest"]
    assert [fields[f"t{i}.tag"] for i in range(3)] == ["current", "candidate", "latest"]
    assert 'id="routes"' in response.text  # the Service page's live sections surround the editor


def test_applying_a_plain_form_post_patches_the_service_and_records_an_event(
    lab: Backend, lab_client: httpx.Client
) -> None:
    api = lab.client()
    fields = loaded(lab_client)
    response = post(lab_client, set_percents(fields, 90, 10, 0), "apply")
    assert response.status_code == 200, notices(response.text)
    assert ("ok", "Applied") in notices(response.text)
    service = knative_service(api, "customer")
    assert [t["percent"] for t in spec_traffic(service)] == [90, 10, 0]
    assert spec_traffic(service)[2] == {"tag": "latest", "latestRevision": True, "percent": 0}
    after = form_fields(response.text)
    assert after["gen"] == str(service["metadata"]["generation"])
    # The simulator's reconciler may have moved the status on since; the real server's stays put.
    assert int(after["rv"]) <= int(service["metadata"]["resourceVersion"])
    assert percents(after) == ["90", "10", "0"]
    (event,) = traffic_events(api)
    assert event["message"].endswith(
        "current customer-v3 50%, candidate customer-v4 50%, latest @latest 0%"
        " -> current customer-v3 90%, candidate customer-v4 10%, latest @latest 0%"
    )
    assert event["involved_object"]["name"] == "customer"
    assert event["involved_object"]["uid"] == service["metadata"]["uid"]
    # The spec is still the one the page was answered with: the next apply from it goes through.
    again = post(lab_client, set_percents(after, 80, 20, 0), "apply")
    assert ("ok", "Applied") in notices(again.text)
    assert [t["percent"] for t in spec_traffic(knative_service(api, "customer"))] == [80, 20, 0]
    assert len(traffic_events(api)) == 2


def test_a_patch_carries_the_resource_version_it_was_made_from(
    lab: Backend, lab_dashboard: Dashboard
) -> None:
    """The dashboard's own write, sent straight: a stale resourceVersion is refused by the API server
    itself (409), not only by the editor's check beforehand, and the spec stays as it was."""
    api = lab.client()
    before = knative_service(api, "customer")
    stale = before["metadata"]["resourceVersion"]
    patch_service(api, "customer", {"metadata": {"labels": {"touched": "yes"}}})
    canary = [TrafficTarget.from_dict(t)[0] for t in CANARY]
    with pytest.raises(ApiError) as refused:
        patch_traffic(lab_dashboard.api_client, NS, "customer", canary, stale)
    assert refused.value.code == 409
    assert knative_service(api, "customer")["spec"] == before["spec"]
    fresh = knative_service(api, "customer")["metadata"]["resourceVersion"]
    answer = patch_traffic(lab_dashboard.api_client, NS, "customer", canary, fresh)
    assert [t["percent"] for t in spec_traffic(answer)] == [90, 10, 0]
    assert spec_traffic(knative_service(api, "customer")) == spec_traffic(answer)


def test_an_htmx_action_answers_the_editor_alone(client: httpx.Client) -> None:
    response = post(client, loaded(client), "preset:canary", **HX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<form id="traffic-editor"')
    assert percents(form_fields(response.text)) == ["90", "10", "0"]


def assert_refused(response: httpx.Response, api: ApiClient, before: dict[str, Any]) -> str:
    """The answer is 422 with the editor, and the cluster still has the Service it had."""
    assert response.status_code == 422, response.text[:500]
    after = knative_service(api, "customer")
    assert after["spec"] == before["spec"]
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert traffic_events(api) == []
    return editor_html(response.text)


def test_every_bad_input_is_refused_beside_its_row_and_changes_nothing(
    lab: Backend, lab_client: httpx.Client
) -> None:
    api = lab.client()
    before = knative_service(api, "customer")
    fields = loaded(lab_client)

    not_a_number = assert_refused(
        post(lab_client, set_percents(fields, "fifty", 50, 0), "apply"), api, before
    )
    assert row_errors(not_a_number, 0) == ['"fifty" is not a whole number of percent']
    assert 'id="ed-apply" class="primary" disabled' in not_a_number

    short = assert_refused(post(lab_client, set_percents(fields, 50, 40, 0), "apply"), api, before)
    assert general_errors(short) == ["Traffic targets sum to 90, want 100: spec.traffic"]

    tags = assert_refused(
        post(lab_client, fields | {"t1.tag": "current", "t2.tag": "Latest!"}, "apply"), api, before
    )
    assert row_errors(tags, 0) == ['Multiple definitions for "current"']
    assert row_errors(tags, 1) == ['Multiple definitions for "current"']
    assert row_errors(tags, 2)[0].startswith("invalid value: not a DNS 1035 label")

    unknown = assert_refused(post(lab_client, fields | {"t1.target": "customer-v9"}, "apply"), api, before)
    assert row_errors(unknown, 1) == ['Revision "customer-v9" referenced in traffic not found.']

    dry = assert_refused(post(lab_client, fields | {"t1.target": "customer-v9"}, "dryrun"), api, before)
    assert ("error", "Not sent: Knative would refuse this split") in notices(dry)


def test_a_stale_resource_version_shows_both_splits_and_overwrites_nothing(
    lab: Backend, lab_client: httpx.Client
) -> None:
    api = lab.client()
    fields = loaded(lab_client)
    theirs = [
        {"tag": "current", "revisionName": "customer-v3", "percent": 100},
        {"tag": "candidate", "revisionName": "customer-v4", "percent": 0},
        {"tag": "latest", "latestRevision": True, "percent": 0},
    ]
    patch_service(api, "customer", {"spec": {"traffic": theirs}})
    response = post(lab_client, set_percents(fields, 20, 80, 0), "apply")
    assert response.status_code == 409
    html = editor_html(response.text)
    assert "data-conflict" in html
    sides = dict(re.findall(r'<dd data-side="(\w+)">(.*?)</dd>', html))
    assert sides["base"] == "current customer-v3 50%, candidate customer-v4 50%, latest @latest 0%"
    assert sides["theirs"] == "current customer-v3 100%, candidate customer-v4 0%, latest @latest 0%"
    assert sides["yours"] == "current customer-v3 20%, candidate customer-v4 80%, latest @latest 0%"
    assert [t["percent"] for t in spec_traffic(knative_service(api, "customer"))] == [100, 0, 0]
    assert percents(form_fields(response.text)) == ["20", "80", "0"]  # the user's split is kept
    assert traffic_events(api) == []


def test_a_dry_run_reports_and_changes_nothing(lab: Backend, lab_client: httpx.Client) -> None:
    api = lab.client()
    before = knative_service(api, "customer")
    response = post(lab_client, set_percents(loaded(lab_client), 70, 30, 0), "dryrun")
    assert response.status_code == 200
    assert notices(response.text)[0][0] == "ok"
    assert "dry run" in notices(response.text)[0][1]
    assert percents(form_fields(response.text)) == ["70", "30", "0"]
    after = knative_service(api, "customer")
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert after["spec"] == before["spec"]
    assert traffic_events(api) == []


def test_presets_add_remove_and_expressions_edit_without_sending(
    lab: Backend, lab_client: httpx.Client
) -> None:
    api = lab.client()
    before = knative_service(api, "customer")
    fields = loaded(lab_client)
    half = form_fields(post(lab_client, fields, "preset:promote").text)
    assert percents(half) == ["0", "100", "0"]
    added = form_fields(
        post(lab_client, fields | {"new.target": "customer-v3", "new.tag": "preview"}, "add").text
    )
    assert percents(added) == ["50", "50", "0", "0"]
    assert added["t3.tag"] == "preview"
    removed = form_fields(post(lab_client, fields, "remove:0").text)
    assert percents(removed) == ["100", "0"]
    typed = form_fields(
        post(lab_client, fields | {"expression": "candidate=25,@latest=0"}, "expression").text
    )
    assert percents(typed) == ["75", "25", "0"]
    bad = post(lab_client, fields | {"expression": "candidate=80,current=30"}, "expression")
    assert bad.status_code == 422
    assert ("error", "Cannot do that") in notices(bad.text)
    assert "given traffic percents sum to 110, want &lt;=100" in bad.text
    after = knative_service(api, "customer")
    assert after["spec"] == before["spec"]
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]


def test_a_live_move_answers_the_other_rows_out_of_band(client: httpx.Client) -> None:
    fields = loaded(client) | {"t0.slider": "90"}
    response = client.post(
        f"{EDITOR}/live",
        data=fields,
        headers=HX | {"HX-Trigger": "ed-t0-slider", "HX-Trigger-Name": "t0.slider"},
    )
    assert response.status_code == 200
    html = response.text
    assert 'id="ed-t0-slider"' not in html  # never the element being dragged
    assert re.search(r'id="ed-t0-percent"[^>]*value="90"', html, re.S)
    assert re.search(r'id="ed-t1-percent"[^>]*value="10"', html, re.S)
    assert re.search(r'id="ed-t1-slider"[^>]*value="10"', html, re.S)
    assert re.search(r'id="ed-t0-anchor"[^>]*value="50"', html, re.S)
    assert 'id="ed-drag" name="drag" value="0" hx-swap-oob="true"' in html
    assert "hx-swap-oob" in html


def test_sync_reloads_an_unedited_editor_and_flags_an_edited_one(
    lab: Backend, lab_client: httpx.Client
) -> None:
    fields = loaded(lab_client)
    patch_service(lab.client(), "customer", {"spec": {"traffic": [{"latestRevision": True, "percent": 100}]}})
    deadline = time.monotonic() + 5
    while True:
        response = lab_client.post(f"{EDITOR}/sync", data=fields, headers=HX)
        if response.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert response.headers["HX-Retarget"] == "#traffic-editor"
    assert percents(form_fields(response.text)) == ["100"]
    edited = lab_client.post(f"{EDITOR}/sync", data=set_percents(fields, 60, 40, 0), headers=HX)
    assert edited.status_code == 200
    assert "data-stale" in edited.text and 'hx-swap-oob="true"' in edited.text
    assert "latest @latest" not in edited.text.split('data-side="theirs">')[1].split("<")[0]


def outside_notice(client: httpx.Client) -> str | None:
    """The editor's "set outside Splitboard" notice as text, None when the page has none."""
    found = re.search(r'<p class="notice" data-outside>(.*?)</p>', client.get(EDITOR).text, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)) if found else None


def wait_for_notice(client: httpx.Client, wanted: str | None) -> str | None:
    """The notice once it is `wanted` (the dashboard's cache follows the cluster within milliseconds),
    or what it still was after a few seconds."""
    deadline = time.monotonic() + 5
    while (notice := outside_notice(client)) != wanted and time.monotonic() < deadline:
        time.sleep(0.05)
    return notice


def traffic_writers(service: dict[str, Any]) -> list[str]:
    """The field managers the API server lists as owning spec.traffic."""
    return [
        str(entry["manager"])
        for entry in service["metadata"].get("managedFields") or []
        if "f:traffic" in ((entry.get("fieldsV1") or {}).get("f:spec") or {})
    ]


def notice_naming(who: str, detail: str) -> str:
    return f"The current split was set outside Splitboard, by {who} ({detail})."


def test_other_writers_are_named_from_managed_fields_and_splitboards_own_apply_is_not_flagged(
    lab: Backend, lab_client: httpx.Client
) -> None:
    """The API server records who last wrote spec.traffic (managedFields), the simulator as a real
    server does: the editor names that writer, and Splitboard's own patch owns spec.traffic."""
    api = lab.client()

    # Before Splitboard ever changed it: the server names whoever wrote the lab.
    (creator,) = traffic_writers(knative_service(api, "customer"))
    assert creator != "splitboard"
    assert outside_notice(lab_client) == notice_naming(creator, f"field manager of spec.traffic: {creator}")

    applied = post(lab_client, set_percents(loaded(lab_client), 90, 10, 0), "apply")
    assert ("ok", "Applied") in notices(applied.text)
    assert wait_for_notice(lab_client, None) is None
    assert traffic_writers(knative_service(api, "customer")) == ["splitboard"]

    # Another client's merge patch (kubectl patch would send its own name) takes spec.traffic over.
    request_json(
        api,
        "PATCH",
        f"/apis/serving.knative.dev/v1/namespaces/{NS}/services/customer",
        query={"fieldManager": "kubectl-patch"},
        body={"spec": {"traffic": [{"latestRevision": True, "percent": 100}]}},
        content_type="application/merge-patch+json",
    )
    by_kubectl = notice_naming("kubectl-patch", "field manager of spec.traffic: kubectl-patch")
    assert wait_for_notice(lab_client, by_kubectl) == by_kubectl
    assert traffic_writers(knative_service(api, "customer")) == ["kubectl-patch"]
    assert "Undo this" in lab_client.get(EDITOR).text  # Splitboard's own change is still there to go back to

    # Splitboard's own apply takes spec.traffic back: no notice, whoever wrote before it.
    version = lab_client.get(API).json()["resourceVersion"]
    again = lab_client.post(f"{API}/apply", json={"resourceVersion": version, "traffic": CANARY})
    assert again.status_code == 200, again.text
    assert wait_for_notice(lab_client, None) is None

    # Any other client, by its field manager (a GitOps tool would send its own name).
    request_json(
        api,
        "PATCH",
        f"/apis/serving.knative.dev/v1/namespaces/{NS}/services/customer",
        query={"fieldManager": "gitops-sync"},
        body={"spec": {"traffic": [{"revisionName": "customer-v3", "percent": 100}]}},
        content_type="application/merge-patch+json",
    )
    by_gitops = notice_naming("gitops-sync", "field manager of spec.traffic: gitops-sync")
    assert wait_for_notice(lab_client, by_gitops) == by_gitops
    assert lab_client.get(API).json()["outsideChange"]["who"] == "gitops-sync"


def test_sync_follows_a_status_only_change_without_touching_the_inputs(
    client: httpx.Client, knative_api: ApiClient
) -> None:
    """Simulator only: the status write it waits for is the Knative reconciler's."""
    applied = form_fields(post(client, set_percents(loaded(client), 90, 10, 0), "apply").text)
    edited = set_percents(applied, 70, 30, 0)  # the user goes on editing
    deadline = time.monotonic() + 5
    while (response := client.post(f"{EDITOR}/sync", data=edited, headers=HX)).status_code == 204:
        assert time.monotonic() < deadline, "the reconciler's status write never reached the editor"
        time.sleep(0.05)
    current = knative_service(knative_api, "customer")["metadata"]
    assert current["generation"] == int(applied["gen"])
    assert re.search(r'id="ed-rv" name="rv" value="(\d+)" hx-swap-oob="true"', response.text)
    assert 'id="ed-preview"' in response.text and 'id="ed-history"' in response.text
    assert "ed-t0-percent" not in response.text and "ed-t0-slider" not in response.text
