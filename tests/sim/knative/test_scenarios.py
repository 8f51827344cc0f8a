"""Scenarios: the bundled lab, the generated scale scenario, files, and clusters restored from state."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import httpx
import pytest

from app.sim.building import build_cluster
from app.sim.knative.conditions import status_of
from app.sim.scenarios.reading import load_scenario
from app.sim.scenarios.scenario import parse_scenario
from tests.plugins.knative import TEST_SETTINGS
from tests.plugins.sim import make_kubectl

SERVING = "serving.knative.dev"


def test_the_lab_scenario_sets_the_labs_domain() -> None:
    scenario = load_scenario("labs")
    assert scenario.domain == "apps.cluster-kharon-ba75.kharon-ba75.example.opentlc.com"
    assert [len(step) for step in scenario.steps] == [5, 2]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("nope", "unknown scenario 'nope'"),
        ("scale:2x2", "bad scale scenario 'scale:2x2'"),
        ("scale:0x1x1", "every dimension must be at least 1"),
    ],
)
def test_bad_scenario_names_are_refused(name: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_scenario(name)


def test_malformed_scenario_data_is_refused() -> None:
    with pytest.raises(ValueError, match="step 0 must be a list of objects"):
        parse_scenario({"steps": [{"kind": "Namespace"}]}, "inline")
    with pytest.raises(ValueError, match="domain must be a string"):
        parse_scenario({"domain": 3, "steps": []}, "inline")


def test_the_scale_scenario_builds_every_revision() -> None:
    cluster = build_cluster(scenario="scale:2x3x2", settings=TEST_SETTINGS)
    store = cluster.store
    revisions, _ = store.list(store.registry.get(f"revisions.{SERVING}"), copy=False)
    assert len(revisions) == 2 * 3 * 2
    assert sorted(r["metadata"]["name"] for r in revisions if r["metadata"]["namespace"] == "scale-1")[
        :2
    ] == [
        "svc-0-00001",
        "svc-0-00002",
    ]
    route = store.get(store.registry.get(f"routes.{SERVING}"), "scale-0", "svc-2")
    split = [(t["tag"], t["revisionName"], t["percent"]) for t in route["status"]["traffic"]]
    assert split == [("current", "svc-2-00001", 50), ("candidate", "svc-2-00002", 50)]


def test_a_restored_cluster_keeps_its_objects_and_readiness(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    first = build_cluster(scenario="labs", settings=TEST_SETTINGS, state_file=state)
    first.start()
    assert first.settle()
    revisions = first.store.registry.get(f"revisions.{SERVING}")
    uid = first.store.get(revisions, "labs-1", "customer-v4")["metadata"]["uid"]
    first.stop()
    slow = dataclasses.replace(TEST_SETTINGS, revision_ready_delay=60.0)
    second = build_cluster(scenario="labs", settings=slow, state_file=state)
    second.start()
    try:
        assert second.settle()
        again = second.store.get(revisions, "labs-1", "customer-v4")
        assert again["metadata"]["uid"] == uid
        assert status_of(again) == "True"
    finally:
        second.stop()


USERS_SCENARIO = """
steps:
  - - {apiVersion: v1, kind: Namespace, metadata: {name: team-a}}
    - {apiVersion: v1, kind: ConfigMap, metadata: {name: settings, namespace: team-a}, data: {a: "1"}}
users:
  - name: alice
    token: alice-token
    rules:
      - namespace: team-a
        apiGroups: [""]
        resources: [configmaps]
        verbs: [get, list]
"""


def test_a_scenario_files_users_get_their_tokens_and_rules(tmp_path: Path) -> None:
    path = tmp_path / "team.yaml"
    path.write_text(USERS_SCENARIO, encoding="utf-8")
    assert [u.name for u in load_scenario(str(path)).users] == ["alice"]
    with build_cluster(scenario=str(path), settings=TEST_SETTINGS) as cluster:
        kubeconfig = cluster.write_kubeconfig(tmp_path / "kubeconfig", others=True)
        kubectl = make_kubectl(kubeconfig, tmp_path / "cache")
        as_alice = ("--context", "splitboard-sim-alice")  # alice's own token, over HTTPS
        listed = kubectl("get", "configmaps", "-n", "team-a", "-o", "name", *as_alice).stdout
        assert listed.split() == ["configmap/settings"]
        refused = kubectl("delete", "configmap", "settings", "-n", "team-a", *as_alice, check=False)
        assert 'User "alice" cannot delete resource "configmaps"' in refused.stderr
        assert "Username    alice" in kubectl("auth", "whoami", *as_alice).stdout
        url = f"{cluster.url}/api/v1/namespaces/team-a/configmaps"
        with httpx.Client(verify=cluster.client_context()) as http:
            assert http.get(url, headers={"Authorization": "Bearer alice-token"}).status_code == 200
            assert http.get(url, headers={"Authorization": "Bearer bob-token"}).status_code == 401
            other = http.get(
                f"{cluster.url}/api/v1/namespaces", headers={"Authorization": "Bearer alice-token"}
            )
            assert other.status_code == 403


def test_malformed_scenario_users_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("users: [{name: alice}]\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.yaml: users\[0\] needs a name and a token"):
        load_scenario(str(path))
