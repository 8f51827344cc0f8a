"""What a request says about itself through a proxy: the client's address (X-Forwarded-For) and whether
it came over TLS (X-Forwarded-Proto). Believed only from SPLITBOARD_TRUSTED_PROXIES: anyone else could
claim any address (and escape throttling) or any scheme."""

from __future__ import annotations

import ipaddress

from starlette.requests import HTTPConnection

from app.web.security.policy import IPNetwork, in_networks


def peer_of(connection: HTTPConnection) -> str | None:
    """The address the TCP connection comes from."""
    return connection.client.host if connection.client else None


def client_address(connection: HTTPConnection, proxies: tuple[IPNetwork, ...]) -> str:
    """The client's address: the nearest X-Forwarded-For hop that is not a trusted proxy when the peer
    is one, else the peer itself ("unknown" when the server cannot tell)."""
    peer = peer_of(connection)
    if in_networks(peer, proxies):
        forwarded = connection.headers.get("x-forwarded-for", "")
        for hop in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
            if in_networks(hop, proxies):
                continue
            return hop if _is_ip(hop) else peer or "unknown"
    return peer or "unknown"


def came_over_tls(connection: HTTPConnection, proxies: tuple[IPNetwork, ...]) -> bool:
    """Whether the browser's connection was TLS: ours is, or a trusted proxy says its was."""
    if connection.scope.get("scheme") in ("https", "wss"):
        return True
    if not in_networks(peer_of(connection), proxies):
        return False
    proto = connection.headers.get("x-forwarded-proto", "")
    return proto.split(",")[0].strip().lower() == "https"


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True
