"""Telegram end to end: recorded Bot API updates → POST /webhooks/telegram → PTB Application → engine →
sendMessage on a local fake Bot API server (python-telegram-bot's base_url points at it)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from bot import texts
from tests.bot.bot_harness import TELEGRAM_SECRET

pytestmark = pytest.mark.anyio
UPDATES = json.loads((Path(__file__).parent / "data" / "telegram_updates.json").read_text(encoding="utf-8"))
CHAT_ID = 5550001


def update(kind: str, update_id: int | None = None, **changes) -> dict:
    body = copy.deepcopy(UPDATES[kind])
    if update_id is not None:
        body["update_id"] = update_id
    key = "callback_query" if "callback_query" in body else "message"
    body[key].update(changes)
    return body


async def post(h, body: dict, secret: str | None = TELEGRAM_SECRET):
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return await h.http.post("/webhooks/telegram", json=body, headers=headers)


async def test_webhook_secret_is_checked(harness, fake_telegram):
    async with harness as h:
        assert (await post(h, update("text"), secret="wrong")).status_code == 403
        assert (await post(h, update("text"), secret=None)).status_code == 403
        assert fake_telegram.sent() == []
        ok = await post(h, update("text"))
        assert ok.status_code == 200
        sent = fake_telegram.sent()
        assert len(sent) == 1 and int(sent[0]["chat_id"]) == CHAT_ID and sent[0]["text"] == texts.GREET
        # buttons travel as an inline keyboard with our payloads as callback_data
        keyboard = sent[0]["reply_markup"]["inline_keyboard"]
        assert {"text": texts.BTN_FEEDBACK, "callback_data": "/feedback"} in [b for row in keyboard for b in row]


async def test_duplicate_update_id_is_processed_once(harness, fake_telegram):
    async with harness as h:
        body = update("start")
        assert (await post(h, body)).status_code == 200
        assert (await post(h, body)).status_code == 200  # Telegram retried the same update
        assert len(fake_telegram.sent()) == 1
        assert (await post(h, update("start", update_id=body["update_id"] + 1))).status_code == 200
        assert len(fake_telegram.sent()) == 2


async def test_feedback_form_over_telegram_with_buttons_and_photo(harness, fake_telegram):
    async with harness as h:
        uid = 730200000
        steps = [
            update("callback_query", uid + 1, data="/feedback"),
            update("text", uid + 2, text="Rác thải sinh hoạt đổ trộm bên bờ sông Bàn Thạch nhiều ngày chưa dọn"),
            update("text", uid + 3, text="Bờ sông Bàn Thạch, phường An Sơn, Tam Kỳ"),
            update("callback_query", uid + 4, data="/skip"),  # name
            update("text", uid + 5, text="+84 905 123 456"),
            update("photo", uid + 6),
            update("callback_query", uid + 9, data="/skip"),  # "Xong": no more photos
            update("callback_query", uid + 7, data="/no"),  # consent
        ]
        for body in steps:
            assert (await post(h, body)).status_code == 200
        assert len(fake_telegram.sent("answerCallbackQuery")) == 4
        assert [c for c in fake_telegram.calls if c["method"] == "getFile"]  # the largest size was fetched
        assert fake_telegram.sent("getFile")[0]["file_id"] == UPDATES["photo"]["message"]["photo"][-1]["file_id"]
        summary = fake_telegram.sent()[-1]["text"]
        assert "Ảnh đính kèm: 1" in summary and "0905***456" in summary
        assert (await post(h, update("callback_query", uid + 10, data="/confirm"))).status_code == 200
        done = fake_telegram.sent()[-1]["text"]
        code = re.search(r"PA-\d{4}-\d{6}", done).group(0)
        staff = (await h.http.get(f"/api/v1/feedback/{code}/staff-view", headers=await h.supervisor_headers())).json()
        assert staff["channel"] == "telegram"
        assert staff["reply_to"] == {"channel": "telegram", "chat_id": str(CHAT_ID)}
        assert staff["contact"]["phone"] == "0905123456" and staff["publish_consent"] is False
        assert len(staff["attachments"]) == 1

        # The agency's answer reaches the citizen in Telegram through the outbox.
        before = len(fake_telegram.sent())
        await h.answer_item(code, "Ngày 7/1 công ty môi trường đô thị đã thu gom toàn bộ rác tại bờ sông.")
        await h.deliver_outbox()
        notices = fake_telegram.sent()[before:]
        assert any(int(n["chat_id"]) == CHAT_ID and code in n["text"] and "đã thu gom" in n["text"] for n in notices)


async def test_qa_over_telegram(harness, fake_telegram):
    async with harness as h:
        assert (await post(h, update("text", 730300001, text="đăng ký khai tử cần giấy tờ gì"))).status_code == 200
        reply = fake_telegram.sent()[-1]
        parsed = h.parser.parse("đăng ký khai tử cần giấy tờ gì")
        top_name = h.kb.procedure(parsed.procedures[0].code).name
        assert top_name in reply["text"] or any(
            top_name in b["text"] for row in (reply.get("reply_markup") or {}).get("inline_keyboard", []) for b in row
        )


async def test_unconfigured_telegram_is_a_clear_4xx(harness, fake_telegram):
    harness.settings.telegram_token = ""
    async with harness as h:
        response = await post(h, update("text"))
        assert response.status_code == 404 and response.json()["code"] == "telegram_not_configured"
        broken = await h.http.post(
            "/webhooks/telegram", content=b"{oops", headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
        )
        assert broken.status_code in (400, 404)


async def test_polling_mode_runs_the_same_handlers(harness, fake_telegram):
    import asyncio

    from bot.channels.telegram import build_application

    async with harness as h:
        engine = await h.runtime.get_engine()

        async def get_engine():
            return engine

        application = build_application(h.settings, get_engine, polling=True)
        fake_telegram.queue_updates([update("text", 730400001), update("text", 730400002, text="cảm ơn nhé")])
        async with application:
            await application.updater.start_polling(poll_interval=0.05, timeout=0)
            await application.start()
            for _ in range(200):
                if len(fake_telegram.sent()) >= 2:
                    break
                await asyncio.sleep(0.05)
            await application.updater.stop()
            await application.stop()
        assert [m["text"] for m in fake_telegram.sent()] == [texts.GREET, texts.THANK]
        assert fake_telegram.sent("getUpdates")  # it really polled


async def test_sticker_gets_told_what_the_bot_reads(harness, fake_telegram):
    async with harness as h:
        body = update("text", 730500001)
        del body["message"]["text"]
        body["message"]["sticker"] = {
            "file_id": "CAACAgIAAxkBAAEB",
            "file_unique_id": "AgADsticker",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
        assert (await post(h, body)).status_code == 200
        assert fake_telegram.sent()[-1]["text"] == texts.EMPTY


async def test_edited_messages_are_not_new_answers(harness, fake_telegram):
    async with harness as h:
        body = update("text", 730600001)
        edited = {
            "update_id": 730600002,
            "edited_message": {**body["message"], "edit_date": 1767225700, "text": "xin chào lần nữa"},
        }
        assert (await post(h, body)).status_code == 200
        assert (await post(h, edited)).status_code == 200
        assert len(fake_telegram.sent()) == 1


async def test_group_chats_are_ignored(harness, fake_telegram):
    async with harness as h:
        body = update("text", 730700001)
        body["message"]["chat"] = {"id": -100123456, "title": "Nhóm khu phố", "type": "supergroup"}
        assert (await post(h, body)).status_code == 200
        assert fake_telegram.sent() == []
