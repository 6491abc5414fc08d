"""Open311 GeoReport v2 <-> intake body and public status."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from feedback_api.feedback.lifecycle import OPEN_STATUSES, Status
from feedback_api.feedback.schemas import FeedbackCreate
from feedback_api.open311.mapping import (
    Open311Error,
    created_response,
    intake_from_request,
    parse_service_code,
    query_filters,
    service_list,
    service_request,
)
from feedback_api.routing.rules import load_rules

TZ = "Asia/Ho_Chi_Minh"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
RULES = load_rules()


def test_service_list_is_kinds_times_categories():
    services = service_list()
    codes = [s["service_code"] for s in services]
    assert len(codes) == len(set(codes)) == 2 * (len(RULES.categories) + 1)
    assert "complaint.moi_truong" in codes and "recommendation.khac" in codes
    env = next(s for s in services if s["service_code"] == "complaint.moi_truong")
    assert env["service_name"] == "Phản ánh — Môi trường" and env["type"] == "realtime"
    assert env["metadata"] is False and "rác" in env["keywords"]
    for service in services:
        assert set(service) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
        assert parse_service_code(service["service_code"])[0] in ("complaint", "recommendation")


@pytest.mark.parametrize("code", ["", None, "complaint", "complaint.", "bogus.moi_truong", "complaint.bogus"])
def test_unknown_service_codes(code):
    with pytest.raises(Open311Error) as info:
        parse_service_code(code)
    assert info.value.code == "unknown_service_code" and info.value.status_code == 400


def test_full_request_to_intake_body_validates_against_our_schema():
    fields = {
        "service_code": "complaint.moi_truong",
        "description": "Rác thải đổ bừa bãi cạnh chợ, bốc mùi.",
        "lat": "15.5736",
        "long": "108.4740",
        "address_string": "Chợ Tam Kỳ, Tam Kỳ",
        "email": "an.nguyen@gmail.com",
        "first_name": "An",
        "last_name": "Nguyễn Văn",
        "phone": "0905 123 456",
        "media_url": "https://example.org/anh.jpg",
        "attribute[publish_consent]": "true",
        "api_key": "ignored",
        "device_id": "d1",
    }
    body = intake_from_request(fields)
    assert body == {
        "content": "Rác thải đổ bừa bãi cạnh chợ, bốc mùi.\nẢnh minh họa: https://example.org/anh.jpg",
        "kind": "complaint",
        "channel": "web",
        "category": "moi_truong",
        "location": "Chợ Tam Kỳ, Tam Kỳ; tọa độ 15.573600, 108.474000",
        "contact": {"name": "Nguyễn Văn An", "phone": "0905 123 456", "email": "an.nguyen@gmail.com"},
        "publish_consent": True,
    }
    FeedbackCreate.model_validate(body)  # the API accepts exactly this


def test_minimal_request_other_category():
    body = intake_from_request({"service_code": "recommendation.khac", "description": "Đề nghị lắp thêm đèn đường"})
    assert body == {"content": "Đề nghị lắp thêm đèn đường", "kind": "recommendation", "channel": "web"}
    FeedbackCreate.model_validate(body)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"service_code": "complaint.moi_truong"}, "missing_description"),
        ({"service_code": "complaint.moi_truong", "description": "   "}, "missing_description"),
        ({"service_code": "complaint.moi_truong", "description": "abc", "lat": "15.5"}, "invalid_location"),
        ({"service_code": "complaint.moi_truong", "description": "abc", "lat": "95", "long": "1"}, "invalid_location"),
        ({"service_code": "complaint.moi_truong", "description": "abc", "lat": "x", "long": "1"}, "invalid_location"),
        ({"service_code": "complaint.moi_truong", "description": "abc", "lat": "nan", "long": "1"}, "invalid_location"),
        ({"service_code": "x.y", "description": "abc"}, "unknown_service_code"),
    ],
)
def test_bad_requests(fields, code):
    with pytest.raises(Open311Error) as info:
        intake_from_request(fields)
    assert info.value.code == code and info.value.message


def test_created_response_has_code_and_local_deadline():
    due = datetime(2026, 3, 6, 16, 59, 59, tzinfo=UTC)  # 23:59:59 in Vietnam
    [answer] = created_response("PA-2026-000123", due, "Ủy ban nhân dân thành phố Tam Kỳ", "Asia/Ho_Chi_Minh")
    assert answer["service_request_id"] == "PA-2026-000123"
    assert "06/03/2026" in answer["service_notice"] and "Tam Kỳ" in answer["service_notice"]


ITEM = {
    "code": "PA-2026-000123",
    "kind": "complaint",
    "category": "moi_truong",
    "status": "in_progress",
    "content": "Tôi là Nguyễn Văn An, sđt 0905 123 456, rác thải đổ bừa bãi ở nhà số 12 Phan Châu Trinh",
    "location": "số 12 Phan Châu Trinh, Tam Kỳ",
    "agency_code": "UBND_TAMKY",
    "contact_name": "Nguyễn Văn An",
    "received_at": datetime(2026, 3, 2, 9, tzinfo=VN),
    "updated_at": datetime(2026, 3, 3, 9, tzinfo=VN),
    "due_at": datetime(2026, 3, 13, 23, 59, 59, 999999, tzinfo=VN),
    "published_text": None,
}


def test_service_request_has_no_personal_data():
    request = service_request(ITEM, agency_name="Ủy ban nhân dân thành phố Tam Kỳ")
    assert request["service_request_id"] == "PA-2026-000123" and request["status"] == "open"
    assert request["service_code"] == "complaint.moi_truong"
    assert request["service_name"] == "Phản ánh — Môi trường"
    assert request["agency_responsible"] == "Ủy ban nhân dân thành phố Tam Kỳ"
    assert request["expected_datetime"] == "2026-03-13T23:59:59.999999+07:00"
    assert request["status_notes"] == "Đang xử lý"
    text = f"{request['description']} {request['address']}"
    for personal in ("Nguyễn Văn An", "0905", "số 12"):
        assert personal not in text
    assert "Phan Châu Trinh" in request["address"]


def test_published_item_is_closed_with_answer():
    item = dict(
        ITEM, status="published", published_text="Đã thu gom rác ngày 5/3/2026.", public_content="Rác thải đổ bừa bãi"
    )
    request = service_request(item)
    assert request["status"] == "closed" and request["description"] == "Rác thải đổ bừa bãi"
    assert request["status_notes"].endswith("Trả lời: Đã thu gom rác ngày 5/3/2026.")


@pytest.mark.parametrize("status", list(Status))
def test_every_status_maps_to_open_or_closed(status):
    request = service_request(dict(ITEM, status=status.value))
    assert request["status"] == ("open" if status in OPEN_STATUSES else "closed")


def test_query_filters():
    filters = query_filters(
        {
            "service_request_id": "PA-2026-000001, PA-2026-000002",
            "service_code": "complaint.khac",
            "start_date": "2026-03-01",
            "end_date": "2026-03-31T23:00:00Z",
            "status": "open",
        },
        None,
        TZ,
    )
    assert filters["codes"] == ["PA-2026-000001", "PA-2026-000002"]
    assert (filters["kind"], filters["category"]) == ("complaint", None)
    assert filters["since"] == datetime(2026, 3, 1, tzinfo=VN)
    assert filters["until"] == datetime(2026, 3, 31, 23, tzinfo=UTC)
    assert set(filters["statuses"]) == {s.value for s in OPEN_STATUSES}
    assert set(query_filters({"status": "closed"}, None, TZ)["statuses"]) == {s.value for s in Status} - {
        s.value for s in OPEN_STATUSES
    }
    assert query_filters({}, None, TZ) == {}
    for bad in (
        {"status": "pending"},
        {"start_date": "hôm qua"},
        {"start_date": "2026-04-01", "end_date": "2026-03-01"},
    ):
        with pytest.raises(Open311Error):
            query_filters(bad, None, TZ)
