"""Role × action access matrix through the API, plus the rules the issue states independently."""

from __future__ import annotations

import pytest

from feedback_api.auth import permissions
from feedback_api.auth.security import create_access_token
from feedback_api.auth.service import create_user
from feedback_api.db import get_sessionmaker
from feedback_api.feedback.lifecycle import TRANSITIONS, Action, Status

ROLES = ["operator", "staff_own", "staff_other", "supervisor", "admin", "anonymous"]


def _status_allowing(action: Action, paths):
    """The status, closest to `received`, from which `action` is valid."""
    candidates = [s for (s, a) in TRANSITIONS if a == action]
    return min(candidates, key=lambda s: (len(paths[s]), s))


def _headers_for(role: str, item_agency: str, api, settings) -> dict:
    if role == "anonymous":
        return {}
    if role in ("staff_own", "staff_other"):
        other = api.other_agency if item_agency != api.other_agency else api.staff_agency
        agency = item_agency if role == "staff_own" else other
        with get_sessionmaker(settings)() as session:
            from feedback_api.auth.service import get_user

            name = f"staff_{agency.lower()}"
            user = get_user(session, name) or create_user(session, name, "password-for-tests", "staff", agency)
            return {"Authorization": f"Bearer {create_access_token(user, settings)}"}
    return api.tokens[role]


def _expected(role: str, action: Action, item_agency: str, api, settings) -> int:
    if role == "anonymous":
        return 403 if action == Action.provide_info else 401  # citizens must prove the phone digits
    permission_role = "staff" if role.startswith("staff") else role
    if role == "staff_own":
        user_agency = item_agency
    elif role == "staff_other":
        user_agency = api.other_agency if item_agency != api.other_agency else api.staff_agency
    else:
        user_agency = api.tokens.agency.get(role)
    allowed = permissions.can(permission_role, action, user_agency=user_agency, item_agency=item_agency)
    return 200 if allowed else 403


@pytest.mark.parametrize("action", list(Action))
def test_role_action_matrix(api, settings, action):
    status = _status_allowing(action, api.paths)
    outcomes = {}
    for role in ROLES:
        code = api.item_in(status)
        before = api.staff_view(code)
        agency = before["agency"]["code"]
        merge_target = api.submit()["code"] if action == Action.merge else None
        body = api.action_body(action, merge_into=merge_target, current_agency=agency)
        response = api.act(code, action, body, _headers_for(role, agency, api, settings))
        expected = _expected(role, action, agency, api, settings)
        after = api.staff_view(code)
        outcomes[role] = (response.status_code, expected)
        if response.status_code != 200:
            assert response.json()["code"] and response.json()["detail"], response.text
            assert after["timeline"] == before["timeline"], f"{role} {action}: refused action left a trace"
    assert {r: got for r, (got, _) in outcomes.items()} == {r: exp for r, (_, exp) in outcomes.items()}
    # Independent of the matrix module: the issue's own statements.
    assert outcomes["staff_other"][0] == 403, "staff of another agency must be refused"
    assert outcomes["supervisor"][0] == 200 and outcomes["admin"][0] == 200
    assert outcomes["anonymous"][0] in (401, 403)


def test_issue_statements_hold_in_the_matrix(api, settings):
    """Operators route (assign/transfer/reject/merge) but do not answer or publish; staff answer their own."""
    for action in (Action.assign, Action.transfer, Action.reject, Action.merge):
        assert _expected("operator", action, "STP", api, settings) == 200
    for action in (Action.answer, Action.publish):
        assert _expected("operator", action, "STP", api, settings) == 403
    assert _expected("staff_own", Action.answer, "STP", api, settings) == 200
    assert _expected("staff_own", Action.publish, "STP", api, settings) == 403


def test_staff_see_only_their_agency(api):
    t = api.tokens
    mine = api.item_in(Status.assigned)
    other = api.submit()["code"]  # still with the coordinator
    assert api.client.get(f"/api/v1/feedback/{mine}/staff-view", headers=t["staff"]).status_code == 200
    denied = api.client.get(f"/api/v1/feedback/{mine}/staff-view", headers=t["staff_other"])
    assert denied.status_code == 403 and denied.json()["code"] == "forbidden"
    listed = api.client.get("/api/v1/feedback", headers=t["staff"]).json()
    assert [i["code"] for i in listed["items"]] == [mine] and listed["total"] == 1
    assert api.client.get("/api/v1/feedback", headers=t["staff_other"]).json()["total"] == 0
    assert api.client.get("/api/v1/feedback?agency=STP", headers=t["staff_other"]).status_code == 403
    everything = api.client.get("/api/v1/feedback", headers=t["operator"]).json()
    assert {i["code"] for i in everything["items"]} == {mine, other}
    assert api.client.get("/api/v1/feedback").status_code == 401
    assert api.client.get(f"/api/v1/feedback/{mine}/staff-view").status_code == 401


def test_received_at_only_for_operators_and_supervisors(api):
    when = "2026-03-02T08:30:00+07:00"
    assert api.submit(received_at=when, expect=403)
    assert api.submit(received_at=when, headers=api.tokens["staff"], expect=403)["code"] == "received_at_forbidden"
    for role in ("operator", "supervisor"):
        created = api.submit(received_at=when, headers=api.tokens[role])
        view = api.staff_view(created["code"])
        assert view["received_at"].replace("Z", "+00:00") == "2026-03-02T01:30:00+00:00"
        assert view["timeline"][0]["at"].replace("Z", "+00:00") == "2026-03-02T01:30:00+00:00"


def test_invalid_or_expired_token_is_401(api, settings):
    bad = api.client.get("/api/v1/feedback", headers={"Authorization": "Bearer not-a-jwt"})
    assert bad.status_code == 401 and bad.json()["code"] == "invalid_token"
    with get_sessionmaker(settings)() as session:
        from feedback_api.auth.service import get_user

        user = get_user(session, api.tokens.users["operator"])
        expired = create_access_token(user, settings, ttl_minutes=-5)
    response = api.client.get("/api/v1/feedback", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401


def test_bot_lists_a_persons_items_by_chat(api, settings):
    bot = api.tokens["operator"]  # reply_to is set by the signed-in bot only
    mine = [api.submit(headers=bot, reply_to={"channel": "telegram", "chat_id": "555"})["code"] for _ in range(2)]
    api.submit(headers=bot, reply_to={"channel": "telegram", "chat_id": "777"})
    api.submit(headers=bot, reply_to={"channel": "zalo", "chat_id": "555"})
    token = api.client.post(
        "/api/v1/auth/token", data={"username": settings.bot_username, "password": settings.secret("bot_password")}
    ).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    listed = api.client.get("/api/v1/feedback", params={"channel": "telegram", "chat_id": "555"}, headers=headers)
    assert listed.status_code == 200
    assert sorted(i["code"] for i in listed.json()["items"]) == sorted(mine)
    overdue = api.client.get("/api/v1/feedback", params={"overdue": "true"}, headers=headers).json()
    assert overdue["total"] == 0
    by_status = api.client.get("/api/v1/feedback", params={"status": "received"}, headers=headers).json()
    assert by_status["total"] == 4
    bad_status = api.client.get("/api/v1/feedback", params={"status": "nope"}, headers=headers)
    assert bad_status.status_code == 422


def test_overdue_filter(api, tokens):
    late = api.submit(headers=tokens["operator"], received_at="2026-09-01T09:00:00+07:00")["code"]
    api.submit()
    listed = api.client.get("/api/v1/feedback", params={"overdue": "true"}, headers=tokens["supervisor"]).json()
    assert [i["code"] for i in listed["items"]] == [late] and listed["items"][0]["overdue"] is True
    on_time = api.client.get("/api/v1/feedback", params={"overdue": "false"}, headers=tokens["supervisor"]).json()
    assert late not in [i["code"] for i in on_time["items"]] and on_time["total"] == 1
