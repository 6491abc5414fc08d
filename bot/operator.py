"""The operator console's API: conversations waiting for a human, take over, reply, hand back.

Routes under `/api/v1/handoffs`. The caller is a staff account of the feedback service whose token the
service confirms (`GET /auth/me`, permission "handoff"): the bot does not import the service, it asks it.
A conversation is named by its hash (bot.engine.user_ref), never by the chat id, so addresses and access
logs carry nothing personal. While an operator holds a conversation the engine stays silent; replies go
out through the channel's own sender (web chat poll, Telegram, Zalo). Every step is in the operator
action log with its timing (how long the citizen waited, how long the operator held it), no text.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import APIRouter, Request

from bot import texts
from bot.channels.web import error
from bot.engine import user_ref
from bot.messages import Reply

log = logging.getLogger(__name__)
MAX_REPLY_CHARS = 4000
_WHO_CACHE_SECONDS = 30
CHANNEL_LABELS = {"web": "Trang web", "telegram": "Telegram", "zalo": "Zalo"}


def _seconds_since(moment: datetime | None, now: datetime) -> int | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0, int((now - moment).total_seconds()))


@dataclass(frozen=True)
class _Target:
    """The conversation an operator acts on: who acts (the service's account), whose chat, who holds it."""

    who: dict
    channel: str
    user_id: str
    holder: str | None


class _Auth:
    """Bearer token -> the operator's account, confirmed by the feedback service (cached briefly)."""

    def __init__(self, runtime) -> None:
        self.runtime = runtime
        self._cache: dict[str, tuple[float, dict | None]] = {}

    async def operator(self, request: Request):
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith("bearer "):
            return None, error(401, "Bạn cần đăng nhập bằng tài khoản tổng đài viên.", "not_authenticated")
        token = header[7:].strip()
        cached = self._cache.get(token)
        if cached and cached[0] > time.monotonic():
            who = cached[1]
        else:
            try:
                who = await self.runtime.api_client().whoami(token)
            except Exception as exc:
                log.warning("operator check failed: %s", type(exc).__name__)
                return None, error(503, "Không kiểm tra được tài khoản, vui lòng thử lại.", "auth_unavailable")
            if len(self._cache) > 1000:
                self._cache.clear()
            self._cache[token] = (time.monotonic() + _WHO_CACHE_SECONDS, who)
        if who is None:
            return None, error(
                401, "Phiên đăng nhập không hợp lệ hoặc đã hết hạn, vui lòng đăng nhập lại.", "invalid_token"
            )
        if "handoff" not in (who.get("can") or []):
            return None, error(403, "Chỉ tổng đài viên hoặc lãnh đạo mới hỗ trợ trực tiếp người dân.", "forbidden")
        return who, None


def build_router(runtime) -> APIRouter:
    router = APIRouter(tags=["operator"])
    auth = _Auth(runtime)
    store = runtime.store

    def _find(ref: str):
        """(channel, user_id) of the waiting or held conversation with this hash, or None."""
        candidates = [(c.channel, c.user_id) for c in store.handoffs()]
        candidates += [(h["channel"], h["user_id"]) for h in store.holds()]
        return next(((ch, uid) for ch, uid in candidates if user_ref(ch, uid) == ref), None)

    @router.get("/api/v1/handoffs")
    async def queue(request: Request):
        who, problem = await auth.operator(request)
        if problem:
            return problem
        now = datetime.now(UTC)
        waiting = await asyncio.to_thread(store.handoffs)
        holds = {(h["channel"], h["user_id"]): h for h in await asyncio.to_thread(store.holds)}
        items, seen = [], set()
        for conv in waiting:
            key = (conv.channel, conv.user_id)
            seen.add(key)
            hold = holds.get(key)
            items.append(_row(conv.channel, conv.user_id, conv.handoff_at, hold, now))
        for key, hold in holds.items():
            if key not in seen:
                items.append(_row(key[0], key[1], None, hold, now))
        items.sort(key=lambda r: (r["held_by"] is not None, -(r["waiting_seconds"] or 0)))
        return {"items": items, "me": who["username"]}

    def _row(channel, user_id, requested_at, hold, now):
        last = store.history(channel, user_id, limit=1)
        return {
            "id": user_ref(channel, user_id),
            "channel": channel,
            "channel_label": CHANNEL_LABELS.get(channel, channel),
            "requested_at": requested_at.isoformat() if requested_at else None,
            "waiting_seconds": _seconds_since(requested_at, now) if not hold else None,
            "held_by": hold["operator"] if hold else None,
            "held_seconds": _seconds_since(hold["taken_at"], now) if hold else None,
            "last_message": (last[0]["text"][:140] if last else None),
        }

    async def _target(request: Request, ref: str):
        who, problem = await auth.operator(request)
        if problem:
            return None, problem
        found = await asyncio.to_thread(_find, ref)
        if found is None:
            return None, error(404, "Cuộc trò chuyện này không còn chờ tổng đài viên.", "handoff_not_found")
        channel, user_id = found
        return _Target(who, channel, user_id, await asyncio.to_thread(store.holder, channel, user_id)), None

    @router.get("/api/v1/handoffs/{ref}")
    async def transcript(request: Request, ref: str):
        t, problem = await _target(request, ref)
        if problem:
            return problem
        return {
            "id": ref,
            "channel": t.channel,
            "channel_label": CHANNEL_LABELS.get(t.channel, t.channel),
            "held_by": t.holder,
            "messages": await asyncio.to_thread(store.history, t.channel, t.user_id),
        }

    async def _say(channel: str, user_id: str, text: str, sender: str) -> bool:
        if channel == "web":  # the widget's poll shows it as the operator's message
            await asyncio.to_thread(store.push_pending, "web", user_id, {**Reply(text).as_json(), "sender": sender})
        else:
            target = await runtime.sender_for(channel)
            if target is None:
                return False
            await target.send(user_id, [Reply(text)])
        await asyncio.to_thread(store.append_messages, channel, user_id, [(sender, text, None)])
        return True

    async def _announce(channel: str, user_id: str, text: str, what: str) -> None:
        """Tell the citizen; best effort (the take or the release stands even if this is not delivered)."""
        try:
            await _say(channel, user_id, text, "operator")
        except Exception as exc:
            log.warning("%s not delivered on %s: %s", what, channel, type(exc).__name__)

    async def _log(ref: str, channel: str, action: str, username: str, seconds: int | None) -> None:
        await asyncio.to_thread(store.log_handoff, ref, channel, action, username, seconds)
        log.info("handoff %s on %s after %ss (%s)", action, channel, seconds, ref)

    def _held_by_other(holder: str):
        return error(409, f"Cuộc trò chuyện đang do {holder} hỗ trợ.", "held_by_other")

    @router.post("/api/v1/handoffs/{ref}/take")
    async def take(request: Request, ref: str):
        t, problem = await _target(request, ref)
        if problem:
            return problem
        me, holder = t.who["username"], t.holder
        if holder and holder != me:
            return _held_by_other(holder)
        if holder is None:
            conv = await asyncio.to_thread(store.load, t.channel, t.user_id)
            holder = await asyncio.to_thread(store.take, t.channel, t.user_id, me)
            if holder != me:
                return _held_by_other(holder)
            await _log(ref, t.channel, "taken", me, _seconds_since(conv.handoff_at, datetime.now(UTC)))
            await _announce(t.channel, t.user_id, texts.OPERATOR_JOINED, "operator greeting")
        return {"id": ref, "held_by": holder}

    @router.post("/api/v1/handoffs/{ref}/reply")
    async def reply(request: Request, ref: str):
        t, problem = await _target(request, ref)
        if problem:
            return problem
        try:
            body = await request.json()
        except ValueError:
            return error(400, "Dữ liệu gửi lên không phải JSON hợp lệ.", "invalid_json")
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            return error(422, "Vui lòng nhập nội dung trả lời.", "text_required")
        if len(text) > MAX_REPLY_CHARS:
            return error(422, f"Tin nhắn quá dài (tối đa {MAX_REPLY_CHARS} ký tự).", "text_too_long")
        if t.holder != t.who["username"]:
            return error(409, "Hãy nhận hỗ trợ cuộc trò chuyện trước khi trả lời.", "not_held")
        try:
            sent = await _say(t.channel, t.user_id, text.strip(), "operator")
        except Exception as exc:
            log.warning("operator reply failed on %s: %s (%s)", t.channel, type(exc).__name__, ref)
            return error(502, "Chưa gửi được tin nhắn tới người dân; vui lòng thử lại.", "delivery_failed")
        if not sent:
            return error(503, "Kênh này chưa được cấu hình để gửi tin.", "channel_not_configured")
        await asyncio.to_thread(store.log_handoff, ref, t.channel, "reply", t.who["username"], None)
        return {"status": "sent"}

    @router.post("/api/v1/handoffs/{ref}/release")
    async def release(request: Request, ref: str):
        t, problem = await _target(request, ref)
        if problem:
            return problem
        if t.holder and t.holder != t.who["username"] and t.who.get("role") not in ("supervisor", "admin"):
            return _held_by_other(t.holder)
        taken_at = await asyncio.to_thread(store.release, t.channel, t.user_id)
        await _log(ref, t.channel, "released", t.who["username"], _seconds_since(taken_at, datetime.now(UTC)))
        if taken_at is not None:
            await _announce(t.channel, t.user_id, texts.OPERATOR_LEFT, "hand-back notice")
        return {"id": ref, "status": "released"}

    @router.get("/api/v1/handoff-log")
    async def action_log(request: Request):
        _who, problem = await auth.operator(request)
        if problem:
            return problem
        return {"items": await asyncio.to_thread(store.handoff_events)}

    return router
