"""The editor over HTTP against the simulated Knative cluster: plain form posts (no JavaScript), htmx's
live and sync posts, and every way a change can be refused without changing anything."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
from kubernetes.client import ApiClient, CoreV1Api

from tests.editor.forms import (
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
)
from tests.web.cluster import knative_service, patch_service

HX = {"HX-Request": "true"}


def loaded(client: httpx.Client) -> dict[str, str]:
    response = client.get(EDITOR)
    assert response.status_code == 200
    return form_fields(response.text)


def traffic_events(api: ApiClient) -> list[dict[str, Any]]:
    events = CoreV1Api(api).list_namespaced_event(NS).to_dict()["items"]
    return [e for e in events if e["reason"] == "TrafficChanged"]


def test_the_page_shows_the_labs_split_with_a_floating_latest_row(client: httpx.Client) -> None:
    response = client.get(EDITOR)
    assert response.status_code == 200
    fields = form_fields(response.text)
    assert percents(fields) == ["50", "50", "0"]
    assert [fields[f"t{i}.target"] for i in range(3)] == ["customer-v3", "customer-v4", "@latest"]
    assert [fields[f"t{i}.tag"] for i in range(3)] == ["current", "candidate", "latest"]
    assert 'id="routes"' in response.text  # the Service page's live sections surround the editor


def test_applying_a_plain_form_post_patches_the_service_and_records_an_event(
    client: httpx.Client, knative_api: ApiClient
) -> None:
    fields = loaded(client)
    response = post(client, set_percents(fields, 90, 10, 0), "apply")
    assert response.status_code == 200, notices(response.text)
    assert ("ok", "Applied") in notices(response.text)
    service = knative_service(knative_api, "customer")
    assert [t["percent"] for t in spec_traffic(service)] == [90, 10, 0]
    assert spec_traffic(service)[2] == {"tag": "latest", "latestRevision": True, "percent": 0}
    after = form_fields(response.text)
    assert after["gen"] == str(service["metadata"]["generation"])
    assert int(after["rv"]) <= int(service["metadata"]["resourceVersion"])  # the reconciler moved status on
    assert percents(after) == ["90", "10", "0"]
    (event,) = traffic_events(knative_api)
    assert event["message"].endswith(
        "current customer-v3 50%, candidate customer-v4 50%, latest @latest 0%"
        " -> current customer-v3 90%, candidate customer-v4 10%, latest @latest 0%"
    )
    assert event["involved_object"]["name"] == "customer"
    # only the status changed since: the next apply from the same page goes through
    again = post(client, set_percents(after, 80, 20, 0), "apply")
    assert ("ok", "Applied") in notices(again.text)
    assert [t["percent"] for t in spec_traffic(knative_service(knative_api, "customer"))] == [80, 20, 0]


def test_an_htmx_action_answers_the_editor_alone(client: httpx.Client) -> None:
    response = post(client, loaded(client), "preset:canary", **HX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<form id="traffic-editor"')
    assert percents(form_fields(response.text)) == ["90", "10", "0"]


def assert_refused(response: httpx.Response, knative_api: ApiClient, before: dict[str, Any]) -> str:
    """The answer is 422 with the editor, and the cluster still has the split it had."""
    assert response.status_code == 422, response.text[:500]
    assert knative_service(knative_api, "customer")["spec"]["traffic"] == before["spec"]["traffic"]
    assert traffic_events(knative_api) == []
    return editor_html(response.text)


def test_every_bad_input_is_refused_beside_its_row_and_changes_nothing(
    client: httpx.Client, knative_api: ApiClient
) -> None:
    before = knative_service(knative_api, "customer")
    fields = loaded(client)

    not_a_number = assert_refused(
        post(client, set_percents(fields, "fifty", 50, 0), "apply"), knative_api, before
    )
    assert row_errors(not_a_number, 0) == ['"fifty" is not a whole number of percent']
    assert 'id="ed-apply" class="primary" disabled' in not_a_number

    short = assert_refused(post(client, set_percents(fields, 50, 40, 0), "apply"), knative_api, before)
    assert general_errors(short) == ["Traffic targets sum to 90, want 100: spec.traffic"]

    tags = assert_refused(
        post(client, fields | {"t1.tag": "current", "t2.tag": "Latest!"}, "apply"), knative_api, before
    )
    assert row_errors(tags, 0) == ['Multiple definitions for "current"']
    assert row_errors(tags, 1) == ['Multiple definitions for "current"']
    assert row_errors(tags, 2)[0].startswith("invalid value: not a DNS 1035 label")

    unknown = assert_refused(
        post(client, fields | {"t1.target": "customer-v9"}, "apply"), knative_api, before
    )
    assert row_errors(unknown, 1) == ['Revision "customer-v9" referenced in traffic not found.']

    dry = assert_refused(post(client, fields | {"t1.target": "customer-v9"}, "dryrun"), knative_api, before)
    assert ("error", "Not sent: Knative would refuse this split") in notices(dry)


def test_a_stale_resource_version_shows_both_splits_and_overwrites_nothing(
    client: httpx.Client, knative_api: ApiClient
) -> None:
    fields = loaded(client)
    theirs = [
        {"tag": "current", "revisionName": "customer-v3", "percent": 100},
        {"tag": "candidate", "revisionName": "customer-v4", "percent": 0},
        {"tag": "latest", "latestRevision": True, "percent": 0},
    ]
    patch_service(knative_api, "customer", {"spec": {"traffic": theirs}})
    response = post(client, set_percents(fields, 20, 80, 0), "apply")
    assert response.status_code == 409
    html = editor_html(response.text)
    assert "data-conflict" in html
    sides = dict(re.findall(r'<dd data-side="(\w+)">(.*?)</dd>', html))
    assert sides["base"] == "current customer-v3 50%, candidate customer-v4 50%, latest @latest 0%"
    assert sides["theirs"] == "current customer-v3 100%, candidate customer-v4 0%, latest @latest 0%"
    assert sides["yours"] == "current customer-v3 20%, candidate customer-v4 80%, latest @latest 0%"
    assert [t["percent"] for t in spec_traffic(knative_service(knative_api, "customer"))] == [100, 0, 0]
    assert percents(form_fields(response.text)) == ["20", "80", "0"]  # the user's split is kept
    assert traffic_events(knative_api) == []


def test_a_dry_run_reports_and_changes_nothing(client: httpx.Client, knative_api: ApiClient) -> None:
    before = knative_service(knative_api, "customer")
    response = post(client, set_percents(loaded(client), 70, 30, 0), "dryrun")
    assert response.status_code == 200
    assert notices(response.text)[0][0] == "ok"
    assert "dry run" in notices(response.text)[0][1]
    assert (
        knative_service(knative_api, "customer")["metadata"]["resourceVersion"]
        == before["metadata"]["resourceVersion"]
    )
    assert traffic_events(knative_api) == []


def test_presets_add_remove_and_expressions_edit_without_sending(
    client: httpx.Client, knative_api: ApiClient
) -> None:
    before = knative_service(knative_api, "customer")
    fields = loaded(client)
    half = form_fields(post(client, fields, "preset:promote").text)
    assert percents(half) == ["0", "100", "0"]
    added = form_fields(
        post(client, fields | {"new.target": "customer-v3", "new.tag": "preview"}, "add").text
    )
    assert percents(added) == ["50", "50", "0", "0"]
    assert added["t3.tag"] == "preview"
    removed = form_fields(post(client, fields, "remove:0").text)
    assert percents(removed) == ["100", "0"]
    typed = form_fields(post(client, fields | {"expression": "candidate=25,@latest=0"}, "expression").text)
    assert percents(typed) == ["75", "25", "0"]
    bad = post(client, fields | {"expression": "candidate=80,current=30"}, "expression")
    assert bad.status_code == 422
    assert ("error", "Cannot do that") in notices(bad.text)
    assert "given traffic percents sum to 110, want &lt;=100" in bad.text
    assert knative_service(knative_api, "customer")["spec"] == before["spec"]


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
    client: httpx.Client, knative_api: ApiClient
) -> None:
    fields = loaded(client)
    patch_service(knative_api, "customer", {"spec": {"traffic": [{"latestRevision": True, "percent": 100}]}})
    deadline = time.monotonic() + 5
    while True:
        response = client.post(f"{EDITOR}/sync", data=fields, headers=HX)
        if response.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert response.headers["HX-Retarget"] == "#traffic-editor"
    assert percents(form_fields(response.text)) == ["100"]
    edited = client.post(f"{EDITOR}/sync", data=set_percents(fields, 60, 40, 0), headers=HX)
    assert edited.status_code == 200
    assert "data-stale" in edited.text and 'hx-swap-oob="true"' in edited.text
    assert "latest @latest" not in edited.text.split('data-side="theirs">')[1].split("<")[0]


def test_a_change_made_with_kubectl_is_flagged_in_the_history(
    client: httpx.Client, knative_kubectl: Any
) -> None:
    fields = loaded(client)
    applied = post(client, set_percents(fields, 90, 10, 0), "apply")
    assert ("ok", "Applied") in notices(applied.text)
    patch = '{"spec":{"traffic":[{"latestRevision":true,"percent":100}]}}'
    knative_kubectl("patch", "ksvc", "customer", "-n", NS, "--type=merge", "-p", patch)
    deadline = time.monotonic() + 5
    while "data-outside" not in (page := client.get(EDITOR).text) and time.monotonic() < deadline:
        time.sleep(0.05)
    outside = re.search(r"<p class=\"notice\" data-outside>(.*?)</p>", page, re.S)
    assert outside is not None
    assert "kubectl" in outside.group(1) or "outside Splitboard" in outside.group(1)
    assert "Undo this" in page  # Splitboard's own change is still there to go back to


def test_sync_follows_a_status_only_change_without_touching_the_inputs(
    client: httpx.Client, knative_api: ApiClient
) -> None:
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
