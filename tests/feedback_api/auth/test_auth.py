"""Sign-in, admin user management (API and CLI), agencies listing, the bot's operator account."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from feedback_api import cli
from feedback_api.auth.models import User
from feedback_api.auth.security import hasher
from feedback_api.db import get_sessionmaker


def _login(client, username, password):
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def test_password_login_issues_a_working_token(client, tokens):
    ok = _login(client, tokens.users["staff"], "password-for-tests")
    assert ok.status_code == 200
    body = ok.json()
    assert body["token_type"] == "bearer" and body["role"] == "staff" and body["agency"] == "STP"
    listed = client.get("/api/v1/feedback", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert listed.status_code == 200
    wrong = _login(client, tokens.users["staff"], "wrong-password")
    assert wrong.status_code == 401 and wrong.json()["code"] == "invalid_credentials"
    assert _login(client, "nobody", "password-for-tests").status_code == 401
    assert client.post("/api/v1/auth/token", data={"username": "x"}).status_code == 422


def test_passwords_are_stored_as_argon2(settings, tokens):
    with get_sessionmaker(settings)() as session:
        user = session.query(User).filter_by(username=tokens.users["admin"]).one()
        assert user.password_hash.startswith("$argon2id$") and "password-for-tests" not in user.password_hash


def test_bot_operator_account_exists_at_startup(client, settings):
    response = _login(client, settings.bot_username, settings.secret("bot_password"))
    assert response.status_code == 200 and response.json()["role"] == "operator"


def test_admin_manages_users(client, tokens):
    admin = tokens["admin"]
    new = {"username": "canbo_sxd", "password": "mat-khau-dai", "role": "staff", "agency": "SXD"}
    created = client.post("/api/v1/admin/users", json=new, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json() | {"created_at": None} == {
        "username": "canbo_sxd",
        "role": "staff",
        "agency": "SXD",
        "active": True,
        "created_at": None,
    }
    assert client.post("/api/v1/admin/users", json=new, headers=admin).json()["code"] == "user_exists"
    assert (
        client.post("/api/v1/admin/users", json=new | {"username": "x2", "agency": "KHONGCO"}, headers=admin).json()[
            "code"
        ]
        == "unknown_agency"
    )
    assert (
        client.post("/api/v1/admin/users", json=new | {"username": "x3", "agency": None}, headers=admin).json()["code"]
        == "agency_required"
    )
    bad_role = client.post("/api/v1/admin/users", json=new | {"username": "x4", "role": "boss"}, headers=admin)
    assert bad_role.status_code == 422 and "role" in bad_role.json()["detail"]
    for role in ("operator", "staff", "supervisor"):
        assert (
            client.post("/api/v1/admin/users", json=new | {"username": "x5"}, headers=tokens[role]).status_code == 403
        )
    assert _login(client, "canbo_sxd", "mat-khau-dai").status_code == 200
    names = [u["username"] for u in client.get("/api/v1/admin/users", headers=admin).json()]
    assert "canbo_sxd" in names
    deactivated = client.post("/api/v1/admin/users/canbo_sxd/deactivate", headers=admin)
    assert deactivated.status_code == 200 and deactivated.json()["active"] is False
    assert _login(client, "canbo_sxd", "mat-khau-dai").status_code == 401
    assert client.post("/api/v1/admin/users/khongco/deactivate", headers=admin).status_code == 404


def test_deactivated_users_tokens_stop_working(client, tokens):
    headers = tokens["staff"]
    assert client.get("/api/v1/feedback", headers=headers).status_code == 200
    client.post(f"/api/v1/admin/users/{tokens.users['staff']}/deactivate", headers=tokens["admin"])
    refused = client.get("/api/v1/feedback", headers=headers)
    assert refused.status_code == 401 and refused.json()["code"] == "inactive_user"


def test_agencies_are_listed_publicly(client):
    agencies = client.get("/api/v1/agencies").json()
    by_code = {a["code"]: a for a in agencies}
    assert by_code["TTPVHCC"]["level"] and by_code["STP"]["name"].startswith("Sở Tư pháp")
    assert all(set(a) >= {"code", "name", "level"} for a in agencies)


@pytest.fixture
def cli_settings(settings, monkeypatch):
    monkeypatch.setattr(cli, "_settings", lambda: settings)
    return settings


def test_cli_create_user(cli_settings, client):
    runner = CliRunner()
    result = runner.invoke(
        cli.admin_app, ["create-user", "lanhdao", "--password", "mat-khau-123", "--role", "supervisor"]
    )
    assert result.exit_code == 0, result.output
    assert "Đã tạo tài khoản lanhdao" in result.output
    assert _login(client, "lanhdao", "mat-khau-123").json()["role"] == "supervisor"

    staff = runner.invoke(
        cli.admin_app, ["create-user", "canbo", "--password", "mat-khau-123", "--role", "staff", "--agency", "STP"]
    )
    assert staff.exit_code == 0 and _login(client, "canbo", "mat-khau-123").json()["agency"] == "STP"

    duplicate = runner.invoke(
        cli.admin_app, ["create-user", "lanhdao", "--password", "mat-khau-123", "--role", "admin"]
    )
    assert duplicate.exit_code == 1 and "đã tồn tại" in duplicate.output
    bad_role = runner.invoke(cli.admin_app, ["create-user", "y", "--password", "mat-khau-123", "--role", "boss"])
    assert bad_role.exit_code == 1 and "Vai trò" in bad_role.output
    no_agency = runner.invoke(cli.admin_app, ["create-user", "z", "--password", "mat-khau-123", "--role", "staff"])
    assert no_agency.exit_code == 1
    short = runner.invoke(cli.admin_app, ["create-user", "w", "--password", "ngan", "--role", "operator"])
    assert short.exit_code == 2

    off = runner.invoke(cli.admin_app, ["deactivate-user", "canbo"])
    assert off.exit_code == 0 and _login(client, "canbo", "mat-khau-123").status_code == 401


def test_cli_monthly_report(cli_settings, client, tokens):
    client.post(
        "/api/v1/feedback",
        headers=tokens["operator"],
        json={
            "content": "Đèn đường khu phố bị hỏng nhiều ngày.",
            "kind": "complaint",
            "channel": "phone",
            "received_at": "2026-09-01T09:00:00+07:00",
        },
    )
    runner = CliRunner()
    as_csv = runner.invoke(cli.report_app, ["monthly", "--month", "2026-09", "--csv"])
    assert as_csv.exit_code == 0, as_csv.output
    lines = as_csv.output.strip().splitlines()
    assert lines[0].startswith("\ufeffmonth,agency_code") and len(lines) == 2 and lines[1].startswith("2026-09,")
    api_csv = client.get("/api/v1/stats", params={"month": "2026-09", "format": "csv"}).text
    assert api_csv.strip().splitlines() == lines
    as_text = runner.invoke(cli.report_app, ["monthly", "--month", "2026-09"])
    assert as_text.exit_code == 0 and "Danh sách trễ hạn" in as_text.output
    bad = runner.invoke(cli.report_app, ["monthly", "--month", "09-2026"])
    assert bad.exit_code == 2


def test_cheap_test_hasher_is_still_argon2():
    assert hasher.hash("x").startswith("$argon2id$")
