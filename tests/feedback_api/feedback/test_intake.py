"""Intake: validation errors (Vietnamese, naming the field), storage before acknowledgement, outbox rows."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from feedback_api.db import get_sessionmaker
from feedback_api.feedback.models import AuditEvent, Feedback
from feedback_api.outbox.models import OutboxEvent

VALID = {"content": "Đèn đường khu phố tôi bị hỏng nhiều ngày nay.", "kind": "complaint", "channel": "web"}


@pytest.mark.parametrize(
    "change, field, words",
    [
        ({"content": "ngắn"}, "content", "ít nhất 10 ký tự"),
        ({"content": "x" * 5001}, "content", "tối đa 5000 ký tự"),
        ({"content": None}, "content", "chuỗi"),
        ({"kind": "khieu_nai"}, "kind", "một trong các giá trị"),
        ({"channel": "facebook"}, "channel", "một trong các giá trị"),
        ({"received_at": "hôm qua"}, "received_at", "ISO 8601"),
        ({"received_at": "2026-03-02T08:30:00"}, "received_at", "ISO 8601"),  # no offset: ambiguous
        ({"contact": {"phone": "abc"}}, "contact.phone", "số điện thoại không hợp lệ"),
        ({"contact": {"email": "không-phải-email"}}, "contact.email", "thư điện tử"),
        ({"publish_consent": "có lẽ"}, "publish_consent", "true hoặc false"),
        ({"reply_to": {"channel": "telegram"}}, "reply_to.chat_id", "Thiếu trường bắt buộc"),
        ({"unexpected": 1}, "unexpected", "không được hỗ trợ"),
    ],
)
def test_validation_errors_name_the_field_in_vietnamese(client, change, field, words):
    body = {**VALID, **change}
    response = client.post("/api/v1/feedback", json=body)
    assert response.status_code == 422, response.text
    payload = response.json()
    assert payload["code"] == "validation_error"
    assert f"“{field}”" in payload["detail"] and words in payload["detail"]
    assert any(e["field"] == field for e in payload["errors"])


@pytest.mark.parametrize("missing", ["content", "kind", "channel"])
def test_missing_required_fields(client, missing):
    body = {k: v for k, v in VALID.items() if k != missing}
    payload = client.post("/api/v1/feedback", json=body).json()
    assert payload["code"] == "validation_error" and f"Thiếu trường bắt buộc “{missing}”" in payload["detail"]


def test_malformed_json_and_wrong_shapes(client):
    broken = client.post("/api/v1/feedback", content=b'{"content": ', headers={"Content-Type": "application/json"})
    assert broken.status_code == 422 and "JSON" in broken.json()["detail"]
    listed = client.post("/api/v1/feedback", json=[VALID])
    assert listed.status_code == 422 and listed.json()["code"] == "validation_error"
    assert client.post("/api/v1/feedback", json=None).status_code == 422


def test_nothing_is_stored_for_invalid_input(client, settings):
    client.post("/api/v1/feedback", json={**VALID, "kind": "x"})
    with get_sessionmaker(settings)() as session:
        assert session.scalar(select(Feedback)) is None


def test_intake_stores_item_audit_and_outbox_before_answering(client, settings, tokens):
    body = {
        **VALID,
        "contact": {"name": "Trần Thị Mai", "phone": "0912345678"},
        "location": "Tam Kỳ",
        "reply_to": {"channel": "telegram", "chat_id": "12345"},
    }
    response = client.post("/api/v1/feedback", json=body, headers=tokens["operator"])  # reply_to: the bot's
    assert response.status_code == 201, response.text
    created = response.json()
    assert re.fullmatch(r"PA-\d{4}-\d{6}", created["code"])
    assert created["due_at"] and created["status"] in ("received", "assigned") and created["agency"]
    with get_sessionmaker(settings)() as session:
        item = session.scalar(select(Feedback).where(Feedback.code == created["code"]))
        assert item.content == body["content"] and item.contact_phone == "0912345678"
        assert item.routing_reason  # every routing decision keeps its reason
        events = session.scalars(select(AuditEvent).where(AuditEvent.feedback_code == item.code)).all()
        assert events[0].action == "receive" and events[0].from_status is None
        assert events[-1].to_status == created["status"] and events[-1].agency_code == created["agency"]
        # The bot is sent only what it tells the citizen: not the creation (the code was given at intake).
        assert [o.target for o in session.scalars(select(OutboxEvent))] == []
    hooked = settings.model_copy(update={"webhooks": [{"name": "national", "url": "http://national.test/hook"}]})
    from fastapi.testclient import TestClient

    from feedback_api.main import create_app

    again = TestClient(create_app(hooked)).post("/api/v1/feedback", json=body, headers=tokens["operator"]).json()
    with get_sessionmaker(settings)() as session:
        created_rows = session.scalars(select(OutboxEvent).where(OutboxEvent.event == "feedback.created")).all()
        assert [o.target for o in created_rows] == ["webhook:national"]
        payload = created_rows[0].payload
        assert payload["id"] == str(created_rows[0].id)
        assert payload["feedback"]["code"] == again["code"]
        assert payload["feedback"]["reply_to"] == {"channel": "telegram", "chat_id": "12345"}


def test_codes_are_sequential(client):
    codes = [client.post("/api/v1/feedback", json=VALID).json()["code"] for _ in range(3)]
    numbers = [int(c.rsplit("-", 1)[1]) for c in codes]
    assert numbers == [1, 2, 3]
    assert len({c.split("-")[1] for c in codes}) == 1


def test_due_at_is_ten_working_days_per_design(client, tokens, settings):
    """Received Friday 2026-04-24 10:00 local. Mon 27/4 (Giỗ Tổ observed), 30/4 and 1/5 are days off."""
    from datetime import datetime

    from feedback_api.feedback.workdays import calendar_from_settings

    body = {**VALID, "received_at": "2026-04-24T10:00:00+07:00"}
    created = client.post("/api/v1/feedback", json=body, headers=tokens["operator"]).json()
    due = datetime.fromisoformat(created["due_at"])
    calendar = calendar_from_settings(settings)
    local = due.astimezone(calendar.tz)
    assert (local.hour, local.minute) == (23, 59)
    days = calendar.working_days_between(datetime.fromisoformat(body["received_at"]), due)
    assert days == 10
    # Independent count: Apr 28, 29, May 4..8 (7 days), May 11, 12, 13 -> due Wednesday 13 May 2026.
    assert local.date().isoformat() == "2026-05-13"


def test_unknown_routes_and_methods_are_vietnamese_json(client):
    missing = client.get("/api/v1/khong-co")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    wrong = client.put("/api/v1/feedback")
    assert wrong.status_code == 405 and wrong.json()["code"] == "method_not_allowed"
    assert client.get("/api/v1/feedback/PA-2026-000001").json()["code"] == "not_found"


def test_healthz(client):
    assert client.get("/api/v1/healthz").json() == {"status": "ok", "database": "ok"}


def test_routing_decision_and_reason_are_kept(client, tokens):
    from feedback_api.feedback import queries
    from feedback_api.routing import rules as routing

    body = {**VALID, "content": "Rác thải ùn ứ ở phường An Mỹ nhiều ngày, bốc mùi hôi thối", "location": "Tam Kỳ"}
    created = client.post("/api/v1/feedback", json=body).json()
    decision = routing.route(body["content"], body["location"], None, list(client.app.state.directory), None, "TTPVHCC")
    assert decision.agency_code != "TTPVHCC", "this content should match a routing rule"
    assert (created["agency"], created["status"]) == (decision.agency_code, "assigned")
    view = client.get(f"/api/v1/feedback/{created['code']}/staff-view", headers=tokens["supervisor"]).json()
    # Staff read the reason without the internal rule id.
    readable = queries.readable_reason(decision.reason)
    assert view["routing_reason"] == readable and view["category"] == decision.category
    assert "quy tắc" not in readable and (decision.matched_rule or "@") not in readable
    assert [(e["action"], e["status"], e["agency"]) for e in view["timeline"]] == [
        ("receive", "received", "TTPVHCC"),
        ("assign", "assigned", decision.agency_code),
    ]
    assert view["timeline"][1]["reason"] == readable
    assert view["timeline"][0]["reason"] == "Tiếp nhận qua trang web"

    unknown = client.post("/api/v1/feedback", json={**VALID, "category": "khong_co_linh_vuc_nay"}).json()
    unknown_view = client.get(f"/api/v1/feedback/{unknown['code']}/staff-view", headers=tokens["supervisor"]).json()
    assert unknown_view["category"] != "khong_co_linh_vuc_nay"


def test_choice_errors_list_the_choices_in_vietnamese(client):
    detail = client.post("/api/v1/feedback", json={**VALID, "kind": "x"}).json()["detail"]
    assert "'complaint' hoặc 'recommendation'" in detail and " or " not in detail
