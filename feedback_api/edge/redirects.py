"""Redirects without the request's Host: Starlette's trailing-slash 307 builds an absolute URL from the
Host header, so a forged Host ends up in Location (cache poisoning, open redirect through a proxy).
A relative Location (RFC 9110 allows it) points at the same origin whatever the client sent."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def relative_location(value: bytes, request_host: str | None) -> bytes:
    """`value` made relative when it points at the host the client named (i.e. was built from Host)."""
    parts = urlsplit(value.decode("latin-1"))
    if not parts.netloc or request_host is None or parts.netloc.lower() != request_host.lower():
        return value
    path = parts.path or "/"
    if path.startswith("//"):  # "//evil.example" would be protocol-relative
        path = "/" + path.lstrip("/")
    return (path + (f"?{parts.query}" if parts.query else "")).encode("latin-1")


class RelativeRedirectMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        host = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"host"), None)

        async def send_relative(message: Message) -> None:
            if message["type"] == "http.response.start" and 300 <= message["status"] < 400:
                message["headers"] = [
                    (k, relative_location(v, host) if k.lower() == b"location" else v)
                    for k, v in message.get("headers", [])
                ]
            await send(message)

        await self.app(scope, receive, send_relative)
