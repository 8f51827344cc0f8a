"""The explain view of one Knative Service: every object its traffic block ripples through, as a graph.

Columns, left to right: the Service's `spec.traffic` -> the Route's `status.traffic` (with URLs) -> the
Route's placeholder Kubernetes Services (the DNS names) -> net-istio's VirtualServices and their http
routes (one per tag plus the route URL's, with weights; the probe routes net-istio puts before each
route are folded into one line of their VirtualService) or, on a cluster without Istio (Kourier), the
KIngress and its rules, which that ingress reads directly -> each revision's Kubernetes Services (with
what their Endpoints hold: pods, or the activator while scaled to zero) -> the Revisions -> their pods.
Every node and edge knows which paths pass through it (the route URL, `DEFAULT_PATH`, and each tag),
so selecting a tag highlights its whole way through.

Built from the cached objects as they are, not from predictions: what is drawn is what the cluster
holds. The layout is deterministic (monospace text widths), so the SVG template only draws numbers.
There are two layouts of the same boxes: columns left to right (the page fits it to its width), and
`narrow`, the columns as bands top to bottom, for a screen too narrow to read the first. Long host lists
show their first host and a count; the box's tooltip lists them all (`Node.more`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from app.model.bodies import labels_of, name_of
from app.model.labels import REVISION_LABEL, ROUTE_LABEL
from app.model.naming import LOCAL_DOMAIN, revision_service_names, route_service_name
from app.model.objects import NamespaceObjects
from app.model.views import (
    PALETTE_SIZE,
    TargetView,
    env_text,
    is_version_var,
    kingress_view,
    pod_status,
    readiness,
    revision_colours,
    revision_generation,
    service_backends,
    service_scope,
    traffic_targets,
    virtual_service_view,
)

DEFAULT_PATH = "@default"
"""The path of the route URL itself (tags are DNS labels, so none can be spelled like this)."""

COLUMNS = (
    "Service spec.traffic",
    "Route status.traffic",
    "Route Services",
    "VirtualService routes",
    "Revision Services",
    "Revisions",
    "Pods",
)
KINGRESS_COLUMN = "KIngress rules"
"""Column 3's title where the KIngress is drawn instead of VirtualServices (no Istio)."""

FONT_SIZE = 12.0
CHAR_WIDTH = 7.3
"""Advance of one monospace character at FONT_SIZE (0.6em, rounded up)."""
LINE_HEIGHT = 16.0
PADDING = 6.0
NODE_GAP = 12.0
COLUMN_GAP = 26.0
"""Room for a weight label ("100%" at 11px) between two columns."""
HEADER_HEIGHT = 30.0
BAND_GAP = 20.0
"""Space between one band and the next band's title in the narrow layout."""
NARROW_WIDTH = 480.0
"""The narrow layout's width: boxes of a band wrap onto a new row beyond it."""
MAX_CHARS = 300
"""Longer values are cut (with an ellipsis) so one odd value cannot stretch the drawing."""
WRAP = 22
"""Drawn rows longer than this break after a dot or a slash (else a space or a dash); continuations are
indented. Every column is this wide (no title is wider), so the seven, fitted to a 1280 pixel screen,
keep a readable size whatever the cluster holds; wide enough for the lab's host segments."""
HOSTS_SHOWN = 1
"""A route's or rule's hosts drawn in full; the rest are counted ("+ 3 more hosts")."""


@dataclass(frozen=True)
class ObjectRef:
    """The object a box stands for, to link to its YAML (kind as the Service page names it)."""

    kind: str
    name: str

    @property
    def anchor(self) -> str:
        return object_anchor(self.kind, self.name)


def object_anchor(kind: str, name: str) -> str:
    """The fragment id of an object's YAML on the Service page: `yaml-<kind slug>-<name>`."""
    slug = re.sub(r"[^a-z0-9]+", "-", kind.lower()).strip("-")
    return f"yaml-{slug}-{name}"


@dataclass(frozen=True)
class Node:
    """A box: a title, text lines, the object it links to, and the paths through it, laid out."""

    id: str
    column: int
    kind: str
    """spec | route | status | core-service | virtualservice | kingress | rule | revision | pod | empty"""
    title: str
    lines: tuple[str, ...]
    ref: ObjectRef | None
    paths: frozenset[str]
    colour: int = PALETTE_SIZE
    missing: bool = False
    """Expected but not in the cluster (e.g. a destination Service not found)."""
    more: tuple[str, ...] = ()
    """What a collapsed line counts (the hosts not drawn), for the box's tooltip."""
    x: float = 0.0
    y: float = 0.0
    width: float = 0.0
    height: float = 0.0

    @property
    def rows(self) -> tuple[str, ...]:
        """The drawn rows: the title, then every line, each wrapped to WRAP characters."""
        return (*wrap(self.title), *(row for line in self.lines for row in wrap(line)))

    @property
    def title_rows(self) -> int:
        """How many of `rows` the title takes."""
        return len(wrap(self.title))

    @property
    def text_rows(self) -> tuple[tuple[str, float], ...]:
        """Each drawn row with its baseline y (the title is row 0)."""
        top = self.y + PADDING + FONT_SIZE
        return tuple((text, top + i * LINE_HEIGHT) for i, text in enumerate(self.rows))

    @property
    def text_x(self) -> float:
        return self.x + PADDING

    @property
    def mid_y(self) -> float:
        return self.y + self.height / 2


@dataclass(frozen=True)
class Edge:
    """A link from one box to the next column's box, with an optional weight label, laid out."""

    source: str
    target: str
    paths: frozenset[str]
    label: str = ""
    d: str = ""
    """The SVG path (a horizontal cubic curve)."""
    label_x: float = 0.0
    label_y: float = 0.0


@dataclass(frozen=True)
class PathChoice:
    """A path to highlight: the route URL or a tag, with the URL it serves."""

    key: str
    label: str
    url: str


@dataclass(frozen=True)
class Column:
    title: str
    x: float
    y: float = 18.0
    """The title's baseline (the narrow layout's bands are one below the other)."""


@dataclass(frozen=True)
class Drawing:
    """One layout of the graph's boxes and links."""

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    columns: tuple[Column, ...]
    width: float
    height: float


@dataclass(frozen=True)
class ExplainGraph:
    """Everything the SVG template draws for one Service."""

    namespace: str
    service: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    paths: tuple[PathChoice, ...]
    columns: tuple[Column, ...]
    width: float
    height: float
    notes: tuple[str, ...] = ()
    """What could not be drawn and why (e.g. no Route yet)."""
    info: tuple[str, ...] = ()
    """What a reader should know that is no problem (e.g. no Istio: the KIngress is drawn instead)."""
    narrow: Drawing | None = None
    """The same boxes with the columns as bands, top to bottom (for narrow screens)."""

    def node(self, node_id: str) -> Node:
        return next(n for n in self.nodes if n.id == node_id)


# ------------------------------------------------------------------------------------------- helpers


def _clip(text: str) -> str:
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"


def wrap(text: str, width: int = WRAP) -> tuple[str, ...]:
    """`text` as rows of at most `width` characters, broken after the last dot or slash that fits, else
    after a space (then a dash) in the row's second half (hard breaks only without one); continuation
    rows start with two spaces."""
    rows: list[str] = []
    rest = text
    while len(rest) > width:
        cut = max(rest.rfind(".", 3, width), rest.rfind("/", 3, width)) + 1
        if cut <= 3:
            space = rest.rfind(" ", width // 2, width)
            cut = (space if space >= 0 else rest.rfind("-", width // 2, width)) + 1
        cut = cut if cut > 3 else width
        rows.append(rest[:cut])
        rest = "  " + rest[cut:]
    rows.append(rest)
    return tuple(rows)


def collapse(hosts: Sequence[str], noun: str = "host") -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(the lines drawn, the hosts only counted): the first HOSTS_SHOWN in full, then "+ N more hosts"."""
    if len(hosts) <= HOSTS_SHOWN + 1:
        return tuple(_clip(h) for h in hosts), ()
    rest = tuple(hosts[HOSTS_SHOWN:])
    return (*(_clip(h) for h in hosts[:HOSTS_SHOWN]), f"+ {len(rest)} more {noun}s"), rest


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "") if url else ""


def _covers(prefix: str, host: str) -> bool:
    """Whether an authority prefix names this host (whole DNS labels only)."""
    return bool(prefix) and (host == prefix or host.startswith(prefix + "."))


@dataclass
class _Builder:
    """Collects nodes and edges column by column (ids are unique; an edge's paths are the overlap of
    its ends' paths unless given)."""

    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)

    def add(self, node: Node) -> Node:
        self.nodes.setdefault(node.id, node)
        return self.nodes[node.id]

    def link(self, source: str, target: str, label: str = "") -> None:
        if source not in self.nodes or target not in self.nodes:
            return
        if any(e.source == source and e.target == target for e in self.edges):
            return
        paths = self.nodes[source].paths & self.nodes[target].paths
        self.edges.append(Edge(source, target, paths, label))


# ------------------------------------------------------------------------------------------- building


@dataclass(frozen=True)
class _Paths:
    """The ways in the diagram can highlight: the route URL (DEFAULT_PATH) and each tag the Route
    serves, with their host names."""

    route_name: str
    route_url: str
    tag_urls: dict[str, str]

    @property
    def hosts(self) -> dict[str, str]:
        return {DEFAULT_PATH: _host(self.route_url)} | {tag: _host(url) for tag, url in self.tag_urls.items()}

    @property
    def everything(self) -> frozenset[str]:
        return frozenset(self.hosts)

    def choices(self) -> tuple[PathChoice, ...]:
        first = PathChoice(DEFAULT_PATH, "route URL", self.route_url)
        return (first, *(PathChoice(tag, f"tag {tag}", url) for tag, url in self.tag_urls.items()))

    def services(self) -> dict[str, str]:
        """Placeholder Service name -> the path it serves (one per host name)."""
        return {
            (
                _host(url).split(".", 1)[0]
                or route_service_name(self.route_name, key if key != DEFAULT_PATH else None)
            ): key
            for key, url in ({DEFAULT_PATH: self.route_url} | self.tag_urls).items()
        }


def _entry_paths(tag: str, percent: int) -> frozenset[str]:
    """The paths a traffic entry is on: its tag's, and the route URL's when it carries traffic."""
    return frozenset(([tag] if tag else []) + ([DEFAULT_PATH] if percent > 0 else []))


def explain_graph(objects: NamespaceObjects, service: str) -> ExplainGraph | None:
    """The explain graph of Knative Service `service`, or None when the namespace has no such Service.
    Columns left to right: the Service's traffic block, the Route, its placeholder Services, the
    ingress (VirtualServices or KIngress), revision Services, Revisions, pods."""
    scope = service_scope(objects, service)
    if scope is None:
        return None
    colours = revision_colours(objects.revisions)
    route = next(
        (r for r in scope.routes if name_of(r) == service), scope.routes[0] if scope.routes else None
    )
    status_traffic = traffic_targets((route or {}).get("status", {}).get("traffic"), colours)
    paths = _Paths(
        name_of(route) if route else service,
        str((route or {}).get("status", {}).get("url") or ""),
        {t.tag: t.url for t in status_traffic if t.tag},
    )
    draw_kingress = not scope.virtualservices and bool(scope.ingresses)
    notes, info = _ingress_notes(objects, scope, colours, draw_kingress)
    build = _Builder()
    spec_targets = traffic_targets(scope.services[0].get("spec", {}).get("traffic"), colours)
    _add_spec(build, spec_targets, service)
    if route is None:
        notes.append(f"No Route {service} yet: the Service has not been reconciled.")
    else:
        _add_route(build, paths)
    _add_status(build, status_traffic, spec_targets, paths.route_name)
    service_path = paths.services()
    _add_placeholders(build, scope, service_path, paths.route_name)
    _link_placeholders(build, status_traffic, service_path)
    _add_ingress(build, scope, colours, paths, service_path, draw_kingress, notes)
    titles = tuple(KINGRESS_COLUMN if i == 3 and draw_kingress else t for i, t in enumerate(COLUMNS))
    nodes, edges, columns, width, height = layout(list(build.nodes.values()), build.edges, titles)
    narrow = layout_narrow(list(build.nodes.values()), build.edges, titles)
    return ExplainGraph(
        objects.namespace,
        service,
        nodes,
        edges,
        paths.choices(),
        columns,
        width,
        height,
        tuple(notes),
        tuple(info),
        narrow,
    )


def _ingress_notes(
    objects: NamespaceObjects, scope: NamespaceObjects, colours: Mapping[str, int], draw_kingress: bool
) -> tuple[list[str], list[str]]:
    """What the diagram says about the ingress it can or cannot draw: (notes, info)."""
    if objects.istio:
        return [], []
    if draw_kingress:
        names = ", ".join(sorted({kingress_view(k, colours).class_name for k in scope.ingresses}))
        return [], [
            f"No Istio on this cluster: the ingress ({names}) routes requests by the KIngress itself,"
            " so its rules are drawn where VirtualServices would be."
        ]
    return ["This cluster serves no Istio VirtualServices: the ingress routes cannot be shown."], []


def _add_spec(build: _Builder, spec_targets: Sequence[TargetView], service: str) -> None:
    """Column 0: the Service's traffic block."""
    for i, t in enumerate(spec_targets):
        build.add(
            Node(
                f"spec-{i}",
                0,
                "spec",
                f"tag {t.tag}" if t.tag else "(no tag)",
                (t.revision or "latest revision", f"{t.percent}%"),
                ObjectRef("Service", service),
                _entry_paths(t.tag, t.percent),
                t.colour,
            )
        )


def _add_route(build: _Builder, paths: _Paths) -> None:
    """Column 1's head: the Route itself, on every path."""
    build.add(
        Node(
            "route",
            1,
            "route",
            f"Route {paths.route_name}",
            (_clip(paths.route_url),),
            ObjectRef("Route", paths.route_name),
            paths.everything,
        )
    )


def _add_status(
    build: _Builder,
    status_traffic: Sequence[TargetView],
    spec_targets: Sequence[TargetView],
    route: str,
) -> None:
    """Column 1: the Route's status.traffic, each entry linked from the spec entries it resolves."""
    for i, t in enumerate(status_traffic):
        lines = [t.revision + (" (latest)" if t.latest_revision else ""), f"{t.percent}%"]
        if t.url:
            lines.append(_clip(t.url))
        node = build.add(
            Node(
                f"status-{i}",
                1,
                "status",
                f"tag {t.tag}" if t.tag else "(no tag)",
                tuple(lines),
                ObjectRef("Route", route),
                _entry_paths(t.tag, t.percent),
                t.colour,
            )
        )
        for j, s in enumerate(spec_targets):
            if _resolves(s, t):
                build.link(f"spec-{j}", node.id)


def _resolves(spec: TargetView, status: TargetView) -> bool:
    """Whether the status entry is what the spec entry became: same tag, or both untagged for the
    same revision (or the latest one)."""
    if spec.tag:
        return spec.tag == status.tag
    if status.tag:
        return False
    return spec.revision == status.revision if spec.revision else status.latest_revision


def _add_placeholders(
    build: _Builder, scope: NamespaceObjects, service_path: Mapping[str, str], route_name: str
) -> None:
    """Column 2: the Route's placeholder Services (one per host name: the route's and each tag's),
    and any other Service labelled with the Route that is no revision's."""
    revision_service_owner = {
        svc_name: rev
        for rev in (name_of(r) for r in scope.revisions)
        for svc_name in revision_service_names(rev)
    }
    placeholders = {
        name_of(ks): ks
        for ks in scope.core_services
        if name_of(ks) not in revision_service_owner and labels_of(ks).get(ROUTE_LABEL) == route_name
    }
    for name in dict.fromkeys([*service_path, *sorted(placeholders)]):
        key = service_path.get(name)
        ks = placeholders.get(name)
        spec = (ks or {}).get("spec", {})
        lines = [str(spec.get("type") or "ClusterIP") if ks else "not found"]
        if spec.get("externalName"):
            lines.append(_clip(f"-> {str(spec['externalName']).removesuffix('.' + LOCAL_DOMAIN)}"))
        build.add(
            Node(
                f"core-svc-{name}",
                2,
                "core-service",
                f"Service {name}",
                tuple(lines),
                ObjectRef("Service (core)", name) if ks else None,
                frozenset([key]) if key else frozenset(),
                missing=ks is None,
            )
        )


def _link_placeholders(
    build: _Builder, status_traffic: Sequence[TargetView], service_path: Mapping[str, str]
) -> None:
    """A tagged entry reaches its tag's Service; an entry with traffic, the route's."""
    for i, t in enumerate(status_traffic):
        if t.tag:
            build.link(f"status-{i}", f"core-svc-{_service_for(service_path, t.tag)}")
        if t.percent > 0:
            build.link(f"status-{i}", f"core-svc-{_service_for(service_path, DEFAULT_PATH)}", f"{t.percent}%")


def _add_ingress(
    build: _Builder,
    scope: NamespaceObjects,
    colours: Mapping[str, int],
    paths: _Paths,
    service_path: Mapping[str, str],
    draw_kingress: bool,
    notes: list[str],
) -> None:
    """Column 3: the VirtualServices and their http routes, or the KIngress and its rules; then
    columns 4-6: revision Services, Revisions, pods."""
    rule_targets: list[tuple[str, str, int]] = []
    for vs in sorted(scope.virtualservices, key=name_of):
        _add_virtual_service(build, vs, colours, paths.hosts, rule_targets, paths.everything)
    if draw_kingress:
        for kingress in sorted(scope.ingresses, key=name_of):
            _add_kingress(build, kingress, colours, paths.hosts, rule_targets, paths.everything)
    for node in list(build.nodes.values()):
        if node.kind == "rule":
            for key in node.paths:
                build.link(f"core-svc-{_service_for(service_path, key)}", node.id)
    _add_revisions(build, scope, colours, rule_targets, notes)


def _service_for(service_path: Mapping[str, str], key: str) -> str:
    return next((name for name, k in service_path.items() if k == key), "")


def _add_virtual_service(
    build: _Builder,
    vs: Mapping[str, Any],
    colours: Mapping[str, int],
    path_hosts: Mapping[str, str],
    rule_targets: list[tuple[str, str, int]],
    everything: frozenset[str],
) -> None:
    view = virtual_service_view(vs, colours)
    ref = ObjectRef("VirtualService", view.name)
    prefixes = [[m.authority for m in rule.matches] for rule in view.http]  # probe routes left out

    def owner(host: str) -> int | None:
        best: tuple[int, int] | None = None
        for index, authorities in enumerate(prefixes):
            for prefix in authorities:
                if _covers(prefix, host) and (best is None or len(prefix) > best[0]):
                    best = (len(prefix), index)
        return None if best is None else best[1]

    owned: dict[int, list[str]] = {}
    loose: list[str] = []
    for host in view.hosts:
        index = owner(host)
        (owned.setdefault(index, []) if index is not None else loose).append(host)
    loose_lines, loose_more = collapse([f"host {h}" for h in loose])
    header = [_clip(f"gateway {g}") for g in view.gateways] + list(loose_lines)
    if view.probes:
        # Each probe route repeats the next route's matches and splits for K-Network-Hash: override;
        # drawn, they would double the column and say nothing about where requests go.
        count = len(view.probes)
        header.append(f"+ {count} probe route{'' if count == 1 else 's'} (K-Network-Hash: override)")
    build.add(
        Node(
            f"vs-{view.name}",
            3,
            "virtualservice",
            f"VirtualService {view.name}",
            tuple(header),
            ref,
            everything,
            more=loose_more,
        )
    )
    for position, rule in enumerate(view.http):
        keys = _path_keys(path_hosts, prefixes[position])
        shown, more = collapse(owned.get(position, []))
        lines = [*shown, *(f"-> {d.revision} {d.weight}%" for d in rule.destinations)]
        node_id = f"rule-{view.name}-{rule.index}"
        title = f"http[{rule.index}] {_path_label(keys)}"
        build.add(Node(node_id, 3, "rule", title, tuple(lines), ref, keys, more=more))
        for d in rule.destinations:
            if d.weight > 0:
                rule_targets.append((node_id, d.host.split(".", 1)[0], d.weight))


def _path_keys(path_hosts: Mapping[str, str], prefixes: Sequence[str]) -> frozenset[str]:
    """The paths (route URL, tags) whose host one of these authority prefixes or hosts names."""
    return frozenset(
        key for key, host in path_hosts.items() if host and any(_covers(p, host) for p in prefixes)
    )


def _path_label(keys: frozenset[str]) -> str:
    return "route URL" if keys == {DEFAULT_PATH} else ", ".join(f"tag {k}" for k in sorted(keys)) or "?"


def _add_kingress(
    build: _Builder,
    kingress: Mapping[str, Any],
    colours: Mapping[str, int],
    path_hosts: Mapping[str, str],
    rule_targets: list[tuple[str, str, int]],
    everything: frozenset[str],
) -> None:
    """The KIngress and one box per rule: what an ingress without VirtualServices (Kourier) reads."""
    view = kingress_view(kingress, colours)
    ref = ObjectRef("Ingress", view.name)
    header = [f"class {view.class_name}", f"Ready {view.ready}"]
    build.add(
        Node(f"king-{view.name}", 3, "kingress", f"KIngress {view.name}", tuple(header), ref, everything)
    )
    for rule in view.rules:
        # A ClusterLocal rule's short host (`customer.labs-1`) names the route URL's host as a prefix,
        # exactly as the VirtualService matches it; the ExternalIP rule names it whole.
        keys = _path_keys(path_hosts, rule.hosts)
        shown, more = collapse(rule.hosts)
        lines = [*shown, *(f"-> {s.service} {s.percent}%" for s in rule.splits)]
        node_id = f"krule-{view.name}-{rule.index}"
        title = f"rules[{rule.index}] {rule.visibility} {_path_label(keys)}"
        build.add(Node(node_id, 3, "rule", title, tuple(lines), ref, keys, more=more))
        for split in rule.splits:
            if split.percent > 0:
                rule_targets.append((node_id, split.service, split.percent))


def _add_revisions(
    build: _Builder,
    scope: NamespaceObjects,
    colours: Mapping[str, int],
    rule_targets: Sequence[tuple[str, str, int]],
    notes: list[str],
) -> None:
    """Columns 4-6: each revision's public and private Services, the Revision, its pods; routed
    revisions in the order the routes name them, then the rest, newest first."""
    revisions = {name_of(r): r for r in scope.revisions}
    rule_paths: dict[str, frozenset[str]] = {}
    for rule_id, svc_name, _ in rule_targets:
        rule_paths[svc_name] = rule_paths.get(svc_name, frozenset()) | build.nodes[rule_id].paths
    routed = list(dict.fromkeys(svc for _, svc, _ in rule_targets))
    rest = sorted(set(revisions) - set(routed), key=lambda n: -(revision_generation(revisions[n]) or 0))
    pods_by_revision: dict[str, list[Mapping[str, Any]]] = {}
    for member in scope.pods:
        pods_by_revision.setdefault(labels_of(member).get(REVISION_LABEL, ""), []).append(member)
    for name in routed + rest:
        paths = rule_paths.get(name, frozenset())
        colour = colours.get(name, PALETTE_SIZE)
        _add_revision_services(build, scope, name, paths, colour)
        _add_revision(build, revisions.get(name), name, paths, colour, notes)
        for svc_name in revision_service_names(name):
            build.link(f"core-svc-{svc_name}", f"rev-{name}")
        _add_pods(build, name, sorted(pods_by_revision.get(name, []), key=name_of), paths, colour)
    for rule_id, svc_name, weight in rule_targets:
        build.link(rule_id, f"core-svc-{svc_name}", f"{weight}%")


def _add_revision_services(
    build: _Builder, scope: NamespaceObjects, revision: str, paths: frozenset[str], colour: int
) -> None:
    """Column 4: the revision's public Service (what the ingress routes to) and private one (which
    selects the pods), with the backends their Endpoints list (linked once the Revision is drawn)."""
    core_services = {name_of(s): s for s in scope.core_services}
    endpoints = {name_of(e): e for e in scope.endpoints}
    serverless = {name_of(s): s for s in scope.serverlessservices}
    public, private = revision_service_names(revision)
    for svc_name, role in ((public, "public: routed to"), (private, "private: selects the pods")):
        ks = core_services.get(svc_name)
        lines = [role] if ks else ["not found"]
        backends = service_backends(ks, endpoints, serverless, scope.pods) if ks else None
        if backends is not None:
            lines.append(f"endpoints: {backends.text}")
        build.add(
            Node(
                f"core-svc-{svc_name}",
                4,
                "core-service",
                f"Service {svc_name}",
                tuple(lines),
                ObjectRef("Service (core)", svc_name) if ks else None,
                paths,
                colour,
                missing=ks is None,
            )
        )


def _add_revision(
    build: _Builder,
    revision: Mapping[str, Any] | None,
    name: str,
    paths: frozenset[str],
    colour: int,
    notes: list[str],
) -> None:
    """Column 5: the Revision, or a missing box (and a note) for one the routes name but the cluster
    does not hold."""
    if revision is not None:
        build.add(_revision_node(revision, paths, colour))
        return
    notes.append(f"Routes send traffic to revision {name}, which the cluster does not hold.")
    build.add(
        Node(
            f"rev-{name}",
            5,
            "revision",
            f"Revision {name}",
            ("not found",),
            None,
            paths,
            colour,
            missing=True,
        )
    )


def _add_pods(
    build: _Builder, revision: str, pods: Sequence[Mapping[str, Any]], paths: frozenset[str], colour: int
) -> None:
    """Column 6: the revision's pods, or one "scaled to zero" box."""
    for pod in pods:
        pod_name = name_of(pod)
        build.add(
            Node(
                f"pod-{pod_name}",
                6,
                "pod",
                pod_name,
                (pod_status(pod),),
                ObjectRef("Pod", pod_name),
                paths,
                colour,
            )
        )
        build.link(f"rev-{revision}", f"pod-{pod_name}")
    if not pods:
        build.add(Node(f"nopods-{revision}", 6, "empty", "no pods", ("scaled to zero",), None, paths, colour))
        build.link(f"rev-{revision}", f"nopods-{revision}")


def _revision_node(revision: Mapping[str, Any], paths: frozenset[str], colour: int) -> Node:
    name = name_of(revision)
    state = readiness(revision)
    status = revision.get("status", {})
    lines = [
        _clip(env_text(env))
        for c in revision.get("spec", {}).get("containers") or ()
        for env in c.get("env") or ()
        if is_version_var(str(env.get("name", "")))
    ]
    lines.append(f"Ready {state.ready}")
    if status.get("actualReplicas") is not None:
        lines.append(f"replicas {status.get('actualReplicas')}/{status.get('desiredReplicas', '-')}")
    return Node(
        f"rev-{name}",
        5,
        "revision",
        f"Revision {name}",
        tuple(lines),
        ObjectRef("Revision", name),
        paths,
        colour,
    )


# -------------------------------------------------------------------------------------------- layout


def layout(
    nodes: Sequence[Node], edges: Sequence[Edge], titles: Sequence[str] = COLUMNS
) -> tuple[tuple[Node, ...], tuple[Edge, ...], tuple[Column, ...], float, float]:
    """Place nodes in their columns (top to bottom, input order) and route edges between them.

    Columns are as wide as a wrapped row (or their title), not as their longest text: a page fitting
    the drawing to its width would otherwise rescale it, type and all, each time a pod came or went
    or a status changed its wording. Heights fit the lines; edges are cubic curves from the right
    middle of the source to the left middle of the target, labelled at their midpoint."""
    widths = [max(len(title), WRAP) * CHAR_WIDTH + 2 * PADDING for title in titles]
    for n in nodes:
        longest = max(len(text) for text in n.rows)
        widths[n.column] = max(widths[n.column], longest * CHAR_WIDTH + 2 * PADDING)
    xs: list[float] = []
    x = PADDING
    for w in widths:
        xs.append(x)
        x += w + COLUMN_GAP
    total_width = x - COLUMN_GAP + PADDING
    tops = [HEADER_HEIGHT + PADDING] * len(titles)
    placed: dict[str, Node] = {}
    for n in nodes:
        height = _height(n)
        placed[n.id] = replace(n, x=xs[n.column], y=tops[n.column], width=widths[n.column], height=height)
        tops[n.column] += height + NODE_GAP
    total_height = max(tops) + PADDING
    routed: list[Edge] = []
    for e in edges:
        a, b = placed[e.source], placed[e.target]
        x1, y1, x2, y2 = a.x + a.width, a.mid_y, b.x, b.mid_y
        mx = (x1 + x2) / 2
        d = f"M{x1:.1f},{y1:.1f} C{mx:.1f},{y1:.1f} {mx:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
        routed.append(Edge(e.source, e.target, e.paths, e.label, d, mx, (y1 + y2) / 2 - 3))
    columns = tuple(Column(title, xs[i]) for i, title in enumerate(titles))
    return tuple(placed.values()), tuple(routed), columns, total_width, total_height


def _height(n: Node) -> float:
    return len(n.rows) * LINE_HEIGHT + 2 * PADDING - (LINE_HEIGHT - FONT_SIZE)


def layout_narrow(
    nodes: Sequence[Node], edges: Sequence[Edge], titles: Sequence[str] = COLUMNS, width: float = NARROW_WIDTH
) -> Drawing:
    """The columns as bands, top to bottom: each band's title, then its boxes left to right (each as wide
    as its own text), wrapping onto a new row beyond `width`; edges run from a box's bottom middle to
    the next band's box's top middle. Bands without boxes are left out."""
    placed: dict[str, Node] = {}
    columns: list[Column] = []
    y = PADDING
    right = 0.0
    for index, title in enumerate(titles):
        band = [n for n in nodes if n.column == index]
        if not band:
            continue
        columns.append(Column(title, PADDING, y + FONT_SIZE + 2))
        y += HEADER_HEIGHT - PADDING
        x, row_height = PADDING, 0.0
        for n in band:
            w = max(len(text) for text in n.rows) * CHAR_WIDTH + 2 * PADDING
            h = _height(n)
            if x > PADDING and x + w > width - PADDING:
                x, y, row_height = PADDING, y + row_height + NODE_GAP, 0.0
            placed[n.id] = replace(n, x=x, y=y, width=w, height=h)
            right = max(right, x + w)
            x += w + NODE_GAP
            row_height = max(row_height, h)
        y += row_height + BAND_GAP
    routed: list[Edge] = []
    for e in edges:
        a, b = placed[e.source], placed[e.target]
        x1, y1, x2, y2 = a.x + a.width / 2, a.y + a.height, b.x + b.width / 2, b.y
        my = (y1 + y2) / 2
        d = f"M{x1:.1f},{y1:.1f} C{x1:.1f},{my:.1f} {x2:.1f},{my:.1f} {x2:.1f},{y2:.1f}"
        routed.append(Edge(e.source, e.target, e.paths, e.label, d, (x1 + x2) / 2, my + 4))
    return Drawing(
        tuple(placed.values()), tuple(routed), tuple(columns), right + PADDING, y - BAND_GAP + PADDING
    )
