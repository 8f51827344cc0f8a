"""How many malloc arenas the process may use (glibc's `M_ARENA_MAX`).

glibc gives each thread that contends for malloc an arena of its own, up to eight per core, and an
arena keeps the memory freed into it. The dashboard runs a watch thread per kind, a checker, a probe
and uvicorn's workers, all decoding JSON: with one cluster's objects cached (`make bench`'s wide
cluster, 47,006 objects) the process took 234 MB with glibc's default and 210-220 MB with two arenas.
Two, as the `MALLOC_ARENA_MAX=2` usual for Python servers; an explicit `MALLOC_ARENA_MAX` wins.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from collections.abc import Mapping

ARENAS = 2
M_ARENA_MAX = -8
"""mallopt's parameter number (glibc's malloc.h)."""


def limit_malloc_arenas(env: Mapping[str, str], arenas: int = ARENAS) -> bool:
    """Limit glibc's malloc to `arenas` arenas, unless `MALLOC_ARENA_MAX` is set (glibc read it at
    start) or this is not glibc; call before starting threads. Whether the limit was set here."""
    if "MALLOC_ARENA_MAX" in env or not sys.platform.startswith("linux"):
        return False
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    return bool(mallopt(M_ARENA_MAX, arenas))
