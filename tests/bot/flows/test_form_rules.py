"""Pure rules of the feedback form: the submission body and its Idempotency-Key, dates in local time."""

from __future__ import annotations

from bot.flows.form import idempotency_key, request_body


def test_request_body_and_idempotency_key():
    form = {
        "id": "f1",
        "data": {
            "content": "Đèn đường hỏng cả tháng nay",
            "kind": "complaint",
            "location": "Tam Kỳ",
            "name": None,
            "phone": "0905123456",
            "consent": True,
            "attachments": [],
        },
    }
    submission = request_body(form, "telegram", "42")
    body = submission.body()
    assert body == {
        "content": "Đèn đường hỏng cả tháng nay",
        "kind": "complaint",
        "channel": "telegram",
        "location": "Tam Kỳ",
        "publish_consent": True,
        "reply_to": {"channel": "telegram", "chat_id": "42"},
        "contact": {"phone": "0905123456"},
    }  # no empty attachments, no null contact fields
    key = idempotency_key("telegram", "42", "f1", submission)
    assert key == idempotency_key("telegram", "42", "f1", request_body(form, "telegram", "42"))
    assert key != idempotency_key("telegram", "42", "f2", submission)
    assert key != idempotency_key("zalo", "42", "f1", request_body(form, "zalo", "42"))
    corrected = submission.model_copy(update={"location": "Hội An"})
    assert key != idempotency_key("telegram", "42", "f1", corrected)  # a corrected field
    assert "42" not in key.removeprefix("bot-")  # no chat id in a header value that may be logged


def test_dates_are_shown_in_local_time():
    from datetime import UTC, datetime

    from bot.flows.form import format_date

    tz = "Asia/Ho_Chi_Minh"
    assert format_date("2026-01-05T23:30:00+00:00", tz) == "06/01/2026"  # 06:30 in Vietnam
    assert format_date("2026-01-05T16:59:59.999999Z", tz) == "05/01/2026"  # 23:59 local
    assert format_date(datetime(2026, 1, 5, 17, 0, tzinfo=UTC), tz) == "06/01/2026"  # as the client parses it
    assert format_date("2026-01-05T23:30:00+00:00", "UTC") == "05/01/2026"  # the zone is the caller's
    assert format_date(None, tz) is None
