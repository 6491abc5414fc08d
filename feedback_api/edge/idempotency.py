"""Idempotency-Key for intake (channels retry): same key + same body -> the stored answer, same key +
another body -> 409. Keys live in the database, scoped per client, so they survive restarts.

The middleware only looks the key up before the route runs. The key itself is stored by the intake's
`Receipt`, in the transaction that stores the item (feedback_api.edge.idempotency_service): an item is
never acknowledged without its key, so a retry after any crash replays the stored code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from feedback_api.edge import idempotency_service as service
from feedback_api.edge.clients import TokenVerifier
from feedback_api.edge.responses import error_response, send_error
from feedback_api.edge.size_limit import replay_receive
from feedback_api.orm import utcnow

HEADER = b"idempotency-key"
MAX_KEY_LENGTH = 255
CONFLICT = "Mã Idempotency-Key này đã được dùng cho một yêu cầu có nội dung khác. Vui lòng dùng mã mới."
BAD_KEY = "Idempotency-Key không hợp lệ (1–255 ký tự in được)."
CLAIM_STATE = "idempotency_claim"  # key of the request state carrying the Claim to the route


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def replay_response(decision: service.Decision) -> Response:
    response = Response(
        decision.body or b"", status_code=decision.status_code or 200, headers={"Idempotent-Replayed": "true"}
    )
    if decision.content_type:
        response.headers["content-type"] = decision.content_type
    return response


def conflict_response() -> JSONResponse:
    return error_response(409, CONFLICT, "idempotency_key_reused")


class IdempotentReplay(Exception):
    """Raised inside an intake transaction that lost the race for its key: answer with the winner's."""

    def __init__(self, decision: service.Decision) -> None:
        super().__init__(decision.outcome.value)
        self.decision = decision


async def replay_handler(_request: Request, exc: IdempotentReplay) -> Response:
    if exc.decision.outcome is service.Outcome.CONFLICT:
        return conflict_response()
    return replay_response(exc.decision)


def claim_of(request: Request) -> service.Claim | None:
    """The Idempotency-Key claim the middleware attached to this request, if it carried a key."""
    return getattr(request.state, CLAIM_STATE, None)


Item = TypeVar("Item")


class Receipt(Generic[Item]):
    """The intake's answer, rendered inside the item's transaction (intake's `on_stored` hook).

    With an Idempotency-Key the answer is stored under the key in that same transaction, so the item and
    its key commit, or vanish, together. Raises IdempotentReplay (after rolling back) when a concurrent
    request with the same key committed first.
    """

    def __init__(self, claim: service.Claim | None, render: Callable[[Item], Response]) -> None:
        self.claim = claim
        self.render = render
        self.response: Response | None = None

    def __call__(self, session: Session, item: Item) -> None:
        response = self.render(item)
        if self.claim is not None:
            decision = service.record(
                session,
                self.claim,
                response.status_code,
                response.headers.get("content-type"),
                bytes(response.body),
                utcnow(),
            )
            if decision.outcome is not service.Outcome.NEW:
                session.rollback()
                raise IdempotentReplay(decision)
        self.response = response


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, sessionmaker, verifier: TokenVerifier, paths: frozenset[str]) -> None:
        self.app = app
        self.engine = _autocommit(sessionmaker.kw["bind"])
        self.verifier = verifier
        self.paths = paths

    def _lookup(self, claim: service.Claim) -> service.Decision:
        # A plain Connection: one SELECT, the ORM Session around it would only add overhead.
        with self.engine.connect() as connection:
            return service.lookup(connection, claim)

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
        claim = service.Claim(
            self.verifier.scope_of(scope),
            key,
            scope["path"],
            service.request_fingerprint(body, _header(scope, b"content-type")),
        )
        decision = await run_in_threadpool(self._lookup, claim)
        if decision.outcome is service.Outcome.CONFLICT:
            await conflict_response()(scope, receive, send)
            return
        if decision.outcome is service.Outcome.REPLAY:
            await replay_response(decision)(scope, receive, send)
            return
        scope.setdefault("state", {})[CLAIM_STATE] = claim
        await self.app(scope, replay_receive(body, receive), send)


def _autocommit(engine):
    """On PostgreSQL, run the key lookup in autocommit mode (one SELECT: no BEGIN/COMMIT round trips).
    SQLite keeps its BEGIN IMMEDIATE transactions (see common.db)."""
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
