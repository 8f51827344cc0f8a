"""Who may write (and read): the authentication modes chosen from the settings, and the identity of a
request.

Reading is open to whoever reaches the dashboard unless SPLITBOARD_READ_AUTH asks for the same identity
as writing (`token` or `proxy`). Every state-changing request needs an identity:
- `open`: bound to a loopback address and no token set: whoever can reach it is the machine's user;
- `token`: `Authorization: Bearer <token>`, or the session cookie the sign-in page sets for it;
- `proxy`: user headers (e.g. oauth2-proxy's X-Forwarded-User/-Email) from a trusted proxy address;
- `closed`: nobody (bound beyond loopback with no token and no proxy): the dashboard is read-only.
"""

from __future__ import annotations

import enum
import hmac
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

from app.settings import Settings

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
LOOPBACK_NAMES = ("localhost",)
MAX_USER_LENGTH = 253
MAX_NAME_LENGTH = 64
"""A name given at sign-in: short enough for history tables."""


class Mode(enum.StrEnum):
    OPEN = "open"
    TOKEN = "token"
    PROXY = "proxy"
    CLOSED = "closed"


@dataclass(frozen=True)
class Identity:
    """Who sent a request and how they proved it; `user` is what the history Event records."""

    user: str | None
    via: str
    """"loopback", "bearer", "session" or "proxy"."""


def is_loopback(host: str) -> bool:
    """Whether a listen address (or Host name) is the local machine only."""
    name = host.strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class WritePolicy:
    """The authentication mode and what it needs; `from_settings` checks the combination."""

    mode: Mode
    token: str | None = None
    user_header: str = "X-Forwarded-User"
    email_header: str = "X-Forwarded-Email"
    proxies: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> WritePolicy:
        """The policy of `settings`; ValueError for a mode that cannot work (e.g. token without one)."""
        token = _token(settings)
        wanted = settings.auth.strip().lower()
        proxies = trusted_networks(settings)
        headers = {"user_header": settings.proxy_user_header, "email_header": settings.proxy_email_header}
        if wanted == "token":
            if token is None:
                raise ValueError("auth=token needs SPLITBOARD_AUTH_TOKEN or SPLITBOARD_AUTH_TOKEN_FILE")
            return cls(Mode.TOKEN, token)
        if wanted == "proxy":
            if not proxies:
                raise ValueError("auth=proxy needs SPLITBOARD_TRUSTED_PROXIES (the proxy's addresses)")
            return cls(Mode.PROXY, None, proxies=proxies, **headers)
        if wanted != "auto":
            raise ValueError(f"auth={settings.auth!r}: expected auto, token or proxy")
        if token is not None:
            return cls(Mode.TOKEN, token)
        return cls(Mode.OPEN if is_loopback(settings.host) else Mode.CLOSED)

    def identify(
        self, headers: Mapping[str, str], client: str | None, session_user: str | None
    ) -> Identity | None:
        """The identity of a request (`headers` lower-cased names; `session_user`: the user of a valid
        sign-in cookie)."""
        if self.mode is Mode.OPEN:
            # No token to check; a script's Authorization header (one no browser adds) still marks it
            # as a script, which needs no CSRF token.
            return Identity(None, "bearer" if _is_bearer(headers.get("authorization")) else "loopback")
        if self.mode is Mode.TOKEN:
            if self.bearer_matches(headers.get("authorization")):
                return Identity("token", "bearer")
            return Identity(session_user, "session") if session_user else None
        if self.mode is Mode.PROXY and self._trusted(client):
            user = user_value(headers.get(self.user_header.lower())) or user_value(
                headers.get(self.email_header.lower())
            )
            return Identity(user, "proxy") if user else None
        return None

    def bearer_matches(self, authorization: str | None) -> bool:
        """Whether an Authorization header carries the token (compared in constant time)."""
        if self.token is None or not authorization:
            return False
        scheme, _, given = authorization.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), self.token.encode())

    def _trusted(self, client: str | None) -> bool:
        return in_networks(client, self.proxies)


def _is_bearer(authorization: str | None) -> bool:
    return bool(authorization) and str(authorization).split(" ", 1)[0].lower() == "bearer"


def in_networks(address: str | None, networks: tuple[IPNetwork, ...]) -> bool:
    """Whether `address` (an IP in text) lies in one of `networks`; False for anything else."""
    if address is None:
        return False
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return False
    return any(ip in network for network in networks)


def read_mode(settings: Settings, policy: WritePolicy) -> Mode:
    """Who may read: OPEN (anyone), or TOKEN/PROXY (the identity writing needs); ValueError when the
    read mode asks for an identity the write mode cannot give."""
    wanted = (settings.read_auth or "open").strip().lower()
    if wanted == "open":
        return Mode.OPEN
    if wanted not in ("token", "proxy"):
        raise ValueError(f"read_auth={settings.read_auth!r}: expected open, token or proxy")
    if policy.mode.value != wanted:
        raise ValueError(
            f"read_auth={wanted} needs the same write mode: "
            + (
                "set SPLITBOARD_AUTH_TOKEN (or _FILE)"
                if wanted == "token"
                else "set SPLITBOARD_AUTH=proxy and SPLITBOARD_TRUSTED_PROXIES"
            )
        )
    return policy.mode


def trusted_networks(settings: Settings) -> tuple[IPNetwork, ...]:
    """The addresses whose forwarded headers (user, client address, scheme) are believed."""
    return tuple(_network(raw) for raw in settings.trusted_proxies)


def _token(settings: Settings) -> str | None:
    if settings.auth_token_file is not None:
        try:
            text = settings.auth_token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ValueError(f"cannot read the auth token file {settings.auth_token_file}: {exc}") from exc
        if not text:
            raise ValueError(f"the auth token file {settings.auth_token_file} is empty")
        return text
    return settings.auth_token or None


def _network(raw: str) -> IPNetwork:
    try:
        return ipaddress.ip_network(raw.strip(), strict=False)
    except ValueError as exc:
        raise ValueError(f"trusted proxy {raw!r}: {exc}") from None


def user_value(raw: str | None, limit: int = MAX_USER_LENGTH) -> str | None:
    """A user name (header or sign-in form), or None when absent or not plain printable text."""
    if raw is None:
        return None
    value = raw.strip()
    if not value or len(value) > limit or not value.isprintable():
        return None
    return value
