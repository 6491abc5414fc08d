"""Khiếu nại / tố cáo are not taken in as PAKN: 422 with the legal path and a kind_hint, unless the caller
confirms it is a phản ánh/kiến nghị (`confirmed_pakn`); ordinary feedback is unaffected."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from feedback_api.db import get_sessionmaker
from feedback_api.feedback.models import Feedback

BODY = {"kind": "complaint", "channel": "web"}


def _count(settings) -> int:
    with get_sessionmaker(settings)() as session:
        return session.scalar(select(func.count()).select_from(Feedback))


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        ("Tôi muốn khiếu nại quyết định xử phạt hành chính của UBND phường Hải Châu.", "khieu_nai"),
        ("toi khong dong y voi quyet dinh thu hoi dat cua ubnd xa, de nghi xem xet lai", "khieu_nai"),
        ("Tố cáo cán bộ địa chính xã nhận hối lộ để cấp sổ đỏ sai quy định.", "to_cao"),
        ("to cao chu tich phuong lam sai, bao che cho nguoi nha xay dung trai phep", "to_cao"),
    ],
)
def test_grievance_answers_422_with_the_legal_path(client, settings, content, kind):
    before = _count(settings)
    response = client.post("/api/v1/feedback", json={**BODY, "content": content})
    assert response.status_code == 422, response.text
    payload = response.json()
    assert payload["code"] == "grievance_not_pakn" and payload["kind_hint"] == kind
    assert payload["confirm_field"] == "confirmed_pakn"
    path = payload["legal_path"]
    assert path["kind"] == kind and path["steps"] and path["sources"]
    assert all("http" in source or "agencies.yaml" in source for source in path["sources"])
    detail = payload["detail"]
    assert "confirmed_pakn" in detail
    if kind == "khieu_nai":
        assert "90 ngày" in detail and "người đã ra quyết định" in detail and "ký tên hoặc điểm chỉ" in detail
        assert "Luật Khiếu nại" in detail
    else:
        assert "Luật Tố cáo" in detail and "họ tên, địa chỉ" in detail and "bí mật" in detail
    assert _count(settings) == before  # nothing stored


def test_confirmed_pakn_is_taken_in(client):
    content = "Tôi muốn khiếu nại quyết định xử phạt hành chính của UBND phường Hải Châu."
    response = client.post("/api/v1/feedback", json={**BODY, "content": content, "confirmed_pakn": True})
    assert response.status_code == 201, response.text
    assert response.json()["code"].startswith("PA-")


@pytest.mark.parametrize(
    "content",
    [
        "Đèn đường khu phố tôi bị hỏng nhiều ngày nay.",
        "Khiếu nại tiếng ồn karaoke nhà hàng xóm hát tới khuya",  # everyday "khiếu nại": a phản ánh
        "Tố cáo hàng xóm xây nhà lấn chiếm vỉa hè",  # a violation to report, no official named: a phản ánh
        "Quán nhậu mở nhạc to cao điểm buổi tối",
    ],
)
def test_ordinary_feedback_is_unaffected(client, content):
    response = client.post("/api/v1/feedback", json={**BODY, "content": content})
    assert response.status_code == 201, response.text


def test_confirmed_pakn_must_be_a_boolean(client):
    response = client.post(
        "/api/v1/feedback", json={**BODY, "content": "Đèn đường hư nhiều ngày", "confirmed_pakn": "có"}
    )
    assert response.status_code == 422 and response.json()["code"] == "validation_error"
    assert "confirmed_pakn" in response.json()["detail"]


def test_routing_reason_is_readable_and_has_no_rule_id(client, settings):
    response = client.post(
        "/api/v1/feedback",
        json={**BODY, "content": "Đèn đường trước cổng trường tiểu học tắt cả tuần nay", "location": "xã Tam Ngọc"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["agency"] == "P_HUONG_TRA"
    with get_sessionmaker(settings)() as session:
        item = session.scalar(select(Feedback).where(Feedback.code == response.json()["code"]))
    assert "xã Tam Ngọc" in item.routing_reason and "Ủy ban nhân dân phường Hương Trà" in item.routing_reason
    assert "quy tắc" not in item.routing_reason and "R04" not in item.routing_reason
