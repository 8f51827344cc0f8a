"""Telling a missed watch event from one still on its way, by resourceVersion equality alone."""

from __future__ import annotations

from app.kube.checking import missed, suspects


def test_a_store_that_never_moved_while_the_server_changed_has_missed_events() -> None:
    before = after = {"ns/a": "1", "ns/gone": "2"}
    listed = {"ns/a": "5", "ns/new": "6"}  # a modified, gone deleted, new added: none delivered
    found = suspects(before, listed, after)
    assert found == {"ns/a": "1", "ns/gone": "2", "ns/new": None}
    assert missed(found, {"ns/a": "1", "ns/gone": "2"}) == ["ns/a", "ns/gone", "ns/new"]


def test_events_arriving_during_the_grace_are_not_missed() -> None:
    found = suspects({"ns/a": "1"}, {"ns/a": "5", "ns/b": "6"}, {"ns/a": "1"})
    assert missed(found, {"ns/a": "5", "ns/b": "6"}) == []  # both came late, but came
    assert missed(found, {"ns/a": "7"}) == ["ns/b"]  # a moved on; b never arrived


def test_a_store_that_moved_while_listing_is_not_suspected() -> None:
    # The watch delivered a change to a while the list ran: the store may be newer than the list.
    assert suspects({"ns/a": "1"}, {"ns/a": "2"}, {"ns/a": "3"}) == {}
