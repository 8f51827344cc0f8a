"""Reading the dashboard's HTML in tests: a section's inside, and the names its rows carry."""

from __future__ import annotations

import re


def section(html: str, name: str) -> str:
    """The inside of the page's slot `<section ... id="name" sse-swap="name">`."""
    match = re.search(
        rf'<section class="card slot" id="{name}" sse-swap="{name}">(.*?)</section>', html, re.S
    )
    assert match is not None, f"no section {name!r} in the page"
    return match.group(1)


def row_names(html: str, element: str = "tr") -> list[str]:
    """The `data-name` of each `element` (table rows by default), in page order."""
    return re.findall(rf'<{element}[^>]* data-name="([^"]*)"', html)


def attribute_values(html: str, attribute: str) -> list[str]:
    return re.findall(rf'\b{attribute}="([^"]*)"', html)


def sse_events(text: str) -> list[tuple[str, str]]:
    """(event, data) pairs of a text/event-stream body (comments skipped)."""
    events = []
    for block in text.split("\n\n"):
        name, data = "message", []
        for line in block.splitlines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])
        if data:
            events.append((name, "\n".join(data)))
    return events
