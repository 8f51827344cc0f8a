"""What the editor believes: history only Splitboard signed, a Service only while it is the same object,
and a write's outcome only as the cluster has it.

A forged history entry is posted by an identity allowed only to create Events (RBAC on the `lab` backend:
the simulator, then the real API server). The delete-and-recreate and lost-answer tests need the
simulator (its fault switches, a Service recreated freely) and take `client` / `knative_cluster`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from kubernetes.client import ApiClient, CustomObjectsApi

from app.kube.config import load_api_client
from app.kube.requesting import request_json
from app.model.history import COMPONENT, SIGNATURE_ANNOTATION, USER_ANNOTATION
from app.model.patches import describe_split
from app.model.traffic import TrafficTarget
from app.settings import Settings
from app.sim.building import KnativeCluster
from tests.backends import Backend, grant
from tests.support.forms import (
    API,
    EDITOR,
    NS,
    csrf_client,
    editor_html,
    form_fields,
    notices,
    post,
    set_percents,
    spec_traffic,
    traffic_events,
)
from tests.support.guarded import serve_dashboard
from tests.support.serving import Dashboard, serve
from tests.support.waiting import eventually
from tests.web.cluster import SERVING, knative_service

T = TypeVar("T")

ALICE = {"X-Forwarded-User": "alice"}


def showing(page: str, text: str) -> str:
    return page if text in page else ""


def with_percents(state: dict[str, Any], wanted: list[int]) -> dict[str, Any]:
    return state if [t["percent"] for t in state["traffic"]] == wanted else {}


def percents(service: dict[str, Any]) -> list[int]:
    return [int(t.get("percent") or 0) for t in spec_traffic(service)]


def split_text(*pairs: tuple[str, int]) -> str:
    targets = [TrafficTarget(revision_name=r, latest_revision=False, percent=p) for r, p in pairs]
    return describe_split(targets)


# --- Forged history --------------------------------------------------------------------------------


def forge(api: ApiClient, service: dict[str, Any]) -> str:
    """A TrafficChanged Event made to look like Splitboard's, future-dated and naming alice, whose
    "before" split sends everything to customer-v4; as posted by whoever may create Events."""
    now = split_text(("customer-v3", 70), ("customer-v4", 30))
    attack = split_text(("customer-v4", 100))
    event = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": "customer.forged",
            "annotations": {USER_ANNOTATION: "alice", SIGNATURE_ANNOTATION: "0" * 64},
        },
        "involvedObject": {
            "apiVersion": "serving.knative.dev/v1",
            "kind": "Service",
            "name": "customer",
            "namespace": NS,
            "uid": service["metadata"]["uid"],
        },
        "reason": "TrafficChanged",
        "message": f"Traffic changed by alice: {attack} -> {now}",
        "type": "Normal",
        "source": {"component": COMPONENT},
        "reportingComponent": COMPONENT,
        "reportingInstance": COMPONENT,
        "firstTimestamp": "2099-01-01T00:00:00Z",
        "lastTimestamp": "2099-01-01T00:00:00Z",
        "count": 1,
    }
    created = request_json(api, "POST", f"/api/v1/namespaces/{NS}/events", body=event)
    return str(created["metadata"]["name"])


def test_a_forged_history_entry_is_an_outside_change_never_undone(lab: Backend) -> None:
    admin = lab.client()
    grant(admin, NS, "bob", [{"apiGroups": [""], "resources": ["events"], "verbs": ["create"]}])
    with serve_dashboard(Settings(auth="proxy"), lab.kubeconfig("admin")) as served:
        http = served.client
        http.headers.update({"X-CSRF-Token": served.csrf_token(), **ALICE})  # alice, through her proxy
        fields = form_fields(http.get(EDITOR).text)
        applied = post(http, set_percents(fields, 70, 30, 0), "apply")
        assert applied.status_code == 200, applied.text
        assert percents(knative_service(admin, "customer")) == [70, 30, 0]
        forged = forge(lab.client("bob"), knative_service(admin, "customer"))

        page = eventually(lambda: showing(http.get(EDITOR).text, f'data-event="{forged}"'))
        history = editor_html(page).split('id="ed-history"')[1]
        entry = re.search(rf'<li[^>]*data-event="{forged}"[^>]*>(.*?)</li>', history, re.S)
        assert entry is not None and "data-outside-entry" in entry.group(0), "shown as Splitboard's own"
        assert "Outside change" in entry.group(1)
        # The simulator records no field managers; the real API server names bob's client's.
        assert "signature does not match" in entry.group(1) or "not by Splitboard" in entry.group(1)
        assert f"revert:{forged}:" not in page, "an outside entry is offered to undo"

        fields = form_fields(page)
        rolled = post(http, fields, "rollback")  # Roll back goes by alice's signed entry
        assert [fields[k] for k in ("t0.percent", "t1.percent")] == ["70", "30"]
        rows = form_fields(rolled.text)
        assert [rows["t0.percent"], rows["t1.percent"]] == ["50", "50"], "rolled back to the forgery"
        crafted = post(http, fields, f"revert:{forged}:old")
        assert crafted.status_code == 422 and "outside change" in crafted.text
        api_history = http.get(f"{API}/history").json()
        assert (api_history[0]["event"], api_history[0]["trusted"]) == (forged, False)
        state = http.get(API).json()
        body = {"resourceVersion": state["resourceVersion"], "uid": state["uid"], "event": forged}
        refused = http.post(f"{API}/revert", json=body)
        assert refused.status_code == 422, refused.text
        assert "outside change" in refused.json()["message"]
    assert percents(knative_service(admin, "customer")) == [70, 30, 0]


# --- Delete and recreate ---------------------------------------------------------------------------


def recreate(api: ApiClient, name: str = "customer") -> dict[str, Any]:
    """Delete the Service, create it again and change its split once: a new UID, and (as the lab's
    Service has) generation 2."""
    old = knative_service(api, name)
    objects = CustomObjectsApi(api)
    # Its revisions are kept (orphaned), so the old split still names revisions that exist.
    objects.delete_namespaced_custom_object(*SERVING, NS, "services", name, propagation_policy="Orphan")
    body = {
        "apiVersion": old["apiVersion"],
        "kind": old["kind"],
        "metadata": {"name": name, "namespace": NS},
        "spec": old["spec"],
    }
    objects.create_namespaced_custom_object(*SERVING, NS, "services", body)
    latest = {"spec": {"traffic": [{"latestRevision": True, "percent": 100}]}}  # its creator's split
    objects.patch_namespaced_custom_object(*SERVING, NS, "services", name, latest)
    new = knative_service(api, name)
    assert new["metadata"]["uid"] != old["metadata"]["uid"]
    assert new["metadata"]["generation"] == old["metadata"]["generation"], "the test needs equal generations"
    return new


def settled(client: httpx.Client, new: dict[str, Any]) -> None:
    """Wait until the dashboard shows the recreated Service's split."""
    state = eventually(lambda: with_percents(client.get(API).json(), percents(new)))
    assert state, "the dashboard never saw the recreated Service"


def test_a_stale_form_over_a_recreated_service_is_a_conflict(
    client: httpx.Client, knative_api: ApiClient
) -> None:
    fields = form_fields(client.get(EDITOR).text)
    assert fields["uid"] == knative_service(knative_api, "customer")["metadata"]["uid"]
    new = recreate(knative_api)
    settled(client, new)
    answer = post(client, set_percents(fields, 90, 10, 0), "apply")
    assert answer.status_code == 409, notices(answer.text)
    assert "deleted and created again" in answer.text
    assert percents(knative_service(knative_api, "customer")) == percents(new)


def test_a_stale_api_client_over_a_recreated_service_is_a_conflict(
    client: httpx.Client, knative_api: ApiClient
) -> None:
    before = client.get(API).json()
    new = recreate(knative_api)
    settled(client, new)
    canary = [
        {"tag": "current", "revisionName": "customer-v3", "percent": 90},
        {"tag": "candidate", "revisionName": "customer-v4", "percent": 10},
        {"tag": "latest", "latestRevision": True, "percent": 0},
    ]
    stale = {"resourceVersion": before["resourceVersion"], "generation": before["generation"]}
    for body in ({**stale, "uid": before["uid"]}, stale):  # with the old uid, and without any
        answer = client.post(f"{API}/apply", json={**body, "traffic": canary})
        assert answer.status_code == 409, answer.text
    assert (
        "deleted and created again"
        in client.post(f"{API}/apply", json={**stale, "uid": before["uid"], "traffic": canary}).json()[
            "message"
        ]
    )
    assert percents(knative_service(knative_api, "customer")) == percents(new)


# --- The editor's limit on targets, in the JSON API ------------------------------------------------


def test_the_api_refuses_more_targets_than_the_editor_allows(lab: Backend, lab_client: httpx.Client) -> None:
    api = lab.client()
    before = knative_service(api, "customer")
    state = lab_client.get(API).json()
    for count in (51, 1000):
        many = [{"revisionName": "customer-v3", "tag": f"t{i}", "percent": 0} for i in range(count)]
        many[0]["percent"] = 100
        answer = lab_client.post(
            f"{API}/apply", json={"resourceVersion": state["resourceVersion"], "traffic": many}
        )
        assert answer.status_code == 422, answer.text[:300]
        assert f"at most 50 traffic targets, this change has {count}" in answer.json()["message"]
    after = knative_service(api, "customer")
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert traffic_events(api) == []


# --- Lost answers ----------------------------------------------------------------------------------


@pytest.fixture
def impatient(knative_kubeconfig: Path) -> Iterator[Dashboard]:
    """The dashboard waiting 0.3 s for a patch's answer."""
    with (
        load_api_client(knative_kubeconfig) as api,
        serve(api, Settings(write_timeout_seconds=0.3)) as dashboard,
    ):
        yield dashboard


def test_a_patch_answered_too_late_is_read_back_and_reported_applied(
    impatient: Dashboard, knative_cluster: KnativeCluster, knative_api: ApiClient
) -> None:
    with csrf_client(impatient.url) as http:
        state = http.get(API).json()
        knative_cluster.faults.delay_next_answers(1.5)  # the patch lands; its answer comes too late
        traffic = [
            {"tag": "current", "revisionName": "customer-v3", "percent": 70},
            {"tag": "candidate", "revisionName": "customer-v4", "percent": 30},
            {"tag": "latest", "latestRevision": True, "percent": 0},
        ]
        body = {"resourceVersion": state["resourceVersion"], "uid": state["uid"], "traffic": traffic}
        answer = http.post(f"{API}/apply", json=body)
        assert answer.status_code == 200, answer.text
        assert answer.json()["event"], "applied but not recorded in the history"
    assert percents(knative_service(knative_api, "customer")) == [70, 30, 0]
    recorded = [e["metadata"]["name"] for e in traffic_events(knative_api)]
    assert recorded == [answer.json()["event"]]


def test_a_patch_whose_connection_drops_is_read_back_and_shown_applied(
    served_dashboard: Dashboard, knative_cluster: KnativeCluster, knative_api: ApiClient
) -> None:
    with csrf_client(served_dashboard.url) as http:
        fields = form_fields(http.get(EDITOR).text)
        knative_cluster.faults.drop_next_answers()  # the patch lands; the connection closes unanswered
        answer = post(http, set_percents(fields, 90, 10, 0), "apply")
        assert answer.status_code == 200, notices(answer.text)
        assert ("ok", "Applied") in notices(answer.text)
        assert "answer was lost" in answer.text
    assert percents(knative_service(knative_api, "customer")) == [90, 10, 0]
    assert len(traffic_events(knative_api)) == 1


def test_a_patch_without_answer_that_did_not_land_is_reported_not_applied(
    served_dashboard: Dashboard, knative_cluster: KnativeCluster, knative_api: ApiClient
) -> None:
    with csrf_client(served_dashboard.url) as http:
        state = http.get(API).json()
        before = knative_service(knative_api, "customer")
        knative_cluster.faults.fail_next(1, code=504)  # the patch, the dashboard's next request
        traffic = [{"revisionName": "customer-v3", "percent": 100}]
        body = {"resourceVersion": state["resourceVersion"], "uid": state["uid"], "traffic": traffic}
        answer = http.post(f"{API}/apply", json=body)
        assert answer.status_code == 504, answer.text
        assert "Read back, the Service is unchanged" in answer.json()["message"]
        assert answer.json()["current"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert percents(knative_service(knative_api, "customer")) == percents(before)
    assert traffic_events(knative_api) == []


def test_an_editor_with_edits_is_told_when_its_service_is_recreated(
    client: httpx.Client, knative_api: ApiClient
) -> None:
    edited = set_percents(form_fields(client.get(EDITOR).text), 90, 10, 0)
    new = recreate(knative_api)
    settled(client, new)
    answer = post(client, edited, "", f"{EDITOR}/sync")
    assert answer.status_code == 200
    assert "data-stale" in answer.text, "the new Service's version was taken as the one being edited"
    assert 'id="ed-rv"' not in answer.text
