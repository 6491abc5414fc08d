"""Idempotency-Key middleware for intake (channels retry): same key + same body -> the stored answer,
same key + another body -> 409. Keys live in the database, scoped per client, so they survive restarts."""
from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from feedback_api.edge import idempotency_service as service
from feedback_api.edge.clients import TokenVerifier
from feedback_api.edge.responses import send_error
from feedback_api.edge.size_limit import replay_receive
from feedback_api.orm import utcnow

HEADER = b"idempotency-key"
MAX_KEY_LENGTH = 255
CONFLICT = "Mã Idempotency-Key này đã được dùng cho một yêu cầu có nội dung khác. Vui lòng dùng mã mới."
IN_PROGRESS = "Yêu cầu với mã Idempotency-Key này đang được xử lý. Vui lòng thử lại sau ít giây."
BAD_KEY = "Idempotency-Key không hợp lệ (1–255 ký tự in được)."


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, sessionmaker, verifier: TokenVerifier, paths: frozenset[str]) -> None:
        self.app = app
        self.engine = _autocommit(sessionmaker.kw["bind"])
        self.verifier = verifier
        self.paths = paths

    def _run(self, fn, *args):
        # A plain Connection (execute/commit/rollback, as the service uses them): the bookkeeping is a
        # few Core statements, so the ORM Session around them would only add overhead on the hot path.
        with self.engine.connect() as connection:
            return fn(connection, *args)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST" or scope.get("path") not in self.paths:
            await self.app(scope, receive, send)
            return
        key = _header(scope, HEADER)
        if key is None:
            await self.app(scope, receive, send)
            return
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            await send_error(scope, receive, send, 400, BAD_KEY, "invalid_idempotency_key")
            return

        body = await _read_body(receive)
        if body is None:
            return  # client went away
        fingerprint = service.request_fingerprint(body, _header(scope, b"content-type"))
        client_scope = self.verifier.scope_of(scope)
        decision = await run_in_threadpool(
            self._run, service.begin, client_scope, key, scope["path"], fingerprint, utcnow()
        )
        if decision.outcome is service.Outcome.CONFLICT:
            await send_error(scope, receive, send, 409, CONFLICT, "idempotency_key_reused")
            return
        if decision.outcome is service.Outcome.IN_PROGRESS:
            await send_error(scope, receive, send, 409, IN_PROGRESS, "idempotency_key_in_progress",
                             headers={"Retry-After": "1"})
            return
        if decision.outcome is service.Outcome.REPLAY:
            headers = [(b"idempotent-replayed", b"true"), (b"content-length", str(len(decision.body or b"")).encode())]
            if decision.content_type:
                headers.append((b"content-type", decision.content_type.encode("latin-1")))
            await send({"type": "http.response.start", "status": decision.status_code, "headers": headers})
            await send({"type": "http.response.body", "body": decision.body or b""})
            return

        status: int | None = None
        content_type: str | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status, content_type
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", ()):
                    if name.lower() == b"content-type":
                        content_type = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_receive(body, receive), capture)
        except Exception:
            await run_in_threadpool(self._run, service.release, decision.record_id)
            raise
        if status is not None and status < 500:
            await run_in_threadpool(
                self._run, service.complete, decision.record_id, status, content_type, b"".join(chunks), utcnow()
            )
        else:
            await run_in_threadpool(self._run, service.release, decision.record_id)


def _autocommit(engine):
    """On PostgreSQL, run the key bookkeeping in autocommit mode.

    Every bookkeeping step is one statement (an insert-if-absent, a compare-and-set update, a read), so
    autocommit keeps each atomic while saving the BEGIN and COMMIT round trips, twice per keyed request.
    SQLite keeps its BEGIN IMMEDIATE transactions (see feedback_api.db).
    """
    if engine.dialect.name != "postgresql":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)
