"""Paths to the dashboard's own pages, built from their route names in Python and in templates (the
`path_for` global), so a moved route cannot leave a link pointing at nothing."""

from __future__ import annotations

import functools
from urllib.parse import quote

from fastapi import Request
from starlette.routing import Router


class RoutePaths:
    """`paths("service_page", namespace="a", name="b")` gives "/namespaces/a/services/b".

    Each value is percent-encoded as a whole: names come from the cluster, and a path must carry them
    as they are. Paths, not URLs: links stay relative to the host the browser used.

    Paths are kept once made: the router finds one by trying every route, and a namespace's section
    links to dozens of groups, each time it is rendered."""

    def __init__(self, router: Router) -> None:
        self._router = router
        self._path = functools.lru_cache(maxsize=8192)(self._made)

    def __call__(self, name: str, /, **params: object) -> str:
        return self._path(name, tuple(sorted((key, str(value)) for key, value in params.items())))

    def _made(self, name: str, params: tuple[tuple[str, str], ...]) -> str:
        quoted = {key: quote(value, safe="") for key, value in params}
        return str(self._router.url_path_for(name, **quoted))


def path_for(request: Request, name: str, /, **params: object) -> str:
    """The path of route `name` in the app serving `request`."""
    return RoutePaths(request.app.router)(name, **params)
