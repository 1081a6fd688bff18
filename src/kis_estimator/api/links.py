"""Where the links the service builds point: its public base URL, and the forwarded headers it trusts.

Absolute links (the filesystem store's signed URLs) start with `PUBLIC_BASE_URL` when it is set, else
with the base URL of the request being answered, so a service on any port or host links to itself.
Behind a reverse proxy the request's own URL is the proxy's upstream; `ForwardedHeaders` then takes
`X-Forwarded-Proto`, `X-Forwarded-Host` and `X-Forwarded-For` from the proxy, but only when the
connection comes from an address in `FORWARDED_ALLOW_IPS` (anyone else could forge them to make the
service hand out links to another server).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from kis_estimator.api.deps import container_of

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# host or host:port, a name or an IPv4 address or a bracketed IPv6 address: nothing else becomes a link.
_HOST = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?"
)


def public_base_url(request: Request) -> str:
    """PUBLIC_BASE_URL when set, else the request's own base URL (after trusted forwarded headers)."""
    configured = container_of(request).settings.public_base_url
    return (configured or str(request.base_url)).rstrip("/")


def absolute(request: Request, url: str) -> str:
    """`url` as an absolute link: a path ("/v1/blobs/…") is put under the public base URL."""
    return f"{public_base_url(request)}{url}" if url.startswith("/") else url


def trusted_networks(addresses: Iterable[str]) -> tuple[Network, ...] | None:
    """The networks of FORWARDED_ALLOW_IPS entries (an address or a CIDR); None for `*` (every peer).

    Raises ValueError naming an entry that is neither."""
    networks: list[Network] = []
    for entry in addresses:
        if entry == "*":
            return None
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"FORWARDED_ALLOW_IPS: {entry!r} is not an IP address or network") from None
    return tuple(networks)


class ForwardedHeaders:
    """Apply X-Forwarded-Proto/-Host/-For to the request when the peer is a trusted proxy; otherwise the
    headers are ignored (the request keeps its own scheme, Host and client address)."""

    def __init__(self, app: ASGIApp, trusted: tuple[Network, ...] | None) -> None:
        self.app, self.trusted = app, trusted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self._is_trusted(_peer(scope)):
            scope = self._forwarded(scope)
        await self.app(scope, receive, send)

    def _is_trusted(self, address: str | None) -> bool:
        if self.trusted is None:
            return True
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:  # no client (a Unix socket) or a name such as the test client's
            return False
        return any(ip in network for network in self.trusted)

    def _forwarded(self, scope: Scope) -> Scope:
        headers: list[tuple[bytes, bytes]] = list(scope["headers"])
        values = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in headers}
        scope = dict(scope)
        proto = _last(values.get("x-forwarded-proto")).lower()
        if proto in ("http", "https"):
            scope["scheme"] = proto if scope["type"] == "http" else {"http": "ws", "https": "wss"}[proto]
        host = _last(values.get("x-forwarded-host"))
        if _HOST.fullmatch(host):
            scope["headers"] = [(n, v) for n, v in headers if n.lower() != b"host"] + [
                (b"host", host.encode("latin-1"))
            ]
        client = self._client(values.get("x-forwarded-for"))
        if client is not None:
            scope["client"] = (client, 0)
        return scope

    def _client(self, forwarded_for: str | None) -> str | None:
        """The nearest address in X-Forwarded-For that is not a trusted proxy (the real client)."""
        chain = [part.strip() for part in (forwarded_for or "").split(",") if part.strip()]
        for address in reversed(chain):
            if not self._is_trusted(address):
                return address
        return chain[0] if chain else None


def _peer(scope: Scope) -> str | None:
    client = scope.get("client")
    return str(client[0]) if client else None


def _last(value: str | None) -> str:
    """The value the nearest proxy added (the last of a comma-separated list)."""
    return (value or "").rsplit(",", 1)[-1].strip()
