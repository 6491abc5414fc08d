"""Database outage at the edge: 503 + Retry-After instead of a crash, whichever layer met the outage.

Routes' database errors are answered by feedback_api.errors; this outermost middleware answers those
raised by the edge middlewares themselves (the Idempotency-Key lookup) and anything else that escapes,
so the server never logs a traceback for an outage nor drops the connection without an answer.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.db import is_database_unavailable
from feedback_api.errors import database_unavailable_response


class DatabaseOutageMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:
            if not is_database_unavailable(error):
                raise
            response = database_unavailable_response(scope.get("method", ""), scope.get("path", ""), error)
            if not started:
                await response(scope, receive, send)
