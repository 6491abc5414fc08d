"""Publication and public views: consent rules, redaction, no personal data anywhere public."""

from __future__ import annotations

import json
import re

from feedback_api.feedback.lifecycle import Action, Status

NAME = "Nguyễn Văn Hùng"
CONTENT = (
    "Tôi là Nguyễn Văn Hùng, nhà ở số 12 Phan Châu Trinh, SĐT 0905123456, email "
    "hung.nguyen@example.com. Đèn đường trước nhà bị hỏng đã hai tuần, đề nghị sửa."
)
ANSWER = "Kính gửi ông Hùng: đơn vị đã thay bóng đèn đường. Cần hỗ trợ xin gọi lại số 0905 123 456. CCCD 049201001234."
ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?")
PERSONAL = ["Hùng", "0905", "123 456", "123456", "hung.nguyen", "example.com", "số 12", "049201001234", "987654321"]


def _published(api, **submit) -> str:
    t = api.tokens["supervisor"]
    contact = {"name": NAME, "phone": "0905 123 456", "email": "hung.nguyen@example.com"}
    code = api.item_in(
        Status.in_progress,
        content=CONTENT,
        contact=contact,
        headers=api.tokens["operator"],
        reply_to={"channel": "telegram", "chat_id": "987654321"},
        **submit,
    )
    assert api.act(code, Action.answer, {"answer": ANSWER}, t).status_code == 200
    response = api.act(code, Action.publish, {}, t)
    assert response.status_code == 200, response.text
    return code


def _assert_no_personal_data(payload) -> None:
    # Timestamps are not personal data, and their digits (".090512") could match a phone fragment.
    text = ISO_TIMESTAMP.sub("<time>", json.dumps(payload, ensure_ascii=False))
    leaked = [p for p in PERSONAL if p in text]
    assert leaked == [], f"personal data in public output: {leaked}"


def test_public_status_and_list_carry_no_personal_data(api):
    code = _published(api)
    status = api.client.get(f"/api/v1/feedback/{code}")
    assert status.status_code == 200
    body = status.json()
    assert body["status"] == "published" and body["status_label"] == "Đã công khai"
    assert "đã thay bóng đèn đường" in body["published_answer"] and "[đã ẩn]" in body["published_answer"]
    assert body["details"] is None
    _assert_no_personal_data(body)

    listing = api.client.get("/api/v1/public/feedback").json()
    assert [i["code"] for i in listing["items"]] == [code] and listing["total"] == 1
    item = listing["items"][0]
    assert "Đèn đường trước nhà bị hỏng" in item["content"]
    _assert_no_personal_data(listing)


def test_public_status_of_unpublished_items_has_no_personal_data(api):
    code = api.item_in(Status.in_progress, content=CONTENT, contact={"name": NAME, "phone": "0905123456"})
    body = api.client.get(f"/api/v1/feedback/{code}").json()
    assert body["published_answer"] is None and body["agency"]["name"]
    _assert_no_personal_data(body)


def test_citizen_details_need_the_phone_digits(api):
    code = _published(api)
    right = api.client.get(f"/api/v1/feedback/{code}?phone_last4=3456")
    assert right.status_code == 200
    details = right.json()["details"]
    assert details["answer"] == ANSWER  # the citizen's own answer, unredacted
    assert [e["status"] for e in details["timeline"]][-2:] == ["answered", "published"]
    wrong = api.client.get(f"/api/v1/feedback/{code}?phone_last4=0000")
    assert wrong.status_code == 403 and wrong.json()["code"] == "phone_mismatch"
    malformed = api.client.get(f"/api/v1/feedback/{code}?phone_last4=12")
    assert malformed.status_code == 422


def test_only_published_items_are_listed_and_search_works(api):
    published = _published(api)
    api.item_in(Status.answered, content="Cống thoát nước bị tắc ở đường Hùng Vương gây ngập")
    assert api.client.get("/api/v1/public/feedback").json()["total"] == 1
    for query in ("đèn đường", "DEN DUONG", "bóng đèn"):
        found = api.client.get("/api/v1/public/feedback", params={"q": query}).json()
        assert [i["code"] for i in found["items"]] == [published], query
    for query in ("Hùng", "0905123456", "cống thoát nước"):
        assert api.client.get("/api/v1/public/feedback", params={"q": query}).json()["total"] == 0, query


def test_public_paging(api):
    codes = [_published(api) for _ in range(3)]
    first = api.client.get("/api/v1/public/feedback", params={"size": 2, "page": 1}).json()
    second = api.client.get("/api/v1/public/feedback", params={"size": 2, "page": 2}).json()
    assert first["total"] == second["total"] == 3
    assert len(first["items"]) == 2 and len(second["items"]) == 1
    assert {i["code"] for i in first["items"] + second["items"]} == set(codes)
    too_big = api.client.get("/api/v1/public/feedback", params={"size": 101})
    assert too_big.status_code == 422 and "size" in too_big.json()["detail"]


def test_publication_needs_consent_or_public_interest(api):
    t = api.tokens
    code = api.item_in(Status.answered, publish_consent=False)
    refused = api.act(code, Action.publish, {}, t["supervisor"])
    assert refused.status_code == 403 and refused.json()["code"] == "publish_consent_required"
    no_reason = api.act(code, Action.publish, {"public_interest": True}, t["supervisor"])
    assert no_reason.status_code == 422 and no_reason.json()["code"] == "public_interest_reason_required"
    assert api.staff_view(code)["status"] == "answered"
    done = api.act(
        code, Action.publish, {"public_interest": True, "reason": "Vấn đề chung của cả khu phố"}, t["supervisor"]
    )
    assert done.status_code == 200
    view = api.staff_view(code)
    assert view["status"] == "published" and view["public_interest"] is True


def test_edited_wording_is_redacted_too(api):
    t = api.tokens
    code = api.item_in(Status.answered, contact={"name": NAME, "phone": "0905123456"})
    edited = "Đã sửa xong cho anh Nguyễn Văn Hùng, số nhà 45 Trần Phú, điện thoại 0905123456."
    assert api.act(code, Action.publish, {"text": edited}, t["supervisor"]).status_code == 200
    published = api.client.get(f"/api/v1/feedback/{code}").json()["published_answer"]
    assert published.startswith("Đã sửa xong") and "0905123456" not in published and "Hùng" not in published
    # Staff of the owning agency may reword it later; staff of another agency may not.
    reworded = {"text": "Đơn vị đã khắc phục, cảm ơn chị Lê Thị Hoa (0912 345 678) đã phản ánh."}
    other = api.client.post(f"/api/v1/feedback/{code}/publication", json=reworded, headers=t["staff_other"])
    assert other.status_code == 403
    own = api.client.post(f"/api/v1/feedback/{code}/publication", json=reworded, headers=t["staff"])
    assert own.status_code == 200, own.text
    now_public = api.client.get(f"/api/v1/feedback/{code}").json()["published_answer"]
    assert now_public.startswith("Đơn vị đã khắc phục") and "0912" not in now_public and "Hoa" not in now_public
