"""`install(app, settings)`: the bot's HTTP surface on the served app.

Routes: `POST /api/v1/chat`, `GET /api/v1/chat/{session_id}/messages`, `GET /chat` (widget),
`POST /bot/events` (outbox notifications), `POST /webhooks/telegram`, `POST /webhooks/zalo`.
Every error is JSON `{"detail": <Vietnamese>, "code": ...}`: 4xx for bad input, 502/503 when a
downstream service is unavailable (so the sender retries), never a 500.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request

from bot import operator
from bot.channels import web as web_channel
from bot.channels.web import error
from bot.notify import notice_for, parse_event
from bot.runtime import BotRuntime
from common.signing import SIGNATURE_HEADER
from common.signing import verify as verify_signature

log = logging.getLogger(__name__)


def install(
    app: FastAPI, settings, *, feedback_transport=None, zalo_transport=None, parser=None, kb=None, warm: bool = True
) -> BotRuntime:
    """Mount the bot on `app`. The keyword arguments are for tests (in-process transports, a shared parser)."""
    runtime = BotRuntime(
        settings, feedback_transport=feedback_transport, zalo_transport=zalo_transport, parser=parser, kb=kb
    )
    app.state.bot_runtime = runtime
    app.include_router(web_channel.build_router(runtime))
    app.include_router(operator.build_router(runtime))
    app.include_router(_events_router(runtime))
    app.include_router(_telegram_router(runtime))
    app.include_router(_zalo_router(runtime))

    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a):
        async with inner(a) as state:
            try:  # update ids older than a week can no longer be retried by any channel
                await asyncio.to_thread(runtime.store.prune_processed)
            except Exception as exc:
                log.warning("could not prune processed event ids: %s", type(exc).__name__)
            if warm:
                try:
                    await runtime.get_engine()  # load the NLU before the first citizen waits for it
                except Exception:
                    log.exception("bot engine could not be loaded at startup; will retry on first message")
            try:
                yield state
            finally:
                await runtime.aclose()

    app.router.lifespan_context = lifespan
    return runtime


def _agency_namer(runtime: BotRuntime):
    def name(code):
        found = runtime.kb.agency(code) if isinstance(code, str) else None
        return found.name if found else code

    return name


def _events_router(runtime: BotRuntime) -> APIRouter:
    router = APIRouter()

    @router.post("/bot/events", include_in_schema=False)
    async def outbox_event(request: Request):
        raw = await request.body()
        if not verify_signature(runtime.events_secret, raw, request.headers.get(SIGNATURE_HEADER)):
            return error(401, "Chữ ký sự kiện không hợp lệ.", "invalid_signature")
        event = parse_event(raw)
        if event is None:
            return error(400, "Sự kiện không đúng định dạng.", "invalid_event")
        if not await asyncio.to_thread(runtime.store.mark_processed, "outbox", event.id):
            return {"status": "duplicate"}
        notice = notice_for(event, _agency_namer(runtime))
        if notice is None:
            return {"status": "ignored"}
        try:
            sender = await runtime.sender_for(notice.channel)
            if sender is None:
                log.warning("no sender configured for channel %s; notice dropped", notice.channel)
                return {"status": "no_channel"}
            await sender.send(notice.chat_id, [notice.reply])
            await asyncio.to_thread(
                runtime.store.append_messages,
                notice.channel,
                notice.chat_id,
                [("bot", notice.reply.text, [{"title": b.title, "payload": b.payload} for b in notice.reply.buttons])],
            )
        except Exception as exc:
            log.warning("notice delivery failed on %s: %s", notice.channel, type(exc).__name__)
            await asyncio.to_thread(runtime.store.forget_processed, "outbox", event.id)
            return error(502, "Chưa gửi được thông báo tới người dân; sẽ thử lại.", "delivery_failed")
        return {"status": "sent"}

    return router


def _telegram_router(runtime: BotRuntime) -> APIRouter:
    router = APIRouter()

    @router.post("/webhooks/telegram", include_in_schema=False)
    async def telegram_webhook(request: Request):
        supplied = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(supplied.encode(), runtime.telegram_secret.encode()):
            return error(403, "Sai mã bí mật webhook.", "invalid_secret_token")
        try:
            application = await runtime.telegram_application()
        except Exception as exc:  # Bot API unreachable at first use (getMe): Telegram will retry
            log.warning("telegram application could not start: %s", type(exc).__name__)
            return error(503, "Kênh Telegram tạm thời chưa sẵn sàng.", "telegram_unavailable")
        if application is None:
            return error(404, "Kênh Telegram chưa được cấu hình.", "telegram_not_configured")
        try:
            data = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError):
            return error(400, "Dữ liệu không phải JSON hợp lệ.", "invalid_json")
        if not isinstance(data, dict) or "update_id" not in data:
            return error(400, "Thiếu update_id.", "invalid_update")
        from telegram import Update

        try:
            update = Update.de_json(data, application.bot)
        except Exception:
            return error(400, "Cập nhật Telegram không hợp lệ.", "invalid_update")
        await application.process_update(update)
        return {"ok": True}

    return router


def _zalo_router(runtime: BotRuntime) -> APIRouter:
    router = APIRouter()

    @router.post("/webhooks/zalo", include_in_schema=False)
    async def zalo_webhook(request: Request):
        from bot.channels.zalo import event_id, image_url, inbound_from_event, is_fresh
        from bot.channels.zalo import verify_signature as verify_zalo

        settings = runtime.settings
        raw = await request.body()
        if not verify_zalo(
            settings.zalo_app_id,
            settings.zalo_oa_secret_key,
            raw,
            request.headers.get("X-ZEvent-Signature"),
            request.headers.get("X-ZEvent-Timestamp"),
        ):
            return error(401, "Chữ ký sự kiện Zalo không hợp lệ.", "invalid_signature")
        event = json.loads(raw)
        if not is_fresh(event, time.time(), settings.zalo_event_max_age_seconds):
            return error(401, "Sự kiện Zalo đã quá thời hạn hợp lệ.", "stale_event")
        if await asyncio.to_thread(runtime.store.is_processed, "zalo", event_id(event)):
            return {"status": "duplicate"}
        sender = runtime.zalo_sender()
        image, failed = None, False
        url = image_url(event) if event.get("event_name") == "user_send_image" else None
        if url and sender is not None:
            try:
                image = await sender.fetch_image(url)
            except Exception as exc:
                log.warning("zalo image download failed: %s", type(exc).__name__)
                failed = True
        inbound = inbound_from_event(event, image=image, image_failed=failed)
        if inbound is None:
            return {"status": "ignored"}
        try:
            engine = await runtime.get_engine()
            replies = await engine.handle(inbound)
        except Exception as exc:  # Zalo retries the event later
            log.error("zalo event not handled: %s", type(exc).__name__)
            return error(503, "Trợ lý ảo tạm thời gián đoạn.", "bot_unavailable")
        if replies and sender is not None:
            try:
                await sender.send(inbound.user_id, replies)
            except Exception as exc:  # Zalo would retry the event; it is processed, so answer 200
                log.warning("zalo reply failed: %s", type(exc).__name__)
                return {"status": "reply_failed"}
        return {"status": "ok"}

    return router
