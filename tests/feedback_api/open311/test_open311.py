"""Open311 GeoReport v2 round trip: services, POST a request (form), read it back, status mapping."""

from __future__ import annotations

from datetime import datetime

PHONE = "0905123456"


def _post(client, **extra):
    form = {
        "service_code": "complaint.moi_truong",
        "description": f"Rác thải đổ bừa bãi ở đầu kiệt, tôi là Nguyễn Văn Hùng, số điện thoại {PHONE}.",
        "address_string": "số 12 Phan Châu Trinh, Hải Châu",
        "first_name": "Hùng",
        "last_name": "Nguyễn Văn",
        "phone": PHONE,
        "email": "hung@example.com",
        "attribute[publish_consent]": "true",
        **extra,
    }
    return client.post("/open311/v2/requests.json", data=form)


def test_services_are_kinds_times_categories(client):
    response = client.get("/open311/v2/services.json")
    assert response.status_code == 200
    codes = {s["service_code"] for s in response.json()}
    assert {"complaint.moi_truong", "recommendation.moi_truong", "complaint.khac", "recommendation.khac"} <= codes
    assert all(s["service_name"] and s["type"] == "realtime" for s in response.json())
    assert client.get("/open311/v2/services/complaint.moi_truong.json").status_code == 200
    assert client.get("/open311/v2/services/complaint.khong_co.json").status_code == 404


def test_round_trip_without_personal_data(client, tokens):
    created = _post(client)
    assert created.status_code == 201, created.text
    [answer] = created.json()
    code = answer["service_request_id"]
    assert code.startswith("PA-") and "hạn trả lời" in answer["service_notice"]

    # The same item through the native API: one intake path, same record.
    native = client.get(f"/api/v1/feedback/{code}")
    assert native.status_code == 200 and native.json()["kind"] == "complaint"
    staff = client.get(f"/api/v1/feedback/{code}/staff-view", headers=tokens["supervisor"]).json()
    assert staff["channel"] == "web" and staff["category"] == "moi_truong"
    assert staff["contact"]["phone"] == PHONE and staff["contact"]["name"] == "Nguyễn Văn Hùng"

    [request] = client.get(f"/open311/v2/requests/{code}.json").json()
    assert request["service_request_id"] == code
    assert request["status"] == "open"
    assert request["service_code"] == "complaint.moi_truong"
    assert datetime.fromisoformat(request["expected_datetime"]) == datetime.fromisoformat(staff["due_at"])
    # Not published yet: no text and no place in public.
    assert request["description"] is None and request["address"] is None

    # Unpublished items are not listed (the list would hand out codes to guess phone digits for).
    listed = {
        r["service_request_id"] for r in client.get("/open311/v2/requests.json", params={"status": "open"}).json()
    }
    assert code not in listed
    closed = client.get("/open311/v2/requests.json", params={"status": "closed"}).json()
    assert code not in {r["service_request_id"] for r in closed}

    # Answered by the agency: Open311 shows it closed.
    agency = staff["agency"]["code"]
    if staff["status"] == "received":
        assert (
            client.post(
                f"/api/v1/feedback/{code}/assign", json={"agency": "STP"}, headers=tokens["supervisor"]
            ).status_code
            == 200
        )
    answered = client.post(
        f"/api/v1/feedback/{code}/answer",
        json={"answer": "Đã bố trí xe thu gom rác trong ngày."},
        headers=tokens["supervisor"],
    )
    assert answered.status_code == 200, (agency, answered.text)
    [after] = client.get(f"/open311/v2/requests/{code}.json").json()
    assert after["status"] == "closed" and after["description"] is None
    # Published with the citizen's consent: the redacted text appears, personal data does not.
    published = client.post(f"/api/v1/feedback/{code}/publish", json={}, headers=tokens["supervisor"])
    assert published.status_code == 200, published.text
    [public] = client.get(f"/open311/v2/requests/{code}.json").json()
    assert "Rác thải" in public["description"] and "thu gom" in public["status_notes"]
    public_text = f"{public['description']} {public['address']} {public['status_notes']}"
    assert PHONE not in public_text and "Hùng" not in public_text and "12 Phan" not in public_text
    closed = client.get("/open311/v2/requests.json", params={"status": "closed"}).json()
    assert code in {r["service_request_id"] for r in closed}
    by_id = client.get("/open311/v2/requests.json", params={"service_request_id": code}).json()
    assert [r["service_request_id"] for r in by_id] == [code]


def test_bad_requests_are_clear_400s(client):
    unknown = _post(client, service_code="complaint.khong_co")
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_service_code"
    missing = _post(client, description="")
    assert missing.status_code == 400 and missing.json()["code"] == "missing_description"
    short = _post(client, description="ngắn")
    assert short.status_code == 400 and short.json()["code"] == "validation_error" and short.json()["detail"]
    assert client.get("/open311/v2/requests.json", params={"status": "pending"}).status_code == 400
    assert client.get("/open311/v2/requests/PA-2026-999999.json").status_code == 404


def test_open311_post_is_idempotent(client):
    headers = {"Idempotency-Key": "open311-app-1"}
    form = {"service_code": "recommendation.khac", "description": "Đề nghị lắp thêm đèn ở công viên ven sông."}
    first = client.post("/open311/v2/requests.json", data=form, headers=headers)
    second = client.post("/open311/v2/requests.json", data=form, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    code = first.json()[0]["service_request_id"]
    assert client.get(f"/open311/v2/requests/{code}.json").status_code == 200
    assert client.get("/open311/v2/requests.json").json() == []  # one item, unpublished: not listed


def test_open311_post_with_staff_token(client, tokens):
    # A signed-in operator (e.g. a kiosk app) posts through the same path; one session per request.
    form = {"service_code": "complaint.giao_thong", "description": "Ổ gà lớn giữa đường, xe máy dễ bị ngã."}
    response = client.post("/open311/v2/requests.json", data=form, headers=tokens["operator"])
    assert response.status_code == 201, response.text
    code = response.json()[0]["service_request_id"]
    assert client.get(f"/api/v1/feedback/{code}").status_code == 200
