"""Khiếu nại / tố cáo in the chat: the form recognises them and offers the legal path or, when the citizen
says it is a phản ánh after all, goes on and submits it (with `confirmed_pakn`)."""

from __future__ import annotations

import re

import pytest

from bot import texts
from bot.client import Contact, FeedbackSubmission, ReplyTo
from tests.bot.bot_harness import Harness

pytestmark = pytest.mark.anyio
CODE_RE = re.compile(r"PA-\d{4}-\d{6}")


async def _items(h: Harness, session: str) -> int:
    listing = (
        await h.http.get(
            "/api/v1/feedback", params={"channel": "web", "chat_id": session}, headers=await h.supervisor_headers()
        )
    ).json()
    return listing["total"]


def _buttons(messages: list[dict]) -> dict[str, str]:
    return {b["title"]: b["payload"] for m in messages for b in m.get("buttons", [])}


async def test_khieu_nai_offers_guidance_and_takes_nothing_in(harness):
    async with harness as h:
        s = "grievance-1"
        assert texts.ASK_CONTENT in await h.say(s, "tôi muốn phản ánh")
        messages = await h.chat(s, "Tôi không đồng ý với quyết định xử phạt hành chính của UBND phường Hải Châu")
        text = "\n".join(m["text"] for m in messages)
        assert "khiếu nại" in text and texts.ASK_LOCATION not in text
        buttons = _buttons(messages)
        assert buttons[texts.BTN_GRIEVANCE_GUIDE] == "/grievance guide"
        assert buttons[texts.BTN_GRIEVANCE_PAKN] == "/grievance pakn"
        guide = await h.say(s, payload="/grievance guide")
        assert "90 ngày" in guide and "người đã ra quyết định" in guide and "ký tên hoặc điểm chỉ" in guide
        assert texts.GRIEVANCE_AFTER_GUIDE in guide
        assert await _items(h, s) == 0  # not taken in as PAKN
        assert await h.say(s, "cảm ơn") == texts.THANK  # the form is over


async def test_to_cao_in_the_first_message_is_recognised_whatever_the_intent(harness):
    async with harness as h:
        s = "grievance-2"
        first = await h.say(s, "to cao can bo dia chinh xa nhan hoi lo de cap so do sai")
        assert "tố cáo" in first
        guide = await h.say(s, "hướng dẫn giúp tôi")  # typed, not the button
        assert "Luật Tố cáo" in guide and "bí mật" in guide and "họ tên, địa chỉ" in guide
        assert await _items(h, s) == 0


async def test_no_this_is_a_phan_anh_goes_on_and_submits(harness):
    async with harness as h:
        s = "grievance-3"
        content = "Khiếu nại quyết định cưỡng chế tháo dỡ mái che của phường, đề nghị xem xét hỗ trợ hộ kinh doanh"
        first = await h.say(s, content)
        assert "khiếu nại" in first and texts.ASK_LOCATION not in first
        assert texts.ASK_LOCATION in await h.say(s, payload="/grievance pakn")
        assert texts.ASK_NAME in await h.say(s, "phường Hải Châu")
        await h.say(s, "bỏ qua")  # name
        await h.say(s, "bỏ qua")  # phone
        await h.say(s, "bỏ qua")  # photo
        summary = await h.say(s, "không")  # consent
        assert "Vui lòng kiểm tra lại thông tin" in summary
        done = await h.say(s, payload="/confirm")
        code = CODE_RE.search(done).group(0)
        staff = (await h.http.get(f"/api/v1/feedback/{code}/staff-view", headers=await h.supervisor_headers())).json()
        assert staff["content"] == content.removeprefix("Khiếu nại ")  # the lead-in word is not kept


async def test_typed_no_also_confirms_a_phan_anh(harness):
    async with harness as h:
        s = "grievance-4"
        await h.say(s, "tôi muốn phản ánh")
        await h.say(s, "tố cáo chủ tịch phường bao che cho quán nhậu lấn chiếm vỉa hè")
        assert texts.ASK_LOCATION in await h.say(s, "không, đây là phản ánh")


async def test_ordinary_feedback_is_not_asked(harness):
    async with harness as h:
        s = "grievance-5"
        first = await h.say(s, "tôi muốn phản ánh quán karaoke hát tới khuya, khiếu nại mãi không ai xử lý")
        assert texts.ASK_LOCATION in first and texts.BTN_GRIEVANCE_GUIDE not in first


def test_confirmed_pakn_is_sent_only_when_set():
    base = dict(
        content="Đèn đường hư",
        kind="complaint",
        channel="web",
        reply_to=ReplyTo(channel="web", chat_id="1"),
        contact=Contact(phone="0905123456"),
    )
    assert "confirmed_pakn" not in FeedbackSubmission(**base).body()  # existing bodies unchanged
    assert FeedbackSubmission(**base, confirmed_pakn=True).body()["confirmed_pakn"] is True
