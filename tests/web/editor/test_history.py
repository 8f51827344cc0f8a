"""Traffic history in Events: what Splitboard records, reading it back, and changes made by others."""

from __future__ import annotations

from typing import Any

from app.model.editing import service_traffic
from app.model.history import (
    COMPONENT,
    REASON,
    SIGNATURE_ANNOTATION,
    USER_ANNOTATION,
    HistoryEntry,
    SignedChange,
    change_message,
    find_entry,
    history,
    outside_change,
    parse_split,
    previous_split,
    traffic_manager,
)
from app.model.patches import describe_split
from app.model.traffic import TrafficTarget
from tests.support.builders import LAB_TRAFFIC, service

HALF = [TrafficTarget.from_dict(t)[0] for t in LAB_TRAFFIC]
CANARY = [
    TrafficTarget(tag="current", revision_name="customer-v3", latest_revision=False, percent=90),
    TrafficTarget(tag="candidate", revision_name="customer-v4", latest_revision=False, percent=10),
    TrafficTarget(tag="latest", latest_revision=True, percent=0),
]


KEY = b"the dashboard's history key"
UID = "uid-of-customer"


def event(
    name: str, old: list[TrafficTarget], new: list[TrafficTarget], when: str, **kw: Any
) -> dict[str, Any]:
    """An Event as Splitboard records it: under its own name, signed with KEY (or `key`)."""
    service, user, uid = kw.get("service", "customer"), kw.get("user"), kw.get("uid", UID)
    signed = SignedChange("labs-1", service, uid, tuple(old), tuple(new), user, when)
    annotations = {SIGNATURE_ANNOTATION: signed.signature(kw.get("key", KEY))}
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": name,
            "namespace": "labs-1",
            "annotations": {USER_ANNOTATION: user, **annotations} if user else annotations,
        },
        "involvedObject": {
            "apiVersion": "serving.knative.dev/v1",
            "kind": "Service",
            "name": service,
            "namespace": "labs-1",
            "uid": uid,
        },
        "reason": kw.get("reason", REASON),
        "message": change_message(old, new, user),
        "lastTimestamp": when,
        "type": "Normal",
        "source": {"component": COMPONENT},
        "reportingComponent": COMPONENT,
        "reportingInstance": COMPONENT,
    }


def read(events: list[dict[str, Any]], uid: str | None = UID) -> list[HistoryEntry]:
    return history(events, "customer", key=KEY, namespace="labs-1", uid=uid)


def test_the_message_reads_old_to_new_with_the_user() -> None:
    assert change_message(HALF, CANARY, "alice") == (
        "Traffic changed by alice: current customer-v3 50%, candidate customer-v4 50%, latest @latest 0%"
        " -> current customer-v3 90%, candidate customer-v4 10%, latest @latest 0%"
    )
    assert change_message(HALF, CANARY, None).startswith("Traffic changed: ")


def test_the_split_text_reads_back_exactly() -> None:
    assert parse_split(change_message(HALF, CANARY, None).split(" -> ")[1]) == tuple(CANARY)
    untagged = (TrafficTarget(revision_name="customer-v1", latest_revision=False, percent=100),)
    assert parse_split("customer-v1 100%") == untagged
    assert parse_split("no traffic targets") == ()
    assert parse_split("customer-v1 a lot") is None
    assert parse_split("a b c d%") is None


def test_history_reads_back_the_services_entries_newest_first() -> None:
    events = [
        event("e1", HALF, CANARY, "2026-11-30T09:00:00Z", user="alice", rv="51"),
        event("e2", CANARY, HALF, "2026-11-30T09:05:00Z"),
        event("other", HALF, CANARY, "2026-11-30T09:06:00Z", service="preference"),
        event("scaled", HALF, CANARY, "2026-11-30T09:07:00Z", reason="Scaled"),
    ]
    broken = event("broken", HALF, CANARY, "2026-11-30T09:08:00Z")
    broken["message"] = "Traffic changed: something else happened"
    entries = read([*events, broken])
    assert [e.event for e in entries] == ["e2", "e1"]
    assert entries[1].user == "alice"
    assert list(entries[1].new) == CANARY
    assert entries[1].new_text == "current customer-v3 90%, candidate customer-v4 10%, latest @latest 0%"
    assert find_entry(entries, "e1") is entries[1]
    assert find_entry(entries, "nope") is None


def test_roll_back_restores_the_split_before_splitboards_last_change() -> None:
    entries = read([event("e1", HALF, CANARY, "2026-11-30T09:00:00Z")])
    assert list(previous_split(CANARY, entries)) == HALF
    # someone changed it since: roll back to what Splitboard applied last
    promoted = [TrafficTarget(revision_name="customer-v4", percent=100)]
    assert list(previous_split(promoted, entries)) == CANARY
    assert previous_split(CANARY, []) == ()


def test_a_split_splitboard_applied_is_not_flagged() -> None:
    entries = read([event("e1", HALF, CANARY, "2026-11-30T09:00:00Z")])
    canary = service([t.to_dict() for t in CANARY])
    assert outside_change(canary, entries) is None


def test_a_split_changed_with_kubectl_is_flagged_with_its_field_manager() -> None:
    entries = read([event("e1", HALF, CANARY, "2026-11-30T09:00:00Z")])
    managed = [
        {"manager": "splitboard", "time": "2026-11-30T09:00:00Z", "fieldsV1": {"f:spec": {"f:traffic": {}}}},
        {
            "manager": "kubectl-patch",
            "time": "2026-11-30T09:10:00Z",
            "fieldsV1": {"f:spec": {"f:traffic": {}}},
        },
        {"manager": "controller", "time": "2026-11-30T09:11:00Z", "fieldsV1": {"f:status": {}}},
    ]
    changed = service(managedFields=managed)  # back to 50/50, not by Splitboard
    assert traffic_manager(changed) == "kubectl-patch"
    flagged = outside_change(changed, entries)
    assert flagged is not None and flagged.who == "kubectl-patch"
    assert flagged.writer == "kubectl (field manager kubectl-patch)"
    # The history lists it as a change of its own: when (the manager's write), and from what to what.
    assert flagged.time == "2026-11-30T09:10:00Z"
    assert flagged.before == entries[0].new_text and flagged.split == describe_split(service_traffic(changed))
    anonymous = outside_change(service(), entries)
    assert anonymous is not None and anonymous.who == "someone outside Splitboard"
    assert outside_change(service(), []) is None


def test_flagger_is_named_when_it_manages_the_service() -> None:
    flagged = outside_change(service(annotations={"flagger.app/primary-revision": "customer-v3"}), [])
    assert flagged is not None
    assert flagged.who == "Flagger"
    assert "customer-v3" in flagged.detail


# --- Forged history --------------------------------------------------------------------------------


def forged(key: bytes = KEY, **changes: Any) -> dict[str, Any]:
    """A future-dated entry naming alice that sends everything to customer-v4: what an identity allowed
    only to create Events can post."""
    promote = [TrafficTarget(revision_name="customer-v4", latest_revision=False, percent=100)]
    posted = event("forged", CANARY, promote, "2099-01-01T00:00:00Z", user="alice", key=key)
    for path, value in changes.items():
        *parents, last = path.split(".")
        target = posted
        for part in parents:
            target = target[part]
        if value is None:
            target.pop(last, None)
        else:
            target[last] = value
    return posted


FORGERIES = {
    "unsigned": ({"metadata.annotations": {USER_ANNOTATION: "alice"}}, "not signed by Splitboard"),
    "signed with another key": (
        {"metadata.annotations": forged(key=b"x")["metadata"]["annotations"]},
        "another",
    ),
    "altered after signing": ({"message": change_message(HALF, HALF, "alice")}, "does not match"),
    "written by another tool": ({"source": {"component": "evil"}, "reportingComponent": "evil"}, "evil"),
    "another field manager": (
        {"metadata.managedFields": [{"manager": "kubectl-create"}]},
        "not by Splitboard",
    ),
}


def test_forged_entries_are_outside_changes_never_rolled_back_to() -> None:
    honest = event("e1", HALF, CANARY, "2026-11-30T09:00:00Z", user="bob")
    for label, (changes, why) in FORGERIES.items():
        entries = read([honest, forged(**changes)])
        assert [e.event for e in entries] == ["forged", "e1"], label
        assert not entries[0].trusted and why in (entries[0].distrust or ""), (label, entries[0].distrust)
        assert entries[1].trusted
        assert list(previous_split(CANARY, entries)) == HALF, label  # bob's change, not the forgery
        assert outside_change(service([t.to_dict() for t in CANARY]), entries) is None, label


def test_a_forgery_alone_offers_no_roll_back() -> None:
    entries = read([forged(**FORGERIES["unsigned"][0])])
    assert previous_split(CANARY, entries) == ()


def test_history_of_an_earlier_service_of_the_same_name_is_not_trusted() -> None:
    entries = read([event("e1", HALF, CANARY, "2026-11-30T09:00:00Z")], uid="uid-of-the-new-one")
    assert not entries[0].trusted
    assert "earlier Service" in (entries[0].distrust or "")
    assert read([event("e1", HALF, CANARY, "2026-11-30T09:00:00Z")])[0].trusted
