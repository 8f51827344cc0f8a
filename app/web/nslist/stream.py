"""What the list's stream sends after each change: only what differs from what it sent before.

A change in one of a thousand namespaces used to resend the whole list to every open stream (400 KB
each). Each stream now remembers the rows it sent: a changed row goes alone, as the event
`row:<namespace>` its `<tr>` swaps itself with; the header's counts go when they change; the first
screenful goes again only when the list's order or membership changed (a namespace came, went, or
gained its first Knative Service), and the system namespaces' disclosure when its members did (with a
loader of its rows, as the page has it: static/app.js loads them at once when the group is open).
"""

from __future__ import annotations

from collections.abc import Callable

from app.web.nslist.listing import Listing

LIST = "namespaces"
SYSTEM = "system_namespaces"
COUNTS = "namespace_counts"


def row_event(namespace: str) -> str:
    """The event that replaces one namespace's row (its `sse-swap`, templates/partials.html)."""
    return f"row:{namespace}"


class ListStream:
    """One stream's memory of what it sent, and the events that bring it up to a new listing."""

    def __init__(
        self,
        first: Callable[[Listing], str],
        system: Callable[[Listing], str],
        counts: Callable[[Listing], str],
        shown: int | None = None,
    ) -> None:
        """`first`, `system` and `counts` render the list's first screenful, the system namespaces'
        disclosure and the header's counts; `shown` is the generation of the listing the page showed
        (if the page said)."""
        self._first, self._system, self._counts = first, system, counts
        self._shown = shown
        self._rows: dict[str, str] | None = None
        self._order: tuple[str, ...] = ()
        self._folded: tuple[str, ...] = ()
        self._counted: object = None

    def events(self, listing: Listing) -> list[tuple[str, str]]:
        """(event, HTML) pairs. The first call sends the first screenful and the system disclosure,
        unless the listing is still the one the page showed: then nothing."""
        rows = {row.name: str(row.html) for row in (*listing.shown, *listing.folded)}
        order = tuple(row.name for row in listing.shown)
        folded = tuple(row.name for row in listing.folded)
        if self._rows is None and listing.generation == self._shown:
            self._rows, self._order, self._folded, self._counted = rows, order, folded, listing.counts
            return []
        sent, self._rows = self._rows, rows
        events: list[tuple[str, str]] = []
        if sent is None or order != self._order:
            events.append((LIST, self._first(listing)))
            self._counted = listing.counts
        if sent is None or folded != self._folded:
            events.append((SYSTEM, self._system(listing)))
        if self._counted != listing.counts:
            events.append((COUNTS, self._counts(listing)))
        self._order, self._folded, self._counted = order, folded, listing.counts
        if sent is not None:
            # Rows of namespaces that stayed in place; a list sent whole above holds its first rows,
            # and rows further down (loaded by scrolling) still need their own events.
            events += [(row_event(name), html) for name, html in rows.items() if sent.get(name, html) != html]
        return events
