"""The error body every 4xx uses: {"detail": <Vietnamese>, "code": <machine code>} (raw ASGI helper)."""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send


def error_response(status: int, detail: str, code: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail, "code": code}, status_code=status, headers=headers)


async def send_error(
    scope: Scope,
    receive: Receive,
    send: Send,
    status: int,
    detail: str,
    code: str,
    headers: dict[str, str] | None = None,
) -> None:
    await error_response(status, detail, code, headers)(scope, receive, send)
