"""Operator takeover end to end: a citizen asks for a human, an operator takes the conversation (the bot
stays silent), replies on the citizen's channel (web chat poll, Telegram), hands it back; the action log
has the timings and nothing personal. Web chat history survives a reload; satisfaction after an answer."""

from __future__ import annotations

import re

import pytest

from bot import texts
from bot.engine import user_ref
from tests.bot.channels.test_telegram import CHAT_ID, post, update

pytestmark = pytest.mark.anyio


async def _operator_headers(h, name="op_minh", role="operator"):
    from feedback_api.auth.service import create_user, get_user
    from feedback_api.db import get_sessionmaker

    with get_sessionmaker(h.settings)() as session:
        if get_user(session, name) is None:
            agency = {"operator": "TTPVHCC", "staff": "STP"}.get(role)
            create_user(session, name, "password-for-tests", role, agency)
    token = await h.http.post("/api/v1/auth/token", data={"username": name, "password": "password-for-tests"})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


async def test_history_survives_reload(harness):
    async with harness as h:
        await h.chat("hist-1", payload="/start")
        await h.chat("hist-1", "xin chào")
        await h.http.post(
            "/api/v1/chat", json={"session_id": "hist-1", "payload": "/feedback", "title": "Gửi phản ánh"}
        )
        history = (await h.http.get("/api/v1/chat/hist-1/history")).json()
        senders = [m["sender"] for m in history["messages"]]
        said = [m["text"] for m in history["messages"] if m["sender"] == "citizen"]
        assert said == ["xin chào", "Gửi phản ánh"]
        assert senders[0] == "bot" and senders.count("citizen") == 2
        assert history["messages"][0]["text"] == texts.GREET and history["messages"][0]["buttons"]
        assert history["operator"] is False
        assert (await h.http.get("/api/v1/chat/other-session/history")).json()["messages"] == []
        assert (await h.http.get("/api/v1/chat/bad%20id/history")).status_code == 422


async def test_operator_takes_over_web_chat_replies_and_hands_back(harness, caplog):
    async with harness as h:
        ops = await _operator_headers(h)
        assert (await h.http.get("/api/v1/handoffs")).status_code == 401
        assert (await h.http.get("/api/v1/handoffs", headers={"Authorization": "Bearer nope"})).status_code == 401
        staff = await _operator_headers(h, "staff_lan", "staff")
        assert (await h.http.get("/api/v1/handoffs", headers=staff)).status_code == 403

        await h.chat("ho-1", "Tôi tên Nguyễn Thị Hoa, cho tôi gặp tổng đài viên")
        queue = (await h.http.get("/api/v1/handoffs", headers=ops)).json()["items"]
        assert len(queue) == 1
        row = queue[0]
        ref = row["id"]
        assert ref == user_ref("web", "ho-1") and row["channel_label"] == "Trang web"
        assert row["held_by"] is None and row["waiting_seconds"] is not None
        assert "ho-1" not in str(queue)  # the chat id never leaves the bot

        conv = (await h.http.get(f"/api/v1/handoffs/{ref}", headers=ops)).json()
        assert any("Nguyễn Thị Hoa" in m["text"] for m in conv["messages"] if m["sender"] == "citizen")

        early = await h.http.post(f"/api/v1/handoffs/{ref}/reply", json={"text": "Chào chị"}, headers=ops)
        assert early.status_code == 409 and "nhận hỗ trợ" in early.json()["detail"]
        taken = await h.http.post(f"/api/v1/handoffs/{ref}/take", headers=ops)
        assert taken.status_code == 200 and taken.json()["held_by"] == "op_minh"
        other = await _operator_headers(h, "op_khoa")
        clash = await h.http.post(f"/api/v1/handoffs/{ref}/take", headers=other)
        assert clash.status_code == 409 and "op_minh" in clash.json()["detail"]

        # While held, the bot says nothing (not even to a greeting it would normally answer).
        silent = await h.chat("ho-1", "xin chào, có ai không?")
        assert [m["text"] for m in silent] == [texts.OPERATOR_JOINED]  # only the pending "operator joined"
        assert await h.chat("ho-1", "alo") == []
        sent = await h.http.post(
            f"/api/v1/handoffs/{ref}/reply",
            json={"text": "Chào chị Hoa, em là tổng đài viên 1022, em giúp gì được ạ?"},
            headers=ops,
        )
        assert sent.status_code == 200
        polled = (await h.http.get("/api/v1/chat/ho-1/messages")).json()["messages"]
        assert [m["text"] for m in polled][-1].startswith("Chào chị Hoa")
        history = (await h.http.get("/api/v1/chat/ho-1/history")).json()
        assert history["operator"] is True
        assert [m["sender"] for m in history["messages"]][-1] == "operator"
        assert "xin chào, có ai không?" in [m["text"] for m in history["messages"]]

        bad = await h.http.post(f"/api/v1/handoffs/{ref}/reply", json={"text": "  "}, headers=ops)
        assert bad.status_code == 422 and bad.json()["detail"]
        broken = await h.http.post(f"/api/v1/handoffs/{ref}/reply", content=b"{", headers=ops)
        assert broken.status_code == 400

        released = await h.http.post(f"/api/v1/handoffs/{ref}/release", headers=ops)
        assert released.status_code == 200
        assert (await h.http.get("/api/v1/handoffs", headers=ops)).json()["items"] == []
        assert (await h.http.get(f"/api/v1/handoffs/{ref}", headers=ops)).status_code == 404
        back = await h.say("ho-1", "xin chào")
        assert texts.OPERATOR_LEFT in back and texts.GREET in back  # the bot speaks again

        log = (await h.http.get("/api/v1/handoff-log", headers=ops)).json()["items"]
        actions = [e["action"] for e in reversed(log)]
        assert actions == ["requested", "taken", "reply", "released"]
        taken_row = next(e for e in log if e["action"] == "taken")
        assert taken_row["seconds"] is not None and taken_row["operator"] == "op_minh"
        assert "ho-1" not in str(log) and "Hoa" not in str(log)
        assert "Nguyễn Thị Hoa" not in caplog.text and "ho-1" not in caplog.text


async def test_operator_replies_on_telegram(harness, fake_telegram):
    async with harness as h:
        ops = await _operator_headers(h)
        await post(h, update("text", 730500001, text="cho tôi gặp tổng đài viên"))
        ref = (await h.http.get("/api/v1/handoffs", headers=ops)).json()["items"][0]["id"]
        assert ref == user_ref("telegram", str(CHAT_ID))
        await h.http.post(f"/api/v1/handoffs/{ref}/take", headers=ops)
        before = len(fake_telegram.sent())
        await post(h, update("text", 730500002, text="xin chào"))
        assert len(fake_telegram.sent()) == before  # silent while held
        await h.http.post(
            f"/api/v1/handoffs/{ref}/reply", json={"text": "Tổng đài viên đây, bạn cần gì ạ?"}, headers=ops
        )
        assert fake_telegram.sent()[-1]["text"] == "Tổng đài viên đây, bạn cần gì ạ?"
        assert int(fake_telegram.sent()[-1]["chat_id"]) == CHAT_ID
        await h.http.post(f"/api/v1/handoffs/{ref}/release", headers=ops)
        assert fake_telegram.sent()[-1]["text"] == texts.OPERATOR_LEFT


async def test_satisfaction_from_the_chat_reopens_the_item(harness):
    from tests.bot.channels.test_web import _submit_from

    async with harness as h:
        code = await _submit_from(h, "rate-1")
        await h.answer_item(code, "Đội quản lý đô thị đã sửa xong đèn tín hiệu tại ngã tư.")
        await h.deliver_outbox()
        notices = (await h.http.get("/api/v1/chat/rate-1/messages")).json()["messages"]
        answered = next(m for m in notices if "đã sửa xong" in m["text"])
        assert texts.RATE_QUESTION in answered["text"]
        payloads = [b["payload"] for b in answered["buttons"]]
        assert payloads == [f"/rate {code} yes", f"/rate {code} no"]
        # another chat cannot rate someone else's item
        assert "không có câu trả lời" in await h.say("rate-other", payload=f"/rate {code} no")
        assert texts.RATE_ASK_REASON in await h.say("rate-1", payload=f"/rate {code} no")
        reopened = await h.say("rate-1", "Đèn vẫn chưa sáng vào buổi tối")
        assert code in reopened and "mở lại" in reopened and re.search(r"\d{2}/\d{2}/\d{4}", reopened)
        status = (await h.http.get(f"/api/v1/feedback/{code}")).json()
        assert status["status"] == "assigned"


async def test_operator_replies_on_zalo(harness, fake_zalo):
    from tests.bot.channels.test_zalo import USER, event
    from tests.bot.channels.test_zalo import post as zalo_post

    async with harness as h:
        ops = await _operator_headers(h)
        assert (await zalo_post(h, event("user_send_text", "zmsg-1", "cho tôi gặp tổng đài viên"))).status_code == 200
        ref = (await h.http.get("/api/v1/handoffs", headers=ops)).json()["items"][0]["id"]
        assert ref == user_ref("zalo", USER)
        await h.http.post(f"/api/v1/handoffs/{ref}/take", headers=ops)
        before = len(fake_zalo.messages())
        await zalo_post(h, event("user_send_text", "zmsg-2", "xin chào"))
        assert len(fake_zalo.messages()) == before  # silent while held
        await h.http.post(f"/api/v1/handoffs/{ref}/reply", json={"text": "Tổng đài viên 1022 xin nghe."}, headers=ops)
        last = fake_zalo.messages()[-1]["body"]
        assert last["recipient"] == {"user_id": USER} and last["message"]["text"] == "Tổng đài viên 1022 xin nghe."


async def test_loose_tracking_code_in_chat(harness):
    async with harness as h:
        reply = await h.say("loose-1", "kiểm tra giúp tôi pa 2026 999")
        assert "PA-2026-000999" in reply
