"""No input produces a 500: random bodies against intake and transitions; the catch-all stays generic."""

from __future__ import annotations

import logging

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from feedback_api.feedback.lifecycle import Action, Status

json_scalars = st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(max_size=40)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=8,
)
intake_like = st.fixed_dictionaries(
    {},
    optional={
        "content": st.text(max_size=60) | json_values,
        "kind": st.sampled_from(["complaint", "recommendation", "x", ""]) | json_values,
        "channel": st.sampled_from(["web", "telegram", "zalo", "phone", "email", "walk_in", "fax"]),
        "received_at": st.sampled_from(["2026-03-02T08:30:00+07:00", "2026-03-02", "2999-01-01T00:00:00Z", "x"]),
        "contact": json_values
        | st.fixed_dictionaries(
            {}, optional={"name": st.text(max_size=20), "phone": st.text(max_size=15), "email": st.text(max_size=20)}
        ),
        "publish_consent": json_values,
        "reply_to": json_values,
        "attachments": json_values,
        "location": json_values,
    },
)
HYPOTHESIS = dict(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@hyp_settings(**HYPOTHESIS)
@given(body=intake_like | json_values)
def test_random_intake_bodies_never_500(client, tokens, body):
    for headers in ({}, tokens["operator"]):
        response = client.post("/api/v1/feedback", json=body, headers=headers)
        assert response.status_code in (201, 403, 422), response.text
        payload = response.json()
        if response.status_code != 201:
            assert payload["detail"] and payload["code"]


@hyp_settings(**HYPOTHESIS)
@given(
    action=st.sampled_from(list(Action)),
    body=json_values,
    code=st.sampled_from(["PA-2026-000001", "PA-2026-000002", "PA-1", "%00", "x" * 300]),
)
def test_random_transition_bodies_never_500(api, action, body, code):
    if not api.client.get("/api/v1/feedback/PA-2026-000001").status_code == 200:
        api.item_in(Status.in_progress)
        api.submit()
    response = api.act(code, action, body, api.tokens["supervisor"])
    assert response.status_code < 500, response.text
    assert response.json()["code"] if response.status_code >= 400 else True


def test_unexpected_errors_become_generic_json_and_logs_hold_no_request_data(app, caplog):
    secret = "0905123456 Nguyễn Văn Hùng"

    @app.get("/api/v1/_boom")
    def boom():
        raise RuntimeError(f"bug while handling {secret}")

    client = TestClient(app, raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="feedback_api"):
        response = client.get("/api/v1/_boom", params={"phone": secret})
    assert response.status_code == 500
    assert response.json() == {
        "detail": "Hệ thống đang gặp sự cố, vui lòng thử lại sau hoặc gọi tổng đài 1022.",
        "code": "internal_error",
    }
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "RuntimeError" in logged and "0905123456" not in logged and "Hùng" not in logged


def test_nul_characters_are_clear_4xx_on_every_backend(api):
    code = api.item_in(Status.in_progress)
    body = api.client.post(
        "/api/v1/feedback", json={"content": "Nội dung có ký tự \x00 lạ ở giữa", "kind": "complaint", "channel": "web"}
    )
    assert body.status_code == 422 and "content" in body.json()["detail"]
    reason = api.act(code, Action.request_info, {"question": "Câu hỏi \x00?"}, api.tokens["supervisor"])
    assert reason.status_code == 422
    for url in ("/api/v1/feedback/PA-2026-%00", "/api/v1/public/feedback?q=%00", "/api/v1/feedback?chat_id=%00"):
        response = api.client.get(url, headers=api.tokens["supervisor"])
        assert response.status_code < 500, (url, response.text)
        assert response.status_code == 200 or response.json()["code"]


def test_openapi_document_builds(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/feedback",
        "/api/v1/feedback/{code}",
        "/api/v1/feedback/{code}/staff-view",
        "/api/v1/feedback/{code}/assign",
        "/api/v1/auth/token",
        "/api/v1/agencies",
        "/api/v1/public/feedback",
        "/api/v1/stats",
        "/api/v1/healthz",
    ):
        assert path in schema["paths"], path


def test_healthz_reports_an_unreachable_database(app):
    from sqlalchemy import create_engine
    from sqlalchemy.orm import sessionmaker

    working = app.state.sessionmaker
    app.state.sessionmaker = sessionmaker(
        bind=create_engine("postgresql+psycopg://nobody@127.0.0.1:1/nothing", connect_args={"connect_timeout": 2})
    )
    try:
        response = TestClient(app).get("/api/v1/healthz")
    finally:
        app.state.sessionmaker = working
    assert response.status_code == 503 and response.json()["code"] == "database_unavailable"
