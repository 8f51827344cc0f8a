"""Starting a probe: who asks, whether they may, and what it needs from the cluster (which URL, how to
reach it, the split it serves, how answers name their revision)."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request

from app.model.bodies import name_of
from app.model.probestats import Attribution, PatternError, compile_pattern, configured_split, version_map
from app.model.views import service_scope
from app.web import loading
from app.web.dashboard import Dashboard
from app.web.demo.probing import ProbeError, ProbeRegistry, ProbeSpec, ProbeTarget, probe_spec, probe_target
from app.web.demo.views import route_of
from app.web.loading import LoadError, NoSuchKnativeService
from app.web.security.permissions import identity_of

Plan = tuple[ProbeSpec, ProbeTarget, list[tuple[str, int]], Attribution]
"""What a probe is started with: its spec, where it sends, the split served, how answers are read."""


def requester(request: Request) -> str:
    """Whom a probe start counts against: the user a trusted proxy names (many users share its
    address), else the client's address."""
    identity = identity_of(request)
    if identity is not None and identity.via == "proxy" and identity.user:
        return f"user:{identity.user}"
    return f"address:{request.client.host if request.client else ''}"


def refused(exc: ProbeError) -> LoadError:
    """A probe that cannot start as an HTTP error (with Retry-After when started too often)."""
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
    return LoadError(exc.status, "Cannot start the probe", str(exc), headers=headers)


def plan(
    dashboard: Dashboard, registry: ProbeRegistry, namespace: str, name: str, fields: Mapping[str, str]
) -> Plan:
    """Everything a probe needs from the cluster, read in a worker thread. ProbeError/LoadError on failure."""
    spec = probe_spec(namespace, name, fields, registry.limits)
    try:
        pattern = compile_pattern(spec.pattern)
    except PatternError as exc:
        raise ProbeError(str(exc), status=422) from None
    scope = service_scope(loading.namespace_objects(dashboard, namespace), name)
    if scope is None:
        raise NoSuchKnativeService(namespace, name)
    status = (route_of(scope.routes, name) or {}).get("status", {})
    entries = [e for e in status.get("traffic") or () if isinstance(e, Mapping)]
    cluster_urls = [str(status.get("url") or "")] + [str(e.get("url") or "") for e in entries]
    url = _probed_url(name, spec.tag, cluster_urls[0], entries)
    # through the configured ingress address with the URL's Host header, else to the URL itself
    target = probe_target(url, cluster_urls, dashboard.settings.ingress_url or None)
    configured = configured_split(entries, spec.tag)
    attribution = Attribution(
        pattern=pattern,
        versions=version_map(scope.revisions, routed=[r for r, _ in configured]),
        revisions=frozenset(name_of(r) for r in scope.revisions),
    )
    return spec, target, configured, attribution


def _probed_url(name: str, tag: str | None, route_url: str, entries: list[Mapping[str, object]]) -> str:
    """The Route's URL (no tag) or the tag's; ProbeError when the Route has none yet."""
    if tag is None:
        url = route_url
    else:
        url = next((str(e.get("url") or "") for e in entries if e.get("tag") == tag), "")
        if not url:
            raise ProbeError(f"the Route {name} serves no tag {tag!r}")
    if not url:
        raise ProbeError(f"the Route {name} has no URL yet")
    return url
