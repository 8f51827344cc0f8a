"""The namespace list's page, its fragments (further rows, a filter's rows, the system namespaces) and
its stream. Each joins rows rendered once per change of their namespace (`listing`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from markupsafe import Markup

from app.model.views.namespacelist import ListCounts, RowWindow, first_rows, more_rows
from app.web import loading
from app.web.dashboard import Dashboard, DashboardDep
from app.web.events import rendered_or_nothing, respond, subscribe
from app.web.loading import LoadError
from app.web.nslist.listing import ListedRow, Listing
from app.web.nslist.stream import LIST, SYSTEM, ListStream
from app.web.pages import render_page
from app.web.sections import affected_sections
from app.web.templating import PARTIALS
from app.web.urls import path_for

router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)

FRAGMENTS = (LIST, SYSTEM)


@dataclass(frozen=True)
class ListView:
    """What the list's partials show: the header's counts, the rows of a window and how many follow
    it (fetched from `more`), the filter's query and how many rows it matched in all."""

    counts: ListCounts
    rows: tuple[Markup, ...]
    names: tuple[str, ...] = ()
    left: int = 0
    more: str = ""
    query: str = ""
    matched: int = 0


def list_view(request: Request, listing: Listing, query: str, window: RowWindow) -> ListView:
    rows = listing.matching(query)
    more = path_for(request, "namespaces_section", section=LIST)
    more += f"?offset={window.next_offset}" + (f"&q={_quoted(query)}" if query else "")
    return ListView(
        counts=listing.counts,
        rows=tuple(row.html for row in window.cut(rows)),
        left=window.left(rows),
        more=more,
        query=query,
        matched=len(rows),
    )


def system_view(listing: Listing) -> ListView:
    return _whole(listing, listing.folded)


def _whole(listing: Listing, rows: Sequence[ListedRow]) -> ListView:
    return ListView(listing.counts, tuple(r.html for r in rows), tuple(r.name for r in rows))


def _quoted(query: str) -> str:
    return quote(query, safe="")


@router.get("/", name="namespaces_page")
async def namespaces_page(
    request: Request, dashboard: DashboardDep, q: Annotated[str, Query(max_length=253)] = ""
) -> HTMLResponse:
    """The first screenful of the list; `q` narrows it to names containing it (what the filter box
    does without a script)."""
    return await dashboard.renders.run(_namespaces_page, request, dashboard, q.strip())


def _namespaces_page(request: Request, dashboard: Dashboard, q: str) -> HTMLResponse:
    listing = loading.namespace_listing(dashboard)
    context = {
        "listed": list_view(request, listing, q, first_rows()),
        "system": system_view(listing),
        "system_url": path_for(request, "namespaces_section", section=SYSTEM),
        "section_url": path_for(request, "namespaces_section", section="_"),
        "query": q,
        "events": path_for(request, "namespaces_events") + f"?shown={listing.generation}",
    }
    return render_page(request, dashboard, "index.html", context)


@router.get("/sections/{section}", name="namespaces_section")
async def namespaces_fragment(
    request: Request,
    dashboard: DashboardDep,
    section: str,
    offset: Annotated[int | None, Query(ge=0)] = None,
    q: Annotated[str, Query(max_length=253)] = "",
) -> HTMLResponse:
    """The list as the page first shows it (narrowed to names containing `q`), or only its rows from
    `offset` (scrolled to); or the system namespaces' rows (their disclosure opened)."""
    if section not in FRAGMENTS:
        raise LoadError(404, "No such section", f"Sections are: {', '.join(FRAGMENTS)}.")
    return await dashboard.renders.run(_fragment, request, dashboard, section, offset, q.strip())


def _fragment(
    request: Request, dashboard: Dashboard, section: str, offset: int | None, q: str
) -> HTMLResponse:
    listing = loading.namespace_listing(dashboard)
    renderer = dashboard.renderer
    if section == SYSTEM:
        return HTMLResponse(renderer.macro(PARTIALS, "namespace_table", system_view(listing)))
    if offset is not None:
        return HTMLResponse(
            renderer.macro(PARTIALS, "namespace_rows", list_view(request, listing, q, more_rows(offset)))
        )
    return HTMLResponse(renderer.macro(PARTIALS, "namespaces", list_view(request, listing, q, first_rows())))


@router.get("/events", name="namespaces_events")
async def namespaces_events(
    request: Request, dashboard: DashboardDep, shown: Annotated[int | None, Query(ge=0)] = None
) -> StreamingResponse:
    """The list's stream: on connect the first screenful (unless the list is still the one the page
    showed, its generation `shown`), then one event per changed row (swapped by its id), the header's
    counts when they change, and the first screenful again only when the list's order or membership
    changed."""
    feed = await subscribe(dashboard, None)
    stream = ListStream(
        first=lambda listing: dashboard.renderer.macro(
            PARTIALS, "namespaces", list_view(request, listing, "", first_rows())
        ),
        system=lambda listing: dashboard.renderer.macro(
            PARTIALS,
            "system_namespaces",
            system_view(listing),
            path_for(request, "namespaces_section", section=SYSTEM),
        ),
        counts=lambda listing: dashboard.renderer.macro(PARTIALS, "namespace_counts", listing.counts),
        shown=shown,
    )

    def render(names: frozenset[str]) -> list[tuple[str, str]]:
        return stream.events(loading.namespace_listing(dashboard))

    def affected(kind: str) -> frozenset[str]:
        """The kinds the rows count (the stream finds which rows changed)."""
        return frozenset({LIST}) if kind == "namespaces" or affected_sections(kind) else frozenset()

    return respond(dashboard, feed, rendered_or_nothing(render), (LIST,), affected)
