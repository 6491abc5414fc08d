"""Request size limit: 413 with a Vietnamese message before the app reads an oversized body."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from feedback_api.edge.responses import send_error

TOO_LARGE = "Dữ liệu gửi lên quá lớn (tối đa {limit}). Vui lòng gửi nội dung ngắn hơn hoặc tệp nhỏ hơn."


def human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):g} MB"
    if n >= 1024:
        return f"{n / 1024:g} KB"
    return f"{n} byte"


class RequestSizeLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send_error(
            scope, receive, send, 413, TOO_LARGE.format(limit=human_size(self.max_bytes)), "request_too_large"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.max_bytes <= 0:
            await self.app(scope, receive, send)
            return
        declared = None
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await send_error(scope, receive, send, 400, "Độ dài nội dung không hợp lệ.", "bad_content_length")
                    return
        if declared is not None:
            if declared > self.max_bytes:
                await self._reject(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        if scope.get("method") in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        # No Content-Length (chunked upload): buffer up to the limit, then hand the app the whole body.
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            total += len(body)
            if total > self.max_bytes:
                await self._reject(scope, receive, send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        await self.app(scope, replay_receive(b"".join(chunks), receive), send)


def replay_receive(body: bytes, receive: Receive) -> Receive:
    """A receive callable that yields an already-read body once, then defers to the real one."""
    sent = False

    async def _receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return _receive
