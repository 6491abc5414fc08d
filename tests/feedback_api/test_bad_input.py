"""Bad input from anyone gets a clear Vietnamese 4xx, never a 500 (issue 10, defect 7)."""

from __future__ import annotations

import pytest

from feedback_api.stats.service import parse_month

DEEP_ARRAY = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"a":' * 100_000 + b"1" + b"}" * 100_000


@pytest.mark.parametrize("month", ["0001-01", "9999-12", "1969-12", "3000-01"])
def test_stats_month_out_of_range_is_422(client, month):
    response = client.get("/api/v1/stats", params={"month": month})
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_month" and "tháng" in response.json()["detail"].lower()


def test_parse_month_bounds():
    assert parse_month("2026-03") == (2026, 3)
    for bad in ("0001-01", "9999-12", "2026-13", "26-03", "2026-3", "abcd-01"):
        with pytest.raises(ValueError):
            parse_month(bad)


@pytest.mark.parametrize("path", ["/api/v1/feedback", "/open311/v2/requests.json"])
@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT], ids=["array", "object"])
@pytest.mark.parametrize("key", [None, "deep-key"])
def test_deeply_nested_json_is_400(client, path, body, key):
    headers = {"content-type": "application/json"} | ({"Idempotency-Key": key} if key else {})
    response = client.post(path, content=body, headers=headers)
    assert response.status_code == 400, response.text[:300]
    assert "không đọc được" in response.json()["detail"]


def test_huge_page_number_is_422(client, tokens):
    response = client.get("/api/v1/feedback", params={"page": 10**30}, headers=tokens["supervisor"])
    assert response.status_code == 422
    assert client.get("/api/v1/public/feedback", params={"page": 10**30}).status_code == 422


def test_text_longer_than_documented_is_422_even_with_trailing_spaces(client):
    body = {"content": "a" * 4999 + "   ", "kind": "complaint", "channel": "web"}
    response = client.post("/api/v1/feedback", json=body)
    assert response.status_code == 422 and "5000" in response.json()["detail"]


def test_openapi_documents_error_bodies_and_statuses(client):
    schema = client.get("/api/v1/openapi.json").json()
    intake = schema["paths"]["/api/v1/feedback"]["post"]["responses"]
    assert {"400", "409", "413", "415", "422", "429", "503"} <= set(intake)
    assert intake["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ValidationErrorBody")
    assert "Retry-After" in intake["503"]["headers"] and "Retry-After" in intake["429"]["headers"]
    staff = schema["paths"]["/api/v1/feedback/{code}/staff-view"]["get"]["responses"]
    assert {"401", "403", "404"} <= set(staff)
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    # The documented 422 body is the one the service sends.
    sent = client.post("/api/v1/feedback", json={"content": "ngắn"}).json()
    assert set(sent) == {"detail", "code", "errors"} and {"field", "message", "type"} <= set(sent["errors"][0])
