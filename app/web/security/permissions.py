"""Whether this request may change a Service's traffic: for templates (offer the editor or not) and as
a dependency that refuses the write on the server whatever the page showed.

No editor and a refused write when the dashboard is read-only, the request has no identity (see
policy.py), or Splitboard's own Kubernetes identity may not patch that Knative Service (a
SelfSubjectAccessReview, kept briefly by app.kube.access.AccessChecker).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import HTTPException, Request

from app.kube.access import AccessChecker
from app.settings import Settings
from app.web.security.guarding import SAFE_METHODS, Guard, unauthenticated
from app.web.security.policy import Identity

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Security:
    """The app's security collaborators, on `app.state.security` (built by install_security)."""

    settings: Settings
    guard: Guard
    access: Callable[[], AccessChecker]
    """The current cluster's access reviews (switching the kubeconfig context replaces them)."""


def security_of(request: Request) -> Security:
    security: Security = request.app.state.security
    return security


def identity_of(request: Request) -> Identity | None:
    """Who sent the request (None: nobody who may write); set by the guard."""
    identity: Identity | None = request.scope.get("state", {}).get("identity")
    return identity


def acting_user(request: Request) -> str | None:
    """The name to record in the history Event (None when the dashboard is open on loopback)."""
    identity = identity_of(request)
    return identity.user if identity else None


def edit_refusal(request: Request, namespace: str, name: str) -> str | None:
    """Why this request may not change the Service's traffic, or None when it may."""
    security = security_of(request)
    if security.settings.read_only:
        return "Splitboard runs read-only: traffic cannot be changed here."
    if identity_of(request) is None:
        return unauthenticated(security.guard.policy.mode)
    if not security.access().can_patch(namespace, name):
        return (
            f"Splitboard's Kubernetes identity may not patch services.serving.knative.dev"
            f" {name!r} in namespace {namespace!r}."
        )
    return None


def probe_refusal(request: Request) -> str | None:
    """Why this request may not start a traffic probe, or None when it may.

    A probe sends up to thousands of requests to the Service's URLs, so it needs what a write needs:
    a dashboard that is not read-only and a request with an identity. It changes nothing in the
    cluster, so Splitboard's own permission to patch the Service is not asked."""
    security = security_of(request)
    if security.settings.read_only:
        return "Splitboard runs read-only: probes, which send traffic to the Service, are off."
    if identity_of(request) is None:
        return unauthenticated(security.guard.policy.mode)
    return None


def can_edit(request: Request, namespace: str, name: str) -> bool:
    """Whether to offer the traffic editor (sliders) for this Service. Blocking: call from a thread."""
    return edit_refusal(request, namespace, name) is None


def require_edit(request: Request, namespace: str, name: str) -> None:
    """Dependency for every route that writes a Service's traffic: 403 unless `can_edit`.
    Safe methods pass (attach it to a whole router); FastAPI runs it in a worker thread."""
    if request.method in SAFE_METHODS:
        return
    refusal = edit_refusal(request, namespace, name)
    if refusal is not None:
        raise HTTPException(status_code=403, detail=refusal)


def may_reveal(request: Request) -> bool:
    """Whether this request may see secret-like env values unmasked: it needs an identity (the one
    writing needs), so an anonymous reader, or a page another site rebinds, never does."""
    return identity_of(request) is not None


def require_reveal(request: Request, namespace: str, name: str) -> None:
    """Allow (and log) showing a Service's secret-like env values, or 403 saying what would allow it."""
    if not may_reveal(request):
        message = unauthenticated(security_of(request).guard.policy.mode)
        raise HTTPException(status_code=403, detail=f"Showing hidden values needs an identity. {message}")
    identity = identity_of(request)
    client = request.scope.get("state", {}).get("client_address")
    who = identity.user if identity and identity.user else "the local user"
    log.info("revealed secret-like env values of %s/%s to %s (from %s)", namespace, name, who, client)
