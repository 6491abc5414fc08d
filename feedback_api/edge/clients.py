"""Who is calling: a verified staff/bot token subject, else the client address.

The client address is the TCP peer unless the peer is one of settings.trusted_proxies: then the
X-Forwarded-For chain is read from the right, skipping trusted hops, and the first untrusted address is
the client. Nothing is trusted by default (uvicorn's proxy-header handling, which trusts loopback, is
switched off in `hotline serve`), so a forged X-Forwarded-For cannot move a client to a fresh bucket.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import Iterable

from starlette.types import Scope

ACTIVE_CACHE_SECONDS = 30.0


def parse_networks(values: Iterable[str]) -> tuple:
    networks = []
    for value in values:
        value = str(value).strip()
        if value:
            networks.append(ipaddress.ip_network(value, strict=False))
    return tuple(networks)


def _is_trusted(address: str, networks: tuple) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def forwarded_client(peer: str, forwarded_for: str | None, networks: tuple) -> str:
    """The client address given the peer and its X-Forwarded-For header (pure)."""
    if not networks or not forwarded_for or not _is_trusted(peer, networks):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # garbage where an address should be: stay with what we know
    return hops[0] if hops else peer


def _header(scope: Scope, wanted: bytes) -> str | None:
    values = [v.decode("latin-1") for k, v in scope.get("headers", ()) if k == wanted]
    return ", ".join(values) if values else None


def client_ip(scope: Scope, networks: tuple = ()) -> str:
    client = scope.get("client")
    peer = client[0] if client else "unknown"
    if not networks:
        return peer
    return forwarded_client(peer, _header(scope, b"x-forwarded-for"), networks)


def bearer_token(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


class TokenVerifier:
    """Checks bearer tokens with the auth module's own decoder (signature and expiry), and — before a token
    exempts anything — that its account still exists and is active (cached for ACTIVE_CACHE_SECONDS)."""

    def __init__(self, settings, sessionmaker=None) -> None:
        self._settings = settings
        self._sessionmaker = sessionmaker
        self.networks = parse_networks(settings.trusted_proxies)
        self._active: dict[str, tuple[bool, float]] = {}

    def subject(self, token: str | None) -> str | None:
        """The signed subject (signature and expiry checked; the account is not)."""
        if not token:
            return None
        from feedback_api.auth.security import decode_access_token

        claims = decode_access_token(token, self._settings)
        return str(claims["sub"]) if claims else None

    def _is_active(self, username: str) -> bool:
        if self._sessionmaker is None:
            return False
        from feedback_api.auth.service import get_user

        with self._sessionmaker() as session:
            user = get_user(session, username)
            return bool(user is not None and user.active)

    def _cached(self, subject: str) -> bool | None:
        cached = self._active.get(subject)
        return cached[0] if cached is not None and cached[1] >= time.monotonic() else None

    def _remember(self, subject: str, active: bool) -> None:
        if len(self._active) > 10_000:
            self._active.clear()
        self._active[subject] = (active, time.monotonic() + ACTIVE_CACHE_SECONDS)

    async def active_subject(self, token: str | None) -> str | None:
        """The subject of a valid token whose account is active, else None (never exempt on doubt)."""
        subject = self.subject(token)
        if subject is None:
            return None
        active = self._cached(subject)
        if active is None:
            try:
                active = await asyncio.to_thread(self._is_active, subject)
            except Exception:  # database unavailable: limit the caller like anyone else
                return None
            self._remember(subject, active)
        return subject if active else None

    def active_subject_sync(self, scope: Scope) -> str | None:
        """active_subject for the request in `scope`, from a worker thread (sync routes)."""
        subject = self.subject(bearer_token(scope))
        if subject is None:
            return None
        active = self._cached(subject)
        if active is None:
            try:
                active = self._is_active(subject)
            except Exception:
                return None
            self._remember(subject, active)
        return subject if active else None

    def client_ip(self, scope: Scope) -> str:
        return client_ip(scope, self.networks)

    def scope_of(self, scope: Scope) -> str:
        """Stable identity for per-client scoping: "user:<name>" for a valid token, else "ip:<address>"."""
        subject = self.subject(bearer_token(scope))
        return f"user:{subject}" if subject else f"ip:{self.client_ip(scope)}"
