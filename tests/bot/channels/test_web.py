"""Web chat endpoint: odd input never gets a 500; the widget page; notices from the outbox."""

from __future__ import annotations

import json

import pytest

from bot import texts
from common.signing import sign
from tests.bot.bot_harness import BOT_EVENTS_SECRET

pytestmark = pytest.mark.anyio


async def test_odd_input_never_500(harness):
    async with harness as h:
        cases = [
            ({"session_id": "odd-1", "text": ""}, 200),
            ({"session_id": "odd-1", "text": "   \n\t "}, 200),
            ({"session_id": "odd-1", "text": "😀😀🙏🔥"}, 200),
            ({"session_id": "odd-1", "text": "a" * 5000}, 200),
            ({"session_id": "odd-1", "text": "đường " * 1000}, 200),
            ({"session_id": "odd-1", "text": "\u0000\u200b<script>alert(1)</script>"}, 200),
            ({"session_id": "odd-1", "payload": "/procedure KHONG-CO"}, 200),
            ({"session_id": "odd-1", "payload": "/khong-biet"}, 200),
            ({"session_id": "odd-1", "text": None}, 200),
            ({"session_id": "odd-1", "text": "x" * 10_001}, 422),
            ({"session_id": "odd-1", "text": 12}, 422),
            ({"session_id": "odd-1", "text": ["a"]}, 422),
            ({"text": "xin chào"}, 422),
            ({"session_id": None, "text": "xin chào"}, 422),
            ({"session_id": "x" * 200, "text": "xin chào"}, 422),
            ({"session_id": "odd-1", "payload": {"a": 1}}, 422),
        ]
        for body, status in cases:
            response = await h.http.post("/api/v1/chat", json=body)
            assert response.status_code == status, (body, response.text)
            data = response.json()
            if status == 200:
                assert data["messages"] and all(m["text"].strip() for m in data["messages"])
            else:
                assert data["detail"] and data["code"]

        for raw in (b"{broken json", b"", b"\xff\xfe\xfd", b"[1, 2]", b'"text"', b"null"):
            response = await h.http.post("/api/v1/chat", content=raw, headers={"Content-Type": "application/json"})
            assert 400 <= response.status_code < 500, raw
            assert response.json()["detail"]

        empty = await h.chat("odd-2", "")
        assert empty[0]["text"] == texts.EMPTY
        emoji = await h.chat("odd-2", "🙏🙏")
        assert emoji[0]["text"] == texts.EMPTY


async def test_long_content_is_accepted_by_the_form(harness):
    async with harness as h:
        await h.say("long-1", "tôi muốn phản ánh")
        content = ("Nước thải từ cơ sở chế biến chảy ra mương thoát nước gây mùi hôi. " * 80)[:5000]
        assert len(content) == 5000
        assert texts.ASK_LOCATION in await h.say("long-1", content)
        assert texts.CONTENT_TOO_LONG.format(limit=5000) in await h.say("long-2", "tôi muốn phản ánh") + await h.say(
            "long-2", content + "thêm"
        )


async def test_widget_page_is_self_contained(harness):
    async with harness as h:
        response = await h.http.get("/chat")
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
        page = response.text
        assert "/api/v1/chat" in page and "<script" in page
        assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page  # no CDN
        # Only the page's own inline script and style may run (by hash); no MIME sniffing.
        import base64
        import hashlib
        import re

        policy = response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "'unsafe-inline'" not in policy and "object-src 'none'" in policy
        [script] = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"script-src 'self' 'sha256-{digest}'" in policy


async def _submit_from(h, session: str) -> str:
    import re

    await h.say(session, "tôi muốn phản ánh")
    await h.say(session, "Đèn tín hiệu giao thông ở ngã tư Phan Bội Châu không hoạt động từ hôm qua")
    await h.say(session, "Ngã tư Phan Bội Châu, Tam Kỳ")
    for answer in ("bỏ qua", "0905 123 456", "bỏ qua", "có"):
        await h.say(session, answer)
    done = await h.say(session, "gửi")
    return re.search(r"PA-\d{4}-\d{6}", done).group(0)


async def test_answer_reaches_the_web_chat_through_the_outbox(harness):
    async with harness as h:
        code = await _submit_from(h, "notify-1")
        await h.answer_item(code, "Ngày 6/1 đội quản lý đô thị đã sửa xong đèn tín hiệu tại ngã tư.", publish=True)
        attempts = await h.deliver_outbox()  # the feedback service's real, signed delivery
        assert attempts >= 2
        polled = (await h.http.get("/api/v1/chat/notify-1/messages")).json()["messages"]
        notice_texts = [m["text"] for m in polled]
        assert any(code in t and "đã sửa xong đèn tín hiệu" in t for t in notice_texts)
        assert any(code in t and "công khai" in t for t in notice_texts)
        assert (await h.http.get("/api/v1/chat/notify-1/messages")).json()["messages"] == []  # delivered once
        assert (await h.http.get("/api/v1/chat/other/messages")).json()["messages"] == []

        # With the phone's last 4 digits (given in the form) the status shows the answer too.
        status = await h.say("notify-1", code)
        assert "đã sửa xong đèn tín hiệu" in status


async def test_events_endpoint_checks_signature_and_dedups(harness):
    async with harness as h:
        event = {
            "id": "5b0e4c1e-0000-4000-8000-000000000001",
            "event": "feedback.answered",
            "occurred_at": "2026-01-06T09:00:00+07:00",
            "feedback": {
                "code": "PA-2026-000042",
                "status": "answered",
                "kind": "complaint",
                "channel": "web",
                "agency": "STP",
                "answer": "Đã xử lý xong.",
                "reply_to": {"channel": "web", "chat_id": "ev-1"},
            },
        }
        raw = json.dumps(event).encode()
        bad = await h.http.post("/bot/events", content=raw, headers={"X-Hotline-Signature": sign("wrong", raw)})
        assert bad.status_code == 401 and bad.json()["code"] == "invalid_signature"
        missing = await h.http.post("/bot/events", content=raw)
        assert missing.status_code == 401

        headers = {"X-Hotline-Signature": sign(BOT_EVENTS_SECRET, raw), "Content-Type": "application/json"}
        first = await h.http.post("/bot/events", content=raw, headers=headers)
        again = await h.http.post("/bot/events", content=raw, headers=headers)
        assert first.json()["status"] == "sent" and again.json()["status"] == "duplicate"
        pending = (await h.http.get("/api/v1/chat/ev-1/messages")).json()["messages"]
        assert len(pending) == 1 and "PA-2026-000042" in pending[0]["text"] and "Sở Tư pháp" in pending[0]["text"]

        # Pending notices also come back with the next chat reply.
        event2 = {**event, "id": "5b0e4c1e-0000-4000-8000-000000000002", "event": "feedback.published"}
        raw2 = json.dumps(event2).encode()
        await h.http.post("/bot/events", content=raw2, headers={"X-Hotline-Signature": sign(BOT_EVENTS_SECRET, raw2)})
        messages = await h.chat("ev-1", "xin chào")
        assert "công khai" in messages[0]["text"] and messages[-1]["text"] == texts.GREET

        garbage = b"not json"
        r = await h.http.post(
            "/bot/events", content=garbage, headers={"X-Hotline-Signature": sign(BOT_EVENTS_SECRET, garbage)}
        )
        assert r.status_code == 400


async def test_engine_failure_is_a_clear_503_not_a_500(harness):
    async with harness as h:

        async def broken():
            raise RuntimeError("index missing")

        h.runtime.get_engine = broken
        response = await h.http.post("/api/v1/chat", json={"session_id": "down-1", "text": "xin chào"})
        assert response.status_code == 503
        assert response.json()["code"] == "chat_unavailable" and "1022" in response.json()["detail"]


async def test_widget_photo_upload_joins_the_feedback(harness):
    import re

    from tests.bot.bot_fakes import JPEG_BYTES

    async with harness as h:
        s = "photo-1"
        await h.say(s, "tôi muốn phản ánh")
        await h.say(s, "Trụ điện nghiêng sắp đổ ở đầu kiệt 45 đường Hùng Vương")
        await h.say(s, "Kiệt 45 Hùng Vương, Tam Kỳ")
        await h.say(s, "bỏ qua")
        assert texts.ASK_PHOTO_WEB in await h.say(s, "bỏ qua")
        upload = await h.http.post("/api/v1/attachments", files={"file": ("tru-dien.jpg", JPEG_BYTES, "image/jpeg")})
        assert upload.status_code == 201, upload.text
        attachment_id = upload.json()["id"]
        reply = await h.say(s, payload=f"/photo {attachment_id}")
        assert texts.PHOTO_SAVED.format(count=1, limit=3) in reply and texts.PHOTO_MORE in reply
        assert texts.ASK_CONSENT in await h.say(s, "xong")
        summary = await h.say(s, "có")
        assert "Ảnh đính kèm: 1" in summary
        code = re.search(r"PA-\d{4}-\d{6}", await h.say(s, "gửi")).group(0)
        staff = (await h.http.get(f"/api/v1/feedback/{code}/staff-view", headers=await h.supervisor_headers())).json()
        assert staff["attachments"] == [attachment_id]


def test_served_app_lifespan_warms_the_bot(bot_settings, bot_parser, bot_kb):
    """Through hotline.app-style composition with the lifespan running (TestClient as a context manager)."""
    from fastapi.testclient import TestClient

    from bot.web import install
    from feedback_api.main import create_app

    bot_settings.scheduler_interval_seconds = 3600
    app = create_app(bot_settings, migrate=False)
    runtime = install(app, bot_settings, parser=bot_parser, kb=bot_kb)
    with TestClient(app) as client:
        assert runtime._engine is not None  # loaded at startup, before the first citizen waits
        response = client.post("/api/v1/chat", json={"session_id": "life-1", "text": "xin chào"})
        assert response.status_code == 200 and response.json()["messages"][0]["text"] == texts.GREET
    assert runtime._engine is None  # closed at shutdown


def test_fuzzed_chat_bodies_never_500(bot_settings, bot_parser, bot_kb):
    """Property: whatever JSON (or not) a client posts, the answer is 200 with messages or a clear 4xx."""
    import httpx
    from fastapi.testclient import TestClient
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from bot.web import install
    from feedback_api.main import create_app

    app = create_app(bot_settings, migrate=False)
    install(
        app, bot_settings, feedback_transport=httpx.ASGITransport(app=app), parser=bot_parser, kb=bot_kb, warm=False
    )
    bot_settings.scheduler_interval_seconds = 3600
    texts_st = st.one_of(
        st.text(max_size=300),
        st.text(alphabet="đĐăâêôơưàáảãạ😀 /\\\"'{}<>", max_size=50),
        st.integers(),
        st.none(),
        st.lists(st.text(max_size=5), max_size=3),
        st.booleans(),
    )
    bodies = st.one_of(
        st.fixed_dictionaries(
            {"session_id": st.one_of(st.text(max_size=20), st.sampled_from(["s1", "s-2"])), "text": texts_st},
            optional={"payload": st.one_of(st.none(), st.text(max_size=30), st.integers())},
        ),
        st.dictionaries(st.text(max_size=10), texts_st, max_size=3),
        st.lists(st.integers(), max_size=3),
    )

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(bodies)
    def check(body):
        response = client.post("/api/v1/chat", json=body)
        assert response.status_code < 500, (body, response.text)
        data = response.json()
        if response.status_code == 200:
            assert data["messages"] and all(isinstance(m["text"], str) and m["text"] for m in data["messages"])
        else:
            assert 400 <= response.status_code < 500 and data["detail"] and data["code"]

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.binary(max_size=200))
    def check_raw(raw):
        response = client.post("/api/v1/chat", content=raw, headers={"Content-Type": "application/json"})
        assert response.status_code < 500

    with TestClient(app) as client:  # lifespan: the bot runtime is closed at the end
        check()
        check_raw()


async def test_agency_question_reaches_the_citizen_and_the_answer_goes_back(harness):
    """needs_info loop: the agency asks (request-info), the citizen gets the question as a notice, presses
    "Bổ sung thông tin", answers in one message; the item leaves needs_info."""
    async with harness as h:
        code = await _submit_from(h, "info-1")
        headers = await h.supervisor_headers()
        status = (await h.http.get(f"/api/v1/feedback/{code}")).json()["status"]
        if status == "received":
            assert (
                await h.http.post(f"/api/v1/feedback/{code}/assign", json={"agency": "STP"}, headers=headers)
            ).status_code == 200
        r = await h.http.post(
            f"/api/v1/feedback/{code}/request-info",
            json={"question": "Đèn tín hiệu hỏng ở hướng nào của ngã tư?"},
            headers=headers,
        )
        assert r.status_code == 200, r.text
        await h.deliver_outbox()
        notices = (await h.http.get("/api/v1/chat/info-1/messages")).json()["messages"]
        ask = next(n for n in notices if "bổ sung" in n["text"])
        assert code in ask["text"] and "hướng nào của ngã tư" in ask["text"]
        assert ask["buttons"] == [{"title": texts.BTN_SUPPLEMENT, "payload": f"/info {code}"}]
        # The service sent the bot only this event (not the creation or assignment), question included.
        from sqlalchemy import select

        from feedback_api.db import get_sessionmaker
        from feedback_api.outbox.models import OutboxEvent

        with get_sessionmaker(h.settings)() as session:
            sent = [
                row.payload
                for row in session.scalars(select(OutboxEvent).where(OutboxEvent.target == "bot"))
                if row.payload["feedback"]["code"] == code
            ]
        assert [(e["event"], e["feedback"]["status"]) for e in sent] == [("feedback.status_changed", "needs_info")]
        assert sent[0]["feedback"]["question"] == "Đèn tín hiệu hỏng ở hướng nào của ngã tư?"

        # another chat cannot answer for this item
        assert texts.SUPPLEMENT_NOT_NEEDED.format(code=code) == await h.say("info-2", payload=f"/info {code}")

        assert texts.ASK_SUPPLEMENT.format(code=code) in await h.say("info-1", payload=f"/info {code}")
        reply = await h.say("info-1", "Hướng từ đường Phan Bội Châu đi vào trung tâm")
        assert reply == texts.SUPPLEMENT_SENT.format(code=code)
        staff = (await h.http.get(f"/api/v1/feedback/{code}/staff-view", headers=headers)).json()
        assert staff["status"] != "needs_info"
        assert any(e["action"] == "provide_info" for e in staff["timeline"])
        # the next message is a normal conversation again
        assert await h.say("info-1", "cảm ơn") == texts.THANK
