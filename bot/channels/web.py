"""Web chat: `POST /api/v1/chat`, the pending-notice poll, and the embeddable widget page `/chat`."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import re
from importlib.resources import files
from typing import TypedDict

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from bot.messages import Inbound, Reply

SESSION_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
MAX_TEXT_CHARS = 10_000
MAX_BODY_BYTES = 64 * 1024
UNAVAILABLE = "Trợ lý ảo đang tạm thời gián đoạn. Bạn vui lòng thử lại sau ít phút hoặc gọi Tổng đài 1022."
log = logging.getLogger(__name__)


class WebSender:
    """Notices for web chat wait in the database until the next poll of that session."""

    def __init__(self, store):
        self.store = store

    async def send(self, chat_id: str, replies: list[Reply]) -> None:
        for reply in replies:
            await asyncio.to_thread(self.store.push_pending, "web", chat_id, reply.as_json())


def error(status: int, detail: str, code: str) -> JSONResponse:
    return JSONResponse({"detail": detail, "code": code}, status_code=status)


class ChatBody(TypedDict):
    session_id: str
    text: str
    payload: str | None
    title: str | None


def parse_chat_body(raw: bytes) -> tuple[ChatBody | None, JSONResponse | None]:
    """The validated chat request (and None), or None and the 4xx answer explaining (in Vietnamese) what
    is wrong."""
    if len(raw) > MAX_BODY_BYTES:
        return None, error(413, "Tin nhắn quá dài.", "payload_too_large")
    try:
        body = json.loads(raw.decode("utf-8")) if raw.strip() else None
    except (UnicodeDecodeError, ValueError):
        return None, error(400, "Dữ liệu gửi lên không phải JSON hợp lệ.", "invalid_json")
    if not isinstance(body, dict):
        return None, error(422, 'Thiếu dữ liệu: cần {"session_id", "text"}.', "invalid_body")
    session_id = body.get("session_id")
    if not isinstance(session_id, str) or not SESSION_RE.match(session_id):
        return None, error(422, "Thiếu hoặc sai session_id (1–128 ký tự chữ, số, dấu - _ . :).", "invalid_session_id")
    text = body.get("text", "")
    payload = body.get("payload")
    if text is None:
        text = ""
    if not isinstance(text, str):
        return None, error(422, "Trường text phải là chuỗi ký tự.", "invalid_text")
    if payload is not None and (not isinstance(payload, str) or len(payload) > 200):
        return None, error(422, "Trường payload không hợp lệ.", "invalid_payload")
    title = body.get("title")
    if title is not None and (not isinstance(title, str) or len(title) > 200):
        return None, error(422, "Trường title không hợp lệ.", "invalid_title")
    if len(text) > MAX_TEXT_CHARS:
        return None, error(
            422, f"Tin nhắn quá dài (tối đa {MAX_TEXT_CHARS:,} ký tự).".replace(",", "."), "text_too_long"
        )
    if not text.strip() and not payload:
        text = ""
    return ChatBody(session_id=session_id, text=text, payload=payload or None, title=title or None), None


def widget_headers(page: str) -> dict[str, str]:
    """CSP for the widget: its own inline script and style are allowed by hash, nothing else inline, so
    text coming back from the API can never run as code; nosniff; no referrer. Framing is allowed (the
    widget is meant to be embedded in the province's sites)."""

    def hashes(tag: str) -> str:
        blocks = re.findall(rf"<{tag}>(.*?)</{tag}>", page, flags=re.S)
        return " ".join(
            "'sha256-" + base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() + "'" for b in blocks
        )

    policy = (
        f"default-src 'self'; script-src 'self' {hashes('script')}; style-src 'self' {hashes('style')}; "
        "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'"
    )
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }


def build_router(runtime) -> APIRouter:
    router = APIRouter()

    @router.post("/api/v1/chat", tags=["chat"])
    async def chat(request: Request):
        body, problem = parse_chat_body(await request.body())
        if body is None:
            return problem
        try:
            engine = await runtime.get_engine()
            replies = await engine.handle(
                Inbound(
                    channel="web",
                    user_id=body["session_id"],
                    text=body["text"],
                    payload=body["payload"],
                    title=body["title"],
                )
            )
            pending = await asyncio.to_thread(runtime.store.pop_pending, "web", body["session_id"])
        except Exception as exc:  # NLU not loadable, database down: a clear answer, not a 500
            log.error("web chat unavailable: %s", type(exc).__name__)
            return error(503, UNAVAILABLE, "chat_unavailable")
        return {"session_id": body["session_id"], "messages": pending + [r.as_json() for r in replies]}

    @router.get("/api/v1/chat/{session_id}/messages", tags=["chat"])
    async def poll(session_id: str):
        if not SESSION_RE.match(session_id):
            return error(422, "session_id không hợp lệ.", "invalid_session_id")
        try:
            pending = await asyncio.to_thread(runtime.store.pop_pending, "web", session_id)
        except Exception as exc:
            log.error("web chat poll failed: %s", type(exc).__name__)
            return error(503, UNAVAILABLE, "chat_unavailable")
        return {"session_id": session_id, "messages": pending}

    @router.get("/api/v1/chat/{session_id}/history", tags=["chat"])
    async def history(session_id: str):
        """The conversation so far (the widget redraws it after a reload) and whether a human holds it.
        Notices waiting for the poll are in the history already, so they are taken off the queue."""
        if not SESSION_RE.match(session_id):
            return error(422, "session_id không hợp lệ.", "invalid_session_id")
        try:
            await asyncio.to_thread(runtime.store.pop_pending, "web", session_id)
            messages = await asyncio.to_thread(runtime.store.history, "web", session_id)
            holder = await asyncio.to_thread(runtime.store.holder, "web", session_id)
        except Exception as exc:
            log.error("web chat history failed: %s", type(exc).__name__)
            return error(503, UNAVAILABLE, "chat_unavailable")
        return {
            "session_id": session_id,
            "operator": holder is not None,
            "messages": [
                {"sender": m["sender"], "text": m["text"], "buttons": m["buttons"], "at": m["at"]} for m in messages
            ],
        }

    page = files("bot").joinpath("static/chat.html").read_text(encoding="utf-8")
    headers = widget_headers(page)

    @router.get("/chat", response_class=HTMLResponse, include_in_schema=False)
    async def widget():
        return HTMLResponse(page, headers=headers)

    return router
