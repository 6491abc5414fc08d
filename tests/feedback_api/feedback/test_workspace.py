"""The officers' workspace through the HTTP API: urgency order with working days left, search, claim,
unread counts, internal notes, answer templates, labels; the citizen's view, satisfaction and reopening."""

from __future__ import annotations

from datetime import timedelta

import pytest

from feedback_api.feedback.lifecycle import Action, Status
from tests.feedback_api.conftest import STAFF_AGENCY


def _to_staff_agency(api, code):
    t = api.tokens["supervisor"]
    assert api.act(code, Action.assign, {"agency": STAFF_AGENCY}, t).status_code == 200


def _set_due(settings, code, days):
    """Move an item's deadline (tests only): negative days = overdue."""
    from sqlalchemy import select

    from feedback_api.db import get_sessionmaker
    from feedback_api.feedback.models import Feedback
    from feedback_api.orm import utcnow

    with get_sessionmaker(settings)() as session:
        item = session.scalar(select(Feedback).where(Feedback.code == code))
        item.due_at = utcnow() + timedelta(days=days)
        session.commit()


def _staff_list(api, **query):
    response = api.client.get("/api/v1/feedback", params=query, headers=api.tokens["staff"])
    assert response.status_code == 200, response.text
    return response.json()


def test_inbox_sorted_by_urgency_with_working_days_left(api, settings):
    codes = []
    for days in (20, -10, 3, -2):
        code = api.submit()["code"]
        _to_staff_agency(api, code)
        _set_due(settings, code, days)
        codes.append(code)
    answered = api.submit()["code"]
    _to_staff_agency(api, answered)
    api.act(answered, Action.answer, {"answer": "Đã xử lý xong, cảm ơn bạn đã phản ánh."}, api.tokens["supervisor"])
    items = _staff_list(api)["items"]
    order = [i["code"] for i in items]
    # overdue the longest first, then overdue less, then due soonest; answered items after the open ones
    assert order[:4] == [codes[1], codes[3], codes[2], codes[0]]
    assert order.index(answered) > 3
    by_code = {i["code"]: i for i in items}
    assert by_code[codes[1]]["days_left"] < by_code[codes[3]]["days_left"] < 0
    assert 0 < by_code[codes[2]]["days_left"] < by_code[codes[0]]["days_left"]
    assert by_code[codes[1]]["overdue"] and not by_code[codes[2]]["overdue"]
    assert by_code[answered]["days_left"] is None
    # labels, not keys
    first = by_code[codes[0]]
    assert first["agency_name"] and first["agency_name"] != STAFF_AGENCY
    assert first["category_label"] is None or "_" not in first["category_label"]


def test_search_by_loose_code_and_text(api):
    code = api.submit(content="Cống thoát nước trước nhà số 12 đường Lê Lợi bị tắc lâu ngày")["code"]
    year, seq = code.split("-")[1], int(code.split("-")[2])
    for typed in (f"pa {year} {seq}", f"PA{year}{seq:06d}", f"pa-{year}-{seq}"):
        found = api.client.get("/api/v1/feedback", params={"q": typed}, headers=api.tokens["supervisor"]).json()
        assert [i["code"] for i in found["items"]] == [code], typed
    by_text = api.client.get("/api/v1/feedback", params={"q": "Lê Lợi"}, headers=api.tokens["supervisor"]).json()
    assert code in [i["code"] for i in by_text["items"]]
    # the loose code works in the public lookup path too
    assert api.client.get(f"/api/v1/feedback/pa-{year}-{seq}").json()["code"] == code


def test_claim_assign_release_audited_and_counts(api, tokens, settings):
    from feedback_api.auth.service import create_user
    from feedback_api.db import get_sessionmaker

    with get_sessionmaker(settings)() as session:
        create_user(session, "stp_colleague", "password-for-tests", "staff", STAFF_AGENCY)
    code = api.submit()["code"]
    _to_staff_agency(api, code)
    staff = tokens["staff"]
    counts = api.client.get("/api/v1/staff/inbox-counts", headers=staff).json()
    assert counts["unread"] >= 1 and counts["unassigned"] >= 1 and counts["mine"] == 0

    claimed = api.client.post(f"/api/v1/feedback/{code}/claim", json={}, headers=staff)
    assert claimed.status_code == 200 and claimed.json()["assignee"] == tokens.users["staff"]
    assert api.client.get("/api/v1/staff/inbox-counts", headers=staff).json()["mine"] == 1
    mine = _staff_list(api, assignee="me")["items"]
    assert [i["code"] for i in mine] == [code]

    officers = api.client.get("/api/v1/staff/officers", headers=staff).json()["officers"]
    assert "stp_colleague" in officers and tokens.users["staff_other"] not in officers
    given = api.client.post(f"/api/v1/feedback/{code}/claim", json={"assignee": "stp_colleague"}, headers=staff)
    assert given.json()["assignee"] == "stp_colleague"
    other_agency = api.client.post(
        f"/api/v1/feedback/{code}/claim", json={"assignee": tokens.users["staff_other"]}, headers=staff
    )
    assert other_agency.status_code == 400 and "cơ quan" in other_agency.json()["detail"]
    foreign = api.client.post(f"/api/v1/feedback/{code}/claim", json={}, headers=tokens["staff_other"])
    assert foreign.status_code == 403
    released = api.client.post(f"/api/v1/feedback/{code}/claim", json={"release": True}, headers=staff)
    assert released.json()["assignee"] is None

    view = api.staff_view(code)
    claims = [e for e in view["timeline"] if e["action"] == "claim"]
    assert [e["reason"] for e in claims] == ["Nhận xử lý", "Giao cho cán bộ stp_colleague", "Bỏ nhận xử lý"]
    assert claims[0]["actor"] == tokens.users["staff"]

    # opening the item marks it read for this officer only
    assert code in [i["code"] for i in _staff_list(api, unread="true")["items"]]
    api.client.get(f"/api/v1/feedback/{code}/staff-view", headers=staff)
    assert code not in [i["code"] for i in _staff_list(api, unread="true")["items"]]


def test_transfer_clears_the_assignee(api, tokens):
    code = api.submit()["code"]
    _to_staff_agency(api, code)
    api.client.post(f"/api/v1/feedback/{code}/claim", json={}, headers=tokens["staff"])
    api.act(code, Action.transfer, {"agency": "SXD", "reason": "Thuộc lĩnh vực xây dựng"}, tokens["supervisor"])
    assert api.staff_view(code)["assignee"] is None


def test_internal_notes_never_reach_the_citizen_or_the_public(api, tokens):
    code = api.submit()["code"]
    _to_staff_agency(api, code)
    secret = "Ghi chú nội bộ: đã gọi ông Hùng, hẹn kiểm tra thứ Năm"
    added = api.client.post(f"/api/v1/feedback/{code}/notes", json={"body": secret}, headers=tokens["staff"])
    assert added.status_code == 201 and added.json()["author"] == tokens.users["staff"]
    view = api.staff_view(code)
    assert [n["body"] for n in view["notes"]] == [secret]
    assert any(e["action"] == "note" and secret not in (e["reason"] or "") for e in view["timeline"])
    api.act(code, Action.answer, {"answer": "Đã kiểm tra và sửa chữa xong, cảm ơn bạn."}, tokens["supervisor"])
    api.act(code, Action.publish, {}, tokens["supervisor"])
    citizen = api.client.get(f"/api/v1/feedback/{code}", params={"phone_last4": "3456"}).text
    public = api.client.get("/api/v1/public/feedback").text
    assert "đã gọi ông Hùng" not in citizen and "đã gọi ông Hùng" not in public
    assert '"note"' not in citizen
    assert (
        api.client.post(
            f"/api/v1/feedback/{code}/notes", json={"body": "x" * 3}, headers=tokens["staff_other"]
        ).status_code
        == 403
    )
    assert (
        api.client.post(f"/api/v1/feedback/{code}/notes", json={"body": ""}, headers=tokens["staff"]).status_code == 422
    )


def test_answer_templates_per_agency(api, tokens):
    staff, other = tokens["staff"], tokens["staff_other"]
    made = api.client.post(
        "/api/v1/answer-templates",
        json={"title": "Đã sửa xong", "body": "Cơ quan đã kiểm tra và khắc phục xong. Cảm ơn ông/bà đã phản ánh."},
        headers=staff,
    )
    assert made.status_code == 201 and made.json()["agency"] == STAFF_AGENCY
    assert [t["title"] for t in api.client.get("/api/v1/answer-templates", headers=staff).json()] == ["Đã sửa xong"]
    assert api.client.get("/api/v1/answer-templates", headers=other).json() == []
    assert api.client.get("/api/v1/answer-templates", params={"agency": STAFF_AGENCY}, headers=other).status_code == 403
    assert api.client.delete(f"/api/v1/answer-templates/{made.json()['id']}", headers=other).status_code == 403
    assert api.client.delete(f"/api/v1/answer-templates/{made.json()['id']}", headers=staff).status_code == 204
    bad = api.client.post("/api/v1/answer-templates", json={"title": "x", "body": "ngắn"}, headers=staff)
    assert bad.status_code == 422 and isinstance(bad.json()["detail"], str)


def test_citizen_sees_own_text_and_a_plain_timeline(api):
    code = api.submit(content="Đèn đường trước nhà văn hóa tổ 5 hỏng cả tuần nay rồi")["code"]
    public = api.client.get(f"/api/v1/feedback/{code}").json()
    assert public["details"] is None and "content" not in public
    details = api.client.get(f"/api/v1/feedback/{code}", params={"phone_last4": "3456"}).json()["details"]
    assert details["content"] == "Đèn đường trước nhà văn hóa tổ 5 hỏng cả tuần nay rồi"
    texts = [e["text"] for e in details["timeline"]]
    assert texts and texts[0] == "Đã tiếp nhận phản ánh, kiến nghị của bạn."
    joined = " ".join(texts)  # what the page shows (structured fields keep codes as data, with names)
    assert all(e["reason"] is None and e["actor"] is None for e in details["timeline"])
    for internal in ("quy tắc", "Kênh:", "TTPVHCC", "test_", "system"):
        assert internal not in joined, internal


def test_satisfied_is_recorded_once(api, tokens):
    code = api.item_in(Status.answered)
    assert api.client.get(f"/api/v1/feedback/{code}", params={"phone_last4": "3456"}).json()["details"]["can_rate"]
    wrong = api.client.post(f"/api/v1/feedback/{code}/satisfaction", json={"satisfied": True, "phone_last4": "0000"})
    assert wrong.status_code == 403
    ok = api.client.post(f"/api/v1/feedback/{code}/satisfaction", json={"satisfied": True, "phone_last4": "3456"})
    assert ok.status_code == 200 and ok.json()["status"] == "answered"
    again = api.client.post(
        f"/api/v1/feedback/{code}/satisfaction", json={"satisfied": False, "reason": "Chưa sửa", "phone_last4": "3456"}
    )
    assert again.status_code == 409 and "đã đánh giá" in again.json()["detail"]
    view = api.staff_view(code)
    assert view["timeline"][-1]["action"] == "satisfied"
    details = api.client.get(f"/api/v1/feedback/{code}", params={"phone_last4": "3456"}).json()["details"]
    assert not details["can_rate"] and details["timeline"][-1]["text"].startswith("Bạn đã đánh giá: hài lòng")


def test_not_satisfied_reopens_to_the_same_agency_with_its_own_deadline(api, tokens, settings):
    code = api.submit()["code"]
    _to_staff_agency(api, code)
    api.act(code, Action.answer, {"answer": "Đã xử lý xong, cảm ơn bạn đã phản ánh."}, tokens["staff"])
    api.act(code, Action.publish, {}, tokens["supervisor"])
    _set_due(settings, code, -30)  # answered long ago (and late): the new deadline must not inherit that
    before = api.staff_view(code)
    no_reason = api.client.post(
        f"/api/v1/feedback/{code}/satisfaction", json={"satisfied": False, "phone_last4": "3456"}
    )
    assert no_reason.status_code == 400 and "vì sao" in no_reason.json()["detail"]
    response = api.client.post(
        f"/api/v1/feedback/{code}/satisfaction",
        json={"satisfied": False, "reason": "Đèn vẫn chưa sáng", "phone_last4": "3456"},
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["status"], result["agency"]) == ("assigned", STAFF_AGENCY)
    after = api.staff_view(code)
    assert after["due_at"] > before["due_at"] and after["reopened_at"] and after["handled_at"] is None
    assert after["days_left"] >= 9  # a fresh deadline counted from today in working days
    assert [e["action"] for e in after["timeline"][-2:]] == ["unsatisfied", "reopen"]
    assert after["timeline"][-1]["reason"] == "Công dân chưa hài lòng: Đèn vẫn chưa sáng"
    # the agency answers again; the citizen may rate the new answer
    assert (
        api.act(code, Action.answer, {"answer": "Đã thay bóng đèn mới, đèn đã sáng lại."}, tokens["staff"]).status_code
        == 200
    )
    assert api.client.get(f"/api/v1/feedback/{code}", params={"phone_last4": "3456"}).json()["details"]["can_rate"]
    citizen = api.client.get(f"/api/v1/feedback/{code}", params={"phone_last4": "3456"}).json()["details"]
    assert any("mở lại" in e["text"] for e in citizen["timeline"])
    # the figures still compute over an audit trail with ratings and a reopening
    assert api.client.get("/api/v1/stats", headers=tokens["supervisor"]).status_code == 200


@pytest.mark.parametrize("status", [Status.received, Status.in_progress, Status.closed])
def test_rating_before_an_answer_is_a_clear_409(api, status):
    code = api.item_in(status)
    response = api.client.post(f"/api/v1/feedback/{code}/satisfaction", json={"satisfied": True, "phone_last4": "3456"})
    assert response.status_code == 409 and response.json()["detail"].startswith("Chỉ đánh giá")


@pytest.mark.parametrize("query", [{"sort": "abc"}, {"q": "x" * 500}, {"unread": "perhaps"}, {"page": "0"}])
def test_bad_inbox_queries_are_422_in_vietnamese(api, query):
    response = api.client.get("/api/v1/feedback", params=query, headers=api.tokens["staff"])
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], str)


def test_bad_workspace_bodies_are_4xx(api, tokens):
    code = api.submit()["code"]
    assert api.client.post(f"/api/v1/feedback/{code}/satisfaction", json={"satisfied": "có lẽ"}).status_code == 422
    assert api.client.post(
        f"/api/v1/feedback/{code}/claim", content=b"{", headers={**tokens["staff"], "Content-Type": "application/json"}
    ).status_code in (400, 422)
    assert (
        api.client.post(
            "/api/v1/feedback/PA-2026-999999/notes", json={"body": "ghi chú"}, headers=tokens["staff"]
        ).status_code
        == 404
    )
    assert api.client.delete("/api/v1/answer-templates/999999", headers=tokens["staff"]).status_code == 404


def test_template_id_beyond_a_database_integer_is_422_not_500(api, tokens):
    """Found by the schemathesis run: a huge id overflowed SQLite's INTEGER and answered 500."""
    response = api.client.delete("/api/v1/answer-templates/1437101316891208375968202752", headers=tokens["supervisor"])
    assert response.status_code == 422 and response.json()["code"] == "validation_error"
