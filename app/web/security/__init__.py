"""Security for the dashboard: who may write, CSRF, same-origin writes, trusted hosts, headers.

What others call:
- `install_security(app, settings, access)`: once, in build_app (`access()`: the AccessChecker).
- `acting_user(request) -> str | None`: the user for the history Event.
- `can_edit(request, namespace, name) -> bool` / `edit_refusal(...) -> str | None`: offer the editor?
- `require_edit`: dependency on every route that writes a Service's traffic (403 otherwise).
- `probe_refusal(request) -> str | None`: why this request may not start a traffic probe.
- `require_reveal(request, namespace, name)`: before showing secret-like env values unmasked (403
  without an identity; logged).
Templates: `<body hx-headers='{"X-CSRF-Token": "{{ csrf_token() }}"}'>` makes htmx send the token;
a plain form adds `<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">`.
"""

from app.web.security.installing import install_security
from app.web.security.permissions import (
    acting_user,
    can_edit,
    edit_refusal,
    probe_refusal,
    require_edit,
    require_reveal,
)

__all__ = [
    "acting_user",
    "can_edit",
    "edit_refusal",
    "install_security",
    "probe_refusal",
    "require_edit",
    "require_reveal",
]
