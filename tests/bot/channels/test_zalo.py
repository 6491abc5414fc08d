"""Zalo OA end to end: recorded webhook events, signed as Zalo signs them, → POST /webhooks/zalo → engine
→ replies through the OA message API on a local fake server."""

from __future__ import annotations

import copy
import hashlib
import json
import re
import time
from pathlib import Path

import pytest

from bot import texts
from tests.bot.bot_harness import ZALO_APP_ID, ZALO_OA_SECRET

pytestmark = pytest.mark.anyio
EVENTS = json.loads((Path(__file__).parent / "data" / "zalo_events.json").read_text(encoding="utf-8"))
USER = "2512523625412515"


# The recorded events' timestamps, moved to now (same offsets, at the time the event is built): events
# older than the freshness window are refused (replay protection).
RECORDED_AT_MS = 1767225600000


def event(kind: str, msg_id: str | None = None, text: str | None = None, image_base: str = "") -> dict:
    body = copy.deepcopy(EVENTS[kind])
    if str(body.get("timestamp", "")).isdigit():
        body["timestamp"] = str(int(body["timestamp"]) + int(time.time() * 1000) - RECORDED_AT_MS)
    if msg_id is not None:
        body["message"]["msg_id"] = msg_id
    if text is not None:
        body["message"]["text"] = text
    for attachment in (body.get("message") or {}).get("attachments", []):
        for key, value in attachment["payload"].items():
            attachment["payload"][key] = value.replace("IMAGE_BASE", image_base)
    return body


def signed(body: dict, secret: str = ZALO_OA_SECRET) -> tuple[bytes, dict]:
    raw = json.dumps(body, ensure_ascii=False).encode()
    mac = hashlib.sha256(ZALO_APP_ID.encode() + raw + body["timestamp"].encode() + secret.encode()).hexdigest()
    return raw, {"X-ZEvent-Signature": f"mac={mac}", "Content-Type": "application/json"}


async def post(h, body: dict, secret: str = ZALO_OA_SECRET):
    raw, headers = signed(body, secret)
    return await h.http.post("/webhooks/zalo", content=raw, headers=headers)


async def test_signed_text_event_gets_a_reply_through_the_oa_api(harness, fake_zalo):
    async with harness as h:
        response = await post(h, event("user_send_text"))
        assert response.status_code == 200
        sent = fake_zalo.messages()
        assert len(sent) == 1
        assert sent[0]["access_token"] == h.settings.zalo_oa_access_token
        assert sent[0]["body"]["recipient"] == {"user_id": USER}
        assert sent[0]["body"]["message"]["text"] == texts.GREET
        buttons = sent[0]["body"]["message"]["attachment"]["payload"]["buttons"]
        assert {"title": texts.BTN_FEEDBACK, "type": "oa.query.hide", "payload": "/feedback"} in buttons


async def test_bad_signature_is_401_and_nothing_is_sent(harness, fake_zalo):
    async with harness as h:
        assert (await post(h, event("user_send_text"), secret="not-the-secret")).status_code == 401
        raw, headers = signed(event("user_send_text"))
        tampered = raw.replace("xin chào".encode(), b"xin chao")
        assert (await h.http.post("/webhooks/zalo", content=tampered, headers=headers)).status_code == 401
        assert (await h.http.post("/webhooks/zalo", content=raw)).status_code == 401  # no header
        assert (await h.http.post("/webhooks/zalo", content=b"{not json", headers=headers)).status_code == 401
        assert fake_zalo.messages() == []


async def test_validly_signed_but_old_event_is_refused(harness, fake_zalo):
    # A captured event replayed an hour later (after the 5-minute window): signed, but not accepted.
    async with harness as h:
        old = event("user_send_text", msg_id="replayed-1")
        old["timestamp"] = str(int(old["timestamp"]) - 3600 * 1000)
        response = await post(h, old)
        assert response.status_code == 401 and response.json()["code"] == "stale_event"
        future = event("user_send_text", msg_id="replayed-2")
        future["timestamp"] = str(int(future["timestamp"]) + 3600 * 1000)
        assert (await post(h, future)).status_code == 401
        assert fake_zalo.messages() == []
        assert (await post(h, event("user_send_text", msg_id="fresh-1"))).status_code == 200


async def test_duplicate_event_is_processed_once(harness, fake_zalo):
    async with harness as h:
        body = event("user_send_text", msg_id="dup-1")
        assert (await post(h, body)).status_code == 200
        second = await post(h, body)
        assert second.status_code == 200 and second.json()["status"] == "duplicate"
        assert len(fake_zalo.messages()) == 1
        assert (await post(h, event("user_send_text", msg_id="dup-2"))).status_code == 200
        assert len(fake_zalo.messages()) == 2


async def test_feedback_with_photo_over_zalo_and_notification(harness, fake_zalo):
    async with harness as h:
        steps = [
            event("user_send_text", "z1", "/feedback"),  # an oa.query button click arrives as its payload text
            event("user_send_text", "z2", "Ổ gà lớn giữa đường Nguyễn Hoàng gây nguy hiểm cho xe máy ban đêm"),
            event("user_send_text", "z3", "Đường Nguyễn Hoàng, Tam Kỳ"),
            event("user_send_text", "z4", "Lê Văn Cường"),
            event("user_send_text", "z5", "bo qua"),
            event("user_send_image", "z6", image_base=fake_zalo.url),
            event("user_send_image", "z6b", image_base=fake_zalo.url),  # a second photo
            event("user_send_text", "z6c", "xong"),
            event("user_send_text", "z7", "dong y"),
        ]
        for body in steps:
            assert (await post(h, body)).status_code == 200
        assert any(c["path"] == "/img/photo.jpg" for c in fake_zalo.calls)
        summary = fake_zalo.messages()[-1]["body"]["message"]["text"]
        assert "Ảnh đính kèm: 2" in summary and "Lê Văn Cường" in summary and "Đồng ý công khai trả lời: Có" in summary
        assert (await post(h, event("user_send_text", "z8", "/confirm"))).status_code == 200
        code = re.search(r"PA-\d{4}-\d{6}", fake_zalo.messages()[-1]["body"]["message"]["text"]).group(0)
        staff = (await h.http.get(f"/api/v1/feedback/{code}/staff-view", headers=await h.supervisor_headers())).json()
        assert staff["channel"] == "zalo" and staff["reply_to"] == {"channel": "zalo", "chat_id": USER}
        assert len(staff["attachments"]) == 2 and staff["contact"]["name"] == "Lê Văn Cường"

        before = len(fake_zalo.messages())
        await h.answer_item(code, "Ban quản lý dự án đã vá ổ gà trên đường Nguyễn Hoàng ngày 8/1.")
        await h.deliver_outbox()
        notices = fake_zalo.messages()[before:]
        assert any(
            n["body"]["recipient"]["user_id"] == USER
            and code in n["body"]["message"]["text"]
            and "đã vá ổ gà" in n["body"]["message"]["text"]
            for n in notices
        )


async def test_follow_event_greets(harness, fake_zalo):
    async with harness as h:
        assert (await post(h, event("follow"))).status_code == 200
        assert fake_zalo.messages()[-1]["body"]["message"]["text"] == texts.GREET


async def test_sticker_and_own_echo_events(harness, fake_zalo):
    async with harness as h:
        sticker = event("user_send_text", msg_id="st-1")
        sticker["event_name"] = "user_send_sticker"
        sticker["message"] = {
            "msg_id": "st-1",
            "attachments": [{"type": "sticker", "payload": {"id": "x", "url": "u"}}],
        }
        assert (await post(h, sticker)).status_code == 200
        assert fake_zalo.messages()[-1]["body"]["message"]["text"] == texts.EMPTY
        echo = event("user_send_text", msg_id="oa-1")
        echo["event_name"] = "oa_send_text"  # the OA's own reply coming back as an event
        response = await post(h, echo)
        assert response.status_code == 200 and response.json()["status"] == "ignored"
        assert len(fake_zalo.messages()) == 1
