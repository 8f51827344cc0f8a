"""The explain graph of the lab's customer Service, built from what the simulated cluster holds."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.kube.caching import ClusterCache
from app.kube.config import load_api_client
from app.model.bodies import name_of
from app.model.explain import (
    CHAR_WIDTH,
    COLUMNS,
    DEFAULT_PATH,
    HOSTS_SHOWN,
    PADDING,
    WRAP,
    ExplainGraph,
    Node,
    explain_graph,
    object_anchor,
    wrap,
)
from app.model.labels import REVISION_LABEL, SERVICE_LABEL
from app.model.naming import revision_service_names
from app.model.objects import NamespaceObjects
from app.model.routing import REVISION_HEADER

NS = "labs-1"


@pytest.fixture
def lab_objects(knative_kubeconfig: Path) -> Iterator[NamespaceObjects]:
    """labs-1 as the dashboard's cache reads it from the simulated cluster."""
    with load_api_client(knative_kubeconfig) as api:
        cache = ClusterCache(api, sync_timeout=5.0)
        cache.start()
        try:
            yield cache.objects(NS)
        finally:
            cache.stop()


@pytest.fixture
def graph(lab_objects: NamespaceObjects) -> ExplainGraph:
    built = explain_graph(lab_objects, "customer")
    assert built is not None
    return built


def _texts(node: Node) -> list[str]:
    return [node.title, *node.lines]


def _route(objects: NamespaceObjects) -> dict[str, Any]:
    return next(r for r in objects.routes if name_of(r) == "customer")


def test_every_host_of_every_virtual_service_is_drawn(
    graph: ExplainGraph, lab_objects: NamespaceObjects
) -> None:
    # The lab's Knative labels its VirtualServices with the route (today's net-istio: the service too).
    customer = [
        v
        for v in lab_objects.virtualservices
        if v["metadata"]["labels"].get("serving.knative.dev/route") == "customer"
    ]
    assert len(customer) == 2
    for vs in customer:
        boxes = [n for n in graph.nodes if n.ref and n.ref.name == name_of(vs)]
        drawn = [t for n in boxes for t in (*_texts(n), *n.more)]
        for host in vs["spec"]["hosts"]:
            assert any(text == host or text == f"host {host}" for text in drawn), host


def test_long_host_lists_show_their_first_host_and_a_count(graph: ExplainGraph) -> None:
    rules = [n for n in graph.nodes if n.kind == "rule"]
    collapsed = [n for n in rules if n.more]
    assert collapsed, "the lab's routes each match several hosts"
    for rule in collapsed:
        count = next(line for line in rule.lines if line.startswith("+ "))
        assert count == f"+ {len(rule.more)} more hosts"
        assert rule.lines.index(count) == HOSTS_SHOWN
    route_url = next(n for n in rules if n.id == "rule-customer-0")
    assert route_url.lines[0] == "customer.labs-1" and len(route_url.more) == 3


def test_one_box_per_http_route_with_its_weights(graph: ExplainGraph, lab_objects: NamespaceObjects) -> None:
    for vs in (v for v in lab_objects.virtualservices if name_of(v).startswith("customer")):
        rules = [
            n for n in graph.nodes if n.kind == "rule" and n.ref is not None and n.ref.name == name_of(vs)
        ]
        assert len(rules) == len(vs["spec"]["http"])
        for rule, http in zip(rules, vs["spec"]["http"], strict=True):
            for destination in http["route"]:
                # The lab's net-istio added the headers; today's sets them.
                request = destination["headers"]["request"]
                revision = (request.get("set") or request["add"])[REVISION_HEADER]
                assert f"-> {revision} {destination['weight']}%" in rule.lines
                public, _ = revision_service_names(revision)
                edge = next(
                    e for e in graph.edges if e.source == rule.id and e.target == f"core-svc-{public}"
                )
                assert edge.label == f"{destination['weight']}%"


def test_the_traffic_block_and_route_status_with_urls(
    graph: ExplainGraph, lab_objects: NamespaceObjects
) -> None:
    service = next(s for s in lab_objects.services if name_of(s) == "customer")
    spec_nodes = [n for n in graph.nodes if n.kind == "spec"]
    assert [(n.title, n.lines[-1]) for n in spec_nodes] == [
        (f"tag {t['tag']}" if t.get("tag") else "(no tag)", f"{t.get('percent', 0)}%")
        for t in service["spec"]["traffic"]
    ]
    route = _route(lab_objects)
    status_nodes = [n for n in graph.nodes if n.kind == "status"]
    assert len(status_nodes) == len(route["status"]["traffic"])
    for node, entry in zip(status_nodes, route["status"]["traffic"], strict=True):
        assert entry["url"] in node.lines
        assert node.lines[0].startswith(entry["revisionName"])
    assert [(p.key, p.url) for p in graph.paths] == [(DEFAULT_PATH, route["status"]["url"])] + [
        (t["tag"], t["url"]) for t in route["status"]["traffic"]
    ]


def test_every_generated_kubernetes_service_of_the_route_and_its_revisions(
    graph: ExplainGraph, lab_objects: NamespaceObjects
) -> None:
    ids = {n.id for n in graph.nodes}
    routed = {t["revisionName"] for t in _route(lab_objects)["status"]["traffic"]}
    for ks in lab_objects.core_services:
        labels = ks["metadata"].get("labels", {})
        of_route = labels.get("serving.knative.dev/route") == "customer"
        of_revision = any(name_of(ks) in revision_service_names(r) for r in routed)
        if of_route or of_revision:
            assert f"core-svc-{name_of(ks)}" in ids, name_of(ks)


def test_selecting_a_tag_highlights_its_whole_path(
    graph: ExplainGraph, lab_objects: NamespaceObjects
) -> None:
    current = next(t for t in _route(lab_objects)["status"]["traffic"] if t["tag"] == "current")
    on = {n.id for n in graph.nodes if "current" in n.paths}
    revision = current["revisionName"]
    assert f"rev-{revision}" in on
    assert "core-svc-current-customer" in on
    assert not any(n.kind == "revision" and n.id != f"rev-{revision}" for n in graph.nodes if n.id in on)
    rules = [n for n in graph.nodes if n.kind == "rule" and n.id in on]
    assert len(rules) == 2  # the tag's route in customer-ingress and in customer-mesh
    assert all(n.lines[-1] == f"-> {revision} 100%" for n in rules)
    # The path is connected: from the traffic block to the revision, every step is a highlighted edge.
    steps = {(e.source, e.target) for e in graph.edges if "current" in e.paths}
    reached = {n.id for n in graph.nodes if n.kind == "spec" and "current" in n.paths}
    for _ in range(6):
        reached |= {t for s, t in steps if s in reached}
    assert f"rev-{revision}" in reached


def test_layout_is_deterministic_and_boxes_do_not_overlap(
    lab_objects: NamespaceObjects, graph: ExplainGraph
) -> None:
    again = explain_graph(lab_objects, "customer")
    assert again == graph
    by_column: dict[int, list[Node]] = {}
    for n in graph.nodes:
        by_column.setdefault(n.column, []).append(n)
        assert n.x >= 0 and n.x + n.width <= graph.width and n.y + n.height <= graph.height
    for column in by_column.values():
        for upper, lower in itertools.pairwise(column):
            assert upper.y + upper.height < lower.y


def test_links_point_at_the_yaml_anchor_of_each_object(graph: ExplainGraph) -> None:
    route = graph.node("route")
    assert route.ref is not None
    assert route.ref.anchor == object_anchor("Route", "customer") == "yaml-route-customer"
    assert object_anchor("Service (core)", "customer-v3") == "yaml-service-core-customer-v3"


def test_an_unknown_service_has_no_graph(lab_objects: NamespaceObjects) -> None:
    assert explain_graph(lab_objects, "nope") is None


def test_long_hosts_wrap_after_dots_and_every_drawn_row_fits_its_box(graph: ExplainGraph) -> None:
    host = "current-customer.labs-1.apps.cluster-kharon-ba75.kharon-ba75.example.opentlc.com"
    rows = wrap(host)
    assert "".join(row.removeprefix("  ") for row in rows) == host
    assert all(len(row) <= WRAP for row in rows) and all(row.endswith(".") for row in rows[:-1])
    assert wrap("x" * (WRAP + 4)) == ("x" * WRAP, "  " + "x" * 4)
    assert wrap("endpoints: activator (SKS in Proxy mode)")[0] == "endpoints: activator "
    for node in graph.nodes:
        assert max(len(row) for row in node.rows) * CHAR_WIDTH + 2 * PADDING <= node.width + 1e-9
        assert node.text_rows[-1][1] <= node.y + node.height


def test_without_istio_or_a_route_the_graph_says_what_is_missing(lab_objects: NamespaceObjects) -> None:
    bare = dataclasses.replace(lab_objects, istio=False, virtualservices=(), routes=(), ingresses=())
    graph = explain_graph(bare, "customer")
    assert graph is not None
    assert graph.notes == (
        "This cluster serves no Istio VirtualServices: the ingress routes cannot be shown.",
        "No Route customer yet: the Service has not been reconciled.",
    )
    assert [n.kind for n in graph.nodes if n.column == 0] == ["spec"] * 3
    assert not any(n.kind in ("status", "rule") for n in graph.nodes)


def test_the_narrow_layout_stacks_the_columns_as_bands_without_overlaps(graph: ExplainGraph) -> None:
    narrow = graph.narrow
    assert narrow is not None
    assert {n.id for n in narrow.nodes} == {n.id for n in graph.nodes}
    assert {(e.source, e.target) for e in narrow.edges} == {(e.source, e.target) for e in graph.edges}
    assert narrow.width < graph.width / 2 and narrow.height > graph.height
    bottoms: dict[int, float] = {}
    tops: dict[int, float] = {}
    for n in narrow.nodes:
        assert n.x >= 0 and n.x + n.width <= narrow.width and n.y + n.height <= narrow.height
        bottoms[n.column] = max(bottoms.get(n.column, 0.0), n.y + n.height)
        tops[n.column] = min(tops.get(n.column, narrow.height), n.y)
    columns = sorted(bottoms)
    assert all(bottoms[a] < tops[b] for a, b in itertools.pairwise(columns))  # each band below the last
    for a, b in itertools.combinations(narrow.nodes, 2):
        apart = a.x + a.width <= b.x or b.x + b.width <= a.x or a.y + a.height <= b.y or b.y + b.height <= a.y
        assert apart, (a.id, b.id)


def test_the_drawing_keeps_its_size_as_pods_come_and_go(
    lab_objects: NamespaceObjects, graph: ExplainGraph
) -> None:
    # The page fits the drawing to its width: a drawing that widened with a long pod name or status
    # would shrink all its type on the live page whenever a revision scaled up.
    revision = next(n.title.removeprefix("Revision ") for n in graph.nodes if n.kind == "revision")
    pod = {
        "metadata": {
            "name": f"{revision}-deployment-6b8f9d7c5d-x7k2q",
            "namespace": NS,
            "labels": {REVISION_LABEL: revision, SERVICE_LABEL: "customer"},
        },
        "status": {
            "phase": "Pending",
            "containerStatuses": [
                {"name": "user-container", "state": {"waiting": {"reason": "ContainerCreating"}}}
            ],
        },
    }
    scaled = explain_graph(dataclasses.replace(lab_objects, pods=(*lab_objects.pods, pod)), "customer")
    assert scaled is not None
    assert any(n.kind == "pod" for n in scaled.nodes) and not any(n.kind == "pod" for n in graph.nodes)
    assert scaled.width == graph.width
    assert {n.width for n in scaled.nodes if n.column == 6} == {n.width for n in graph.nodes if n.column == 6}
    assert max(len(title) for title in COLUMNS) <= WRAP  # no title widens its column either
