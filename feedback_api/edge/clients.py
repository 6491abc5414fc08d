"""Who is calling: a verified staff/bot token subject, else the client address.

Behind a reverse proxy run uvicorn with --proxy-headers/--forwarded-allow-ips so that scope["client"] is
the citizen's address rather than the proxy's.
"""
from __future__ import annotations

from starlette.types import Scope


def client_ip(scope: Scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


def bearer_token(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


class TokenVerifier:
    """Checks bearer tokens with the auth module's own decoder (signature and expiry).

    Only used for rate-limit exemption and idempotency scoping; the routes still authorise through
    feedback_api.deps (a deactivated account is refused there).
    """

    def __init__(self, settings) -> None:
        self._settings = settings

    def subject(self, token: str | None) -> str | None:
        if not token:
            return None
        from feedback_api.auth.security import decode_access_token

        claims = decode_access_token(token, self._settings)
        return str(claims["sub"]) if claims else None

    def scope_of(self, scope: Scope) -> str:
        """Stable identity for per-client scoping: "user:<name>" for a valid token, else "ip:<address>"."""
        subject = self.subject(bearer_token(scope))
        return f"user:{subject}" if subject else f"ip:{client_ip(scope)}"
