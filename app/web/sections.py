"""The sections of the namespace and Service pages: their names (also the SSE event names), which
object kinds each one shows, and how each is rendered from its partial."""

from __future__ import annotations

from app.model.views import NamespaceOverview, ServiceView
from app.web.disclosure import EVERYTHING, Window
from app.web.templating import PARTIALS, Renderer

NAMESPACE_SECTIONS = (
    "summary",
    "services",
    "revisions",
    "routes",
    "ingresses",
    "virtualservices",
    "core_services",
    "pods",
)
SERVICE_SECTIONS = (
    "services",
    "routes",
    "revisions",
    "conditions",
    "ingresses",
    "virtualservices",
    "core_services",
    "pods",
    "yaml",
)
LONG_SECTIONS = frozenset(NAMESPACE_SECTIONS) - {"summary"}
"""Sections that may hold hundreds of items: sent a window at a time (app.web.disclosure)."""
LIVE_SERVICE_SECTIONS = tuple(s for s in SERVICE_SECTIONS if s != "yaml")
"""The YAML section is reloaded on request, not pushed: a push would close the objects a reader opened."""

AGED_SECTIONS = frozenset({"services", "revisions", "core_services", "pods", "conditions"})
"""Sections that show ages, re-rendered now and then even when nothing changes."""

_AFFECTED: dict[str, frozenset[str]] = {
    "services": frozenset({"summary", "services", "conditions"}),
    "configurations": frozenset({"conditions"}),
    "revisions": frozenset({"summary", "services", "revisions", "pods", "conditions"}),
    # A Service's row shows a gradual rollout from its Route's status and its KIngress's annotation.
    "routes": frozenset({"summary", "services", "revisions", "routes", "conditions"}),
    "ingresses": frozenset({"summary", "services", "ingresses"}),
    "virtualservices": frozenset({"summary", "virtualservices"}),
    "core_services": frozenset({"summary", "core_services"}),
    # These three only fill in the Kubernetes Services' owner chains and backends.
    "serverlessservices": frozenset({"core_services"}),
    "podautoscalers": frozenset({"core_services"}),
    "endpoints": frozenset({"core_services"}),
    "pods": frozenset({"summary", "pods"}),
}


SECTION_PARTS: dict[str, frozenset[str]] = {
    "summary": frozenset(),
    "services": frozenset({"services"}),
    "revisions": frozenset({"revisions"}),
    "routes": frozenset({"routes"}),
    "ingresses": frozenset({"kingresses"}),
    "virtualservices": frozenset({"virtualservices"}),
    "core_services": frozenset({"core_services"}),
    "pods": frozenset({"pods"}),
}
"""The overview's lists (app.model.views.OVERVIEW_PARTS) each namespace section shows: a change
builds only the lists of the sections it affects (the summary and flags are always built)."""


def affected_sections(kind: str) -> frozenset[str]:
    """The sections that show objects of `kind` (a NamespaceObjects field name)."""
    return _AFFECTED.get(kind, frozenset())


def namespace_section(
    renderer: Renderer, name: str, overview: NamespaceOverview, window: Window = EVERYTHING
) -> str:
    """Section `name` with the items of `window` (app.web.disclosure)."""
    return (
        renderer.macro(PARTIALS, name, overview, window)
        if name in LONG_SECTIONS
        else renderer.macro(PARTIALS, name, overview)
    )


def namespace_items(renderer: Renderer, name: str, overview: NamespaceOverview, window: Window) -> str:
    """Only the items of `window` of a long section (and what loads the ones after them)."""
    return renderer.macro(PARTIALS, f"{name}_items", overview, window)


def core_service_group(
    renderer: Renderer, overview: NamespaceOverview, key: str, open: bool, query: str
) -> str | None:
    """One group of Kubernetes Services, open or folded (None: no such group now)."""
    for group in overview.core_services.groups:
        if group.key == key:
            return renderer.macro(PARTIALS, "core_service_group", overview.namespace, group, open, query)
    return None


def service_section(renderer: Renderer, name: str, view: ServiceView) -> str:
    return renderer.macro(PARTIALS, name, view if name in ("conditions", "yaml") else view.sections)
