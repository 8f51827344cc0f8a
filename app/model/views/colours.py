"""One colour slot per revision, so every bar, row and pod group shows a revision alike."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping

from app.model.bodies import Obj, labels_of, name_of
from app.model.labels import CONFIGURATION_GENERATION_LABEL

PALETTE_SIZE = 8
"""Split colours cycle through this many CSS classes (`c0` .. `c7`)."""


def revision_generation(revision: Obj) -> int | None:
    """The Configuration generation that created the revision (label), None if absent."""
    value = labels_of(revision).get(CONFIGURATION_GENERATION_LABEL)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def colour_index(revision_name: str, generation: int | None) -> int:
    """A stable colour slot: consecutive generations get distinct colours; unknown ones hash their name."""
    if generation is not None:
        return generation % PALETTE_SIZE
    return zlib.crc32(revision_name.encode()) % PALETTE_SIZE


def revision_colours(revisions: Iterable[Obj]) -> dict[str, int]:
    """Colour slot per revision name, so every bar, row and pod group shows a revision alike."""
    return {name_of(r): colour_index(name_of(r), revision_generation(r)) for r in revisions}


def colour_of(colours: Mapping[str, int], revision: str) -> int:
    return colours.get(revision, colour_index(revision, None))
