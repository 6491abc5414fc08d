"""Every allowed and every forbidden (status, action) pair, driven through the HTTP API."""

from __future__ import annotations

from datetime import UTC

import pytest

from feedback_api.feedback.lifecycle import TRANSITIONS, Action, Status


@pytest.mark.parametrize("status", list(Status))
def test_each_action_from_status(api, status):
    """From `status`, every action either performs exactly the table's transition or is refused with 409."""
    assert status in api.paths, f"no API path reaches {status}"
    failures = []
    for action in Action:
        code = api.item_in(status)
        before = api.staff_view(code)
        merge_target = api.submit()["code"] if action == Action.merge else None
        body = api.action_body(action, merge_into=merge_target, current_agency=before["agency"]["code"])
        response = api.act(code, action, body, api.tokens["supervisor"])
        after = api.staff_view(code)
        expected = TRANSITIONS.get((status, action))
        if expected is not None:
            ok = (
                response.status_code == 200
                and response.json()["status"] == expected
                and after["status"] == expected
                and len(after["timeline"]) == len(before["timeline"]) + 1
                and after["timeline"][:-1] == before["timeline"]  # append-only: history untouched
                and after["timeline"][-1]["action"] == action
                and after["timeline"][-1]["status"] == expected
            )
        else:
            payload = response.json()
            ok = (
                response.status_code == 409
                and payload["code"] == "invalid_transition"
                and "Không thể thực hiện" in payload["detail"]
                and after["status"] == status
                and after["timeline"] == before["timeline"]
            )
        if not ok:
            failures.append((action.value, expected, response.status_code, response.text[:200]))
    assert failures == []


def test_every_status_has_an_api_path(api):
    assert set(api.paths) == set(Status)


def test_transition_side_effects(api):
    """Assign/transfer/return move ownership; reject keeps the guidance; merge points at the target."""
    t = api.tokens["supervisor"]
    code = api.item_in(Status.received)
    assert api.act(code, Action.assign, {"agency": "STP"}, t).json()["agency"] == "STP"
    moved = api.act(code, Action.transfer, {"agency": "SXD", "reason": "Thuộc lĩnh vực xây dựng"}, t).json()
    assert (moved["agency"], moved["status"]) == ("SXD", "transferred")
    back = api.act(code, Action.return_to_coordinator, {"reason": "Không thuộc thẩm quyền"}, t).json()
    assert (back["agency"], back["status"]) == ("TTPVHCC", "returned")
    view = api.staff_view(code)
    assert [e["agency"] for e in view["timeline"]] == ["TTPVHCC", "STP", "SXD", "TTPVHCC"]
    assert view["timeline"][2]["reason"] == "Thuộc lĩnh vực xây dựng"

    rejected = api.item_in(Status.received)
    api.act(
        rejected, Action.reject, {"reason": "Là đơn tố cáo", "guidance": "Gửi đơn tố cáo đến cơ quan có thẩm quyền"}, t
    )
    assert api.staff_view(rejected)["guidance"] == "Gửi đơn tố cáo đến cơ quan có thẩm quyền"

    target = api.submit()["code"]
    duplicate = api.item_in(Status.received)
    assert api.act(duplicate, Action.merge, {"into": target}, t).status_code == 200
    assert api.client.get(f"/api/v1/feedback/{duplicate}").json()["merged_into"] == target


def test_transition_input_errors(api):
    t = api.tokens["supervisor"]
    code = api.item_in(Status.received)
    unknown = api.act(code, Action.assign, {"agency": "NOPE"}, t)
    assert (unknown.status_code, unknown.json()["code"]) == (400, "unknown_agency")
    assert api.act(code, Action.merge, {"into": code}, t).json()["code"] == "merge_into_self"
    missing = api.act(code, Action.merge, {"into": "PA-2000-000001"}, t)
    assert (missing.status_code, missing.json()["code"]) == (400, "merge_target_not_found")
    no_reason = api.act(code, Action.reject, {"reason": "x"}, t)
    assert no_reason.status_code == 422 and "guidance" in no_reason.json()["detail"]
    nothing = api.act("PA-2026-999999", Action.start, {}, t)
    assert (nothing.status_code, nothing.json()["code"]) == (404, "not_found")
    assert api.staff_view(code)["status"] == "received"
    assert len(api.staff_view(code)["timeline"]) == 1


def test_needs_info_pauses_the_clock(api, settings):
    """Answer deadline moves by the working days spent waiting for the citizen (sla.extend_for_pause)."""
    from datetime import datetime, timedelta

    from feedback_api.db import get_sessionmaker
    from feedback_api.feedback import sla
    from feedback_api.feedback.models import Feedback
    from feedback_api.feedback.workdays import calendar_from_settings

    t = api.tokens["supervisor"]
    code = api.item_in(Status.in_progress)
    due_before = api.staff_view(code)["due_at"]
    api.act(code, Action.request_info, {"question": "Xin cho biết địa chỉ cụ thể?"}, t)
    # Pretend the question was asked 7 calendar days ago.
    paused_at = datetime.now(UTC) - timedelta(days=7)
    with get_sessionmaker(settings)() as session:
        item = session.query(Feedback).filter_by(code=code).one()
        item.paused_at = paused_at
        session.commit()
    citizen = api.act(code, Action.provide_info, {"info": "Ở thôn 3", "phone_last4": "3456"})
    assert citizen.status_code == 200, citizen.text
    calendar = calendar_from_settings(settings)
    due_before_dt = datetime.fromisoformat(due_before)
    expected = sla.extend_for_pause(due_before_dt, paused_at, datetime.now(UTC), calendar)
    assert expected > due_before_dt  # 7 calendar days always contain working days
    assert datetime.fromisoformat(api.staff_view(code)["due_at"]) == expected
