"""The demo tools' view models: a probe's tally beside the configured split, the URLs the audience can
open, and everything the demo page draws for one Service.

Pure data and functions: the web layer (app.web.demo) reads the running probe and the cluster, and
passes in what is needed (a QR code maker, the colours of the revisions).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from app.model.bodies import Obj, name_of
from app.model.explain import DEFAULT_PATH, ExplainGraph
from app.model.faults import Faults, faults_of
from app.model.probestats import Answer, Comparison
from app.model.views import PALETTE_SIZE, ServiceView
from app.model.views.knative import revision_order


@dataclass(frozen=True)
class ShareBar:
    """One revision's row of the tally, with its scale positions (0-100) for the bar."""

    revision: str
    colour: int
    configured: int
    count: int
    observed_pct: float
    low_pct: float
    high_pct: float
    expected: tuple[int, int]
    verdict: str
    wording: str


def share_bars(comparison: Comparison, colours: Mapping[str, int]) -> tuple[ShareBar, ...]:
    """The comparison's rows as bars, each in its revision's colour."""
    return tuple(
        ShareBar(
            r.revision,
            colours.get(r.revision, PALETTE_SIZE),
            r.configured,
            r.count,
            round(r.observed * 100, 1),
            round(r.interval.low * 100, 1),
            round(r.interval.high * 100, 1),
            r.expected,
            r.verdict,
            r.wording,
        )
        for r in comparison.rows
    )


@dataclass(frozen=True)
class TickerLine:
    """One answer as the lab's curl loop shows it: status, revision (in its colour), version, text."""

    status: str
    ok: bool
    revision: str
    colour: int
    version: str
    text: str


def ticker_lines(answers: Iterable[Answer], colours: Mapping[str, int]) -> tuple[TickerLine, ...]:
    """The answers as ticker lines, in the order given."""
    return tuple(
        TickerLine(
            a.status,
            a.ok,
            a.revision or "",
            colours.get(a.revision or "", PALETTE_SIZE),
            a.version or "",
            a.text,
        )
        for a in answers
    )


@dataclass(frozen=True)
class ProbeView:
    """A probe as pages and the JSON API show it."""

    id: str
    namespace: str
    service: str
    target: str
    """The route or tag URL probed."""
    tag: str | None
    state: str
    count: int
    rate: float
    duration: float
    sent: int
    attributed: int
    unattributed: int
    errors: int
    last_error: str
    elapsed: float
    verdict: str
    summary: str
    rows: tuple[ShareBar, ...]
    split_changed: bool
    """The URL's configured split is not (yet) the one the probe compares with."""
    window: int = 0
    """Answers in the window the rows compare (sent since the split last changed)."""
    window_size: int = 0
    """The most answers the window keeps (0: all since the last change)."""
    split_changes: int = 0
    """How often the probe saw the split change (each time its window restarted)."""
    window_age: float = 0.0
    """Seconds since the window (re)started."""
    ticker: tuple[TickerLine, ...] = ()
    """The latest answers, newest first."""


@dataclass(frozen=True)
class TagLink:
    """A URL the audience can open: the route's or a tag's, with its QR code."""

    label: str
    tag: str | None
    url: str
    qr: str
    """SVG markup, already safe to embed (the web layer gives a markupsafe.Markup)."""


def tag_links(graph: ExplainGraph, qr: Callable[[str], str]) -> tuple[TagLink, ...]:
    """The graph's paths that have a URL, each with its QR code made by `qr`."""
    return tuple(
        TagLink(p.label, None if p.key == DEFAULT_PATH else p.key, p.url, qr(p.url))
        for p in graph.paths
        if p.url
    )


@dataclass(frozen=True)
class DemoView:
    """Everything the demo page draws for one Service."""

    service: ServiceView
    graph: ExplainGraph
    selected: str
    links: tuple[TagLink, ...]
    present: bool
    """Presenter mode: large type, high contrast, QR codes."""
    faults: tuple[RevisionFaults, ...] | None = None
    """Each revision's simulated faults, newest revision first; None: fault injection is off."""


@dataclass(frozen=True)
class RevisionFaults:
    """A revision and what its `sim.splitboard.dev/faults` annotation asks of the simulated gateway."""

    revision: str
    faults: Faults


def revision_faults(revisions: Iterable[Obj]) -> tuple[RevisionFaults, ...]:
    """Each revision with the faults its annotation asks for, newest first (the candidate on top)."""
    ordered = sorted(revisions, key=revision_order)
    return tuple(RevisionFaults(name_of(r), faults_of(r)) for r in ordered)
