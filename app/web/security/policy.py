"""Who may write: the authentication mode chosen from the settings, and the identity of a request.

Reading is open to whoever reaches the dashboard; every state-changing request needs an identity:
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
        proxies = tuple(_network(raw) for raw in settings.trusted_proxies)
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

    def identify(self, headers: Mapping[str, str], client: str | None, session: bool) -> Identity | None:
        """The identity of a request (`headers` lower-cased names; `session`: a valid sign-in cookie)."""
        if self.mode is Mode.OPEN:
            return Identity(None, "loopback")
        if self.mode is Mode.TOKEN:
            if self.bearer_matches(headers.get("authorization")):
                return Identity("token", "bearer")
            return Identity("token", "session") if session else None
        if self.mode is Mode.PROXY and self._trusted(client):
            user = _user_value(headers.get(self.user_header.lower())) or _user_value(
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
        if client is None:
            return False
        try:
            address = ipaddress.ip_address(client)
        except ValueError:
            return False
        return any(address in network for network in self.proxies)


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


def _user_value(raw: str | None) -> str | None:
    """A header's user name, or None when absent or not plain printable text."""
    if raw is None:
        return None
    value = raw.strip()
    if not value or len(value) > MAX_USER_LENGTH or not value.isprintable():
        return None
    return value
