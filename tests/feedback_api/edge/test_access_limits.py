"""Issue 10: brute force of the phone digits, token exemption, login lockout, redirects, proxies, reply_to,
logged paths (each fails on the code before the fix). The /stats cost is in stats/test_stats_limits.py, the
upload quota and attachment scope in attachments/test_upload_limits.py."""

from __future__ import annotations

import logging
from datetime import UTC, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from feedback_api.feedback.lifecycle import Action, Status
from tests.feedback_api.conftest import client_with


def _status(client, code, last4, headers=None):
    return client.get(f"/api/v1/feedback/{code}", params={"phone_last4": last4}, headers=headers or {})


# --- defect 2: guessing the 4 phone digits ----------------------------------------------------------
def test_phone_digits_lock_the_code_after_five_wrong_tries_even_with_a_token(api, settings, tokens):
    from feedback_api.db import get_sessionmaker
    from feedback_api.edge.guard_models import SecurityEvent

    code = api.submit()["code"]  # phone 0905 123 456: the right digits are 3456
    other = api.submit()["code"]
    assert _status(api.client, code, "3456").json()["details"] is not None
    # A valid staff token exempts from the rate limit, never from the per-code lock.
    for guess in ("0000", "0001", "0002", "0003"):
        assert _status(api.client, code, guess, tokens["operator"]).status_code == 403
    locking = _status(api.client, code, "0004")
    assert locking.status_code == 403  # the fifth wrong try is answered, and locks the code
    locked = _status(api.client, code, "3456")
    assert locked.status_code == 429 and locked.json()["code"] == "phone_locked"
    assert int(locked.headers["Retry-After"]) > 60 and "Tổng đài 1022" in locked.json()["detail"]
    assert "answer" not in locked.text
    # Supplementing info with the digits is locked too; another item is not.
    supplement = api.client.post(
        f"/api/v1/feedback/{code}/provide-info", json={"info": "Tại ngã tư", "phone_last4": "3456"}
    )
    assert supplement.status_code == 429
    assert _status(api.client, other, "3456").status_code == 200
    with get_sessionmaker(settings)() as session:
        [event] = session.scalars(select(SecurityEvent)).all()
    assert event.kind == "phone_lockout" and event.subject == f"phone:{code}"
    assert event.client and "testclient" not in (event.client or "")  # a keyed hash, not the address


def test_a_lock_expires_and_doubles_on_repeat(api, settings):
    from feedback_api.db import get_sessionmaker
    from feedback_api.edge.guard_models import AccessGuard

    code = api.submit()["code"]
    for _ in range(5):
        _status(api.client, code, "0000")
    with get_sessionmaker(settings)() as session:
        row = session.get(AccessGuard, f"phone:{code}")
        row.locked_until = row.locked_until - timedelta(hours=1)  # the lock has run out
        session.commit()
    assert _status(api.client, code, "3456").status_code == 200  # success clears the count
    for _ in range(5):
        _status(api.client, code, "0000")
    with get_sessionmaker(settings)() as session:
        assert session.get(AccessGuard, f"phone:{code}").lockouts == 1  # cleared by the success, locked again


def test_phone_guesses_are_limited_per_client_across_codes(api, settings):
    codes = [api.submit()["code"] for _ in range(5)]
    answers = [_status(api.client, codes[i % 5], f"{i:04d}").status_code for i in range(settings.client_max_failures)]
    assert set(answers) == {403}  # 4 per code: no code locked, but 20 wrong answers from one client
    blocked = _status(api.client, api.submit()["code"], "3456")
    assert blocked.status_code == 429 and blocked.json()["code"] == "phone_locked"


def test_lockout_pure_rule():
    from datetime import datetime

    from feedback_api.edge.lockout import GuardState, LockoutPolicy, after_failure, lock_duration, remaining_lock

    policy = LockoutPolicy(5, timedelta(minutes=15), timedelta(minutes=15))
    now = datetime(2026, 3, 2, tzinfo=UTC)
    state, locked = GuardState(), False
    for i in range(5):
        state, locked = after_failure(state, now + timedelta(seconds=i), policy)
    assert locked and remaining_lock(state, now) > timedelta(minutes=14)
    # Failures spread beyond the window never lock.
    state = GuardState()
    for i in range(20):
        state, locked = after_failure(state, now + timedelta(minutes=4 * i), policy)
        assert not locked
    assert [lock_duration(policy, n) for n in (1, 2, 3)] == [
        timedelta(minutes=15),
        timedelta(minutes=30),
        timedelta(hours=1),
    ]
    assert lock_duration(policy, 50) == timedelta(days=1)


def test_deactivated_accounts_token_does_not_exempt_from_the_rate_limit(settings, tokens):
    from feedback_api.auth.service import set_active
    from feedback_api.db import get_sessionmaker

    client = client_with(settings, rate_limit_per_minute=3)
    with get_sessionmaker(settings)() as session:
        set_active(session, tokens.users["staff"], False)
    dead = [client.get("/api/v1/agencies", headers=tokens["staff"]).status_code for _ in range(5)]
    assert dead[:3] == [200, 200, 200] and dead[3:] == [429, 429]
    forged = {"Authorization": "Bearer not.a.token"}
    assert client.get("/api/v1/agencies", headers=forged).status_code == 429
    assert [client.get("/api/v1/agencies", headers=tokens["operator"]).status_code for _ in range(5)] == [200] * 5


def test_login_lockout(client, settings, tokens):
    def login(password):
        return client.post("/api/v1/auth/token", data={"username": tokens.users["admin"], "password": password})

    for i in range(settings.login_max_failures):
        assert login(f"wrong-{i}").status_code == 401
    locked = login("password-for-tests")
    assert locked.status_code == 429 and locked.json()["code"] == "login_locked" and "Retry-After" in locked.headers
    # Another account from another client is unaffected (a per-username lock; the client lock is 20).
    assert (
        client.post(
            "/api/v1/auth/token", data={"username": tokens.users["operator"], "password": "password-for-tests"}
        ).status_code
        == 200
    )


def test_open311_lists_only_published_items(api, tokens):
    hidden = api.submit()["code"]
    shown = api.item_in(Status.in_progress)
    assert (
        api.act(
            shown, Action.answer, {"answer": "Đã xử lý xong, cảm ơn ông đã phản ánh."}, tokens["supervisor"]
        ).status_code
        == 200
    )
    assert api.act(shown, Action.publish, {}, tokens["supervisor"]).status_code == 200
    listed = [r["service_request_id"] for r in api.client.get("/open311/v2/requests.json").json()]
    assert listed == [shown]
    by_ids = api.client.get("/open311/v2/requests.json", params={"service_request_id": f"{hidden},{shown}"}).json()
    assert [r["service_request_id"] for r in by_ids] == [shown]


# --- defect 8: the low ones -------------------------------------------------------------------------


def test_host_header_is_not_reflected_in_redirects(client):
    response = client.get("/api/v1/agencies/", headers={"Host": "evil.example"}, follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/api/v1/agencies"


def test_relative_location_pure():
    from feedback_api.edge.redirects import relative_location

    assert relative_location(b"http://evil.example/api/v1/x?a=1", "evil.example") == b"/api/v1/x?a=1"
    assert relative_location(b"http://evil.example//other.example/x", "evil.example") == b"/other.example/x"
    assert relative_location(b"https://zalo.me/oauth", "hotline.example") == b"https://zalo.me/oauth"


def test_forwarded_for_only_from_trusted_proxies():
    from feedback_api.edge.clients import forwarded_client, parse_networks

    assert forwarded_client("127.0.0.1", "203.0.113.9", ()) == "127.0.0.1"  # nothing trusted by default
    trusted = parse_networks(["127.0.0.1", "10.0.0.0/8"])
    assert forwarded_client("127.0.0.1", "203.0.113.9", trusted) == "203.0.113.9"
    # The client may prepend anything; the first untrusted hop from the right is what the proxy saw.
    assert forwarded_client("127.0.0.1", "1.1.1.1, 203.0.113.9, 10.0.0.2", trusted) == "203.0.113.9"
    assert forwarded_client("198.51.100.7", "203.0.113.9", trusted) == "198.51.100.7"  # not from a proxy
    assert forwarded_client("127.0.0.1", "garbage", trusted) == "127.0.0.1"


def test_forged_forwarded_for_does_not_reset_the_limit(settings):
    client = client_with(settings, rate_limit_per_minute=2)
    answers = [
        client.get("/api/v1/agencies", headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code for i in range(4)
    ]
    assert answers == [200, 200, 429, 429]


def test_anonymous_reply_to_is_refused(api, tokens):
    body = {"reply_to": {"channel": "telegram", "chat_id": "someone-else"}}
    refused = api.submit(expect=403, **body)
    assert refused["code"] == "reply_to_forbidden" and "reply_to" in refused["detail"]
    assert api.submit(headers=tokens["operator"], **body)["code"].startswith("PA-")


def test_control_characters_in_paths_are_escaped_in_logs(settings, caplog):
    from feedback_api.main import create_app
    from hotline.logging_filters import DropQueryString

    app = create_app(settings)

    @app.get("/boom/{rest:path}")
    def boom(rest: str):
        raise RuntimeError("boom")

    client = TestClient(app, raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="feedback_api"):
        assert client.get("/boom/a%00b%0dINFO%20fake").status_code == 500
    [line] = [r.getMessage() for r in caplog.records if "unhandled" in r.getMessage()]
    assert "\x00" not in line and "\r" not in line and "\\x00" in line
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s - "%s %s HTTP/%s" %d',
        ("1.2.3.4:5", "GET", "/api/v1/feedback/\x00x\nfake?phone_last4=1234", "1.1", 404),
        None,
    )
    DropQueryString().filter(record)
    assert "\x00" not in record.getMessage() and "1234" not in record.getMessage()


def test_loggable_pure():
    from common.text import loggable

    assert loggable("/a\x00b\r\n\u202e") == "/a\\x00b\\x0d\\x0a\\u202e"
    assert loggable("Tam Kỳ") == "Tam Kỳ" and len(loggable("x" * 1000)) == 301


def test_the_bots_many_citizens_do_not_share_one_client_lock(api, settings, tokens):
    # The bot asks for many citizens from one address: only the per-code lock applies to signed-in callers.
    codes = [api.submit()["code"] for _ in range(6)]
    for i in range(settings.client_max_failures + 4):
        assert _status(api.client, codes[i % 6], f"{i:04d}", tokens["operator"]).status_code == 403
    assert _status(api.client, api.submit()["code"], "3456", tokens["operator"]).status_code == 200


def test_admin_unlock_command(client, settings, tokens, monkeypatch):
    from typer.testing import CliRunner

    from feedback_api.cli import admin_app

    for i in range(settings.login_max_failures):
        client.post("/api/v1/auth/token", data={"username": tokens.users["admin"], "password": f"bad-{i}"})
    monkeypatch.setattr("feedback_api.cli._settings", lambda: settings)
    result = CliRunner().invoke(admin_app, ["unlock", tokens.users["admin"]])
    assert result.exit_code == 0, result.output
    assert (
        client.post(
            "/api/v1/auth/token", data={"username": tokens.users["admin"], "password": "password-for-tests"}
        ).status_code
        == 200
    )
