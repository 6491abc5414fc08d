"""The bot's typed seams: the feedback client's pydantic payloads, and the outbox events the feedback
service sends the bot (only those it acts on, the needs_info one with the agency's question)."""

from __future__ import annotations

import asyncio
import itertools
import json
from types import SimpleNamespace

import httpx
import pytest
from pydantic import ValidationError

from bot import texts
from bot.client import (
    Contact,
    FeedbackApiError,
    FeedbackClient,
    FeedbackSubmission,
    ItemStatus,
    ReplyTo,
    Submitted,
)
from bot.notify import OutboxEvent, notice_for

VALID = dict(
    content="Đèn đường hỏng cả tháng nay ở thôn 3",
    kind="complaint",
    channel="zalo",
    reply_to=ReplyTo(channel="zalo", chat_id="u1"),
)


# --- request payloads -----------------------------------------------------------------------------------
def test_submission_body_is_the_wire_json():
    body = FeedbackSubmission(**VALID, location=None, contact=Contact(name="Mai"), attachments=["a1"]).body()
    assert body == {
        "content": VALID["content"],
        "kind": "complaint",
        "channel": "zalo",
        "location": None,
        "publish_consent": False,
        "reply_to": {"channel": "zalo", "chat_id": "u1"},
        "contact": {"name": "Mai"},
        "attachments": ["a1"],
    }
    json.dumps(body)  # plain JSON


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "khieu_nai"},  # kinds are the contract's
        {"channel": "facebook"},  # the bot speaks on its own channels only
        {"content": ""},
        {"reply_to": {"channel": "zalo", "chat_id": ""}},
        {"phone": "0905123456"},  # unknown top-level field: contact goes in `contact`
    ],
)
def test_submission_rejects_what_the_contract_does_not_allow(change):
    with pytest.raises(ValidationError):
        FeedbackSubmission(**{**VALID, **change})


def test_submissions_are_immutable():
    submission = FeedbackSubmission(**VALID)
    with pytest.raises(ValidationError):
        submission.content = "khác"  # type: ignore[misc]


# --- responses --------------------------------------------------------------------------------------------
def _client(handler) -> FeedbackClient:
    return FeedbackClient("http://fb.test", username="bot", password="pw", transport=httpx.MockTransport(handler))


def _serve(routes: dict[tuple[str, str], httpx.Response]):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/auth/token":
            return httpx.Response(200, json={"access_token": "t", "token_type": "bearer"})
        return routes[(request.method, request.url.path)]

    return handler


def test_responses_are_typed_and_ignore_extra_fields():
    created = {
        "code": "PA-2026-000001",
        "status": "assigned",
        "status_label": "Đã chuyển",
        "agency": "STP",
        "agency_name": "Sở Tư pháp",
        "due_at": "2026-01-19T16:59:59Z",
        "forward_due_at": "2026-01-06T16:59:59Z",
    }
    status = {
        "code": "PA-2026-000001",
        "kind": "complaint",
        "status": "needs_info",
        "status_label": "Chờ bổ sung",
        "agency": {"code": "STP", "name": "Sở Tư pháp"},
        "received_at": "2026-01-05T03:00:00Z",
        "due_at": "2026-01-19T16:59:59Z",
        "overdue": False,
        "details": {"answer": None, "question": "Ở đâu?", "guidance": None, "timeline": []},
    }
    listing = {
        "items": [
            {
                "code": "PA-2026-000001",
                "status": "needs_info",
                "received_at": "2026-01-05T03:00:00Z",
                "content": "…",
                "agency": "STP",
            }
        ],
        "total": 1,
        "page": 1,
        "size": 20,
    }
    client = _client(
        _serve(
            {
                ("POST", "/api/v1/feedback"): httpx.Response(201, json=created),
                ("GET", "/api/v1/feedback/PA-2026-000001"): httpx.Response(200, json=status),
                ("GET", "/api/v1/feedback"): httpx.Response(200, json=listing),
            }
        )
    )

    async def run():
        try:
            submitted = await client.create_feedback(FeedbackSubmission(**VALID), idempotency_key="bot-k")
            item = await client.get_status("PA-2026-000001")
            mine = await client.list_mine("zalo", "u1")
        finally:
            await client.aclose()
        return submitted, item, mine

    submitted, item, mine = asyncio.run(run())
    assert isinstance(submitted, Submitted) and submitted.code == "PA-2026-000001" and submitted.agency == "STP"
    assert submitted.due_at.tzinfo is not None
    assert isinstance(item, ItemStatus) and item.agency.name == "Sở Tư pháp" and item.details.question == "Ở đâu?"
    assert [(i.code, i.status) for i in mine] == [("PA-2026-000001", "needs_info")]


def test_a_response_outside_the_contract_is_a_bad_gateway():
    client = _client(_serve({("POST", "/api/v1/feedback"): httpx.Response(201, json={"id": 7})}))

    async def run():
        try:
            await client.create_feedback(FeedbackSubmission(**VALID), idempotency_key="bot-k")
        finally:
            await client.aclose()

    with pytest.raises(FeedbackApiError) as raised:
        asyncio.run(run())
    assert raised.value.status == 502 and raised.value.unavailable and raised.value.code == "invalid_response"


# --- outbox events ----------------------------------------------------------------------------------------
def test_needs_info_event_carries_the_question_to_the_citizen():
    from feedback_api.outbox.enqueue import feedback_payload

    item = SimpleNamespace(
        code="PA-2026-000009",
        status="needs_info",
        kind="complaint",
        channel="telegram",
        agency_code="STP",
        answer=None,
        question="Đèn hỏng ở hướng nào của ngã tư?",
        reply_channel="telegram",
        reply_chat_id="42",
    )
    event = {
        "id": "e9",
        "event": "feedback.status_changed",
        "occurred_at": "2026-01-05T10:00:00+07:00",
        "feedback": feedback_payload(item),
    }
    notice = notice_for(OutboxEvent.model_validate(event))
    assert (notice.channel, notice.chat_id) == ("telegram", "42")
    assert notice.reply.text == texts.notice_needs_info("PA-2026-000009", "Đèn hỏng ở hướng nào của ngã tư?")
    assert [b.payload for b in notice.reply.buttons] == ["/info PA-2026-000009"]
    # The question is for the needs_info notice only; other events do not carry it.
    assert "question" not in feedback_payload(SimpleNamespace(**{**vars(item), "status": "in_progress"}))


def test_the_bot_is_sent_exactly_the_events_it_turns_into_notices():
    """feedback_api's bot target (bot_wants) and bot.notify.notice_for agree on every event and status."""
    from feedback_api.feedback.lifecycle import Status
    from feedback_api.outbox.enqueue import EVENTS, STAFF_EVENTS, bot_wants, feedback_payload

    for event, status, from_chat in itertools.product(EVENTS + STAFF_EVENTS, list(Status), (True, False)):
        item = SimpleNamespace(
            code="PA-2026-000001",
            status=status.value,
            kind="complaint",
            channel="web",
            agency_code="STP",
            answer="Đã xử lý xong.",
            question="Ở đâu?",
            reply_channel="web" if from_chat else None,
            reply_chat_id="s1" if from_chat else None,
        )
        payload = {
            "id": "e1",
            "event": event,
            "occurred_at": "2026-01-05T10:00:00+07:00",
            "feedback": feedback_payload(item),
        }
        notice = notice_for(OutboxEvent.model_validate(payload))
        assert bot_wants(event, item) == (notice is not None), (event, status, from_chat)
