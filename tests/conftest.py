"""Shared database and app fixtures (the feedback API tests and the bot's store test use them).

- `database_url`: parametrized over "sqlite" and "postgresql". The schema is migrated ONCE per backend
  per test session (alembic upgrade head); each test then gets a clean database: a copy of the migrated
  SQLite template file, or the PostgreSQL test database with every table truncated. PostgreSQL is a
  fresh database created from `test` on 127.0.0.1:5432 (override with HOTLINE_TEST_PG_URL) and dropped
  at the end; when it is unreachable the PostgreSQL variants are skipped with a message saying so.
- `settings`: a Settings with a tmp data_dir and that database URL (fixed secrets, bot events on).
- `client`: fastapi TestClient over feedback_api.main.create_app(settings) (the bot is NOT installed;
  used without `with`, so the lifespan background worker does not run).
- `tokens`: {role_name: {"Authorization": "Bearer ..."}} for users created through
  feedback_api.auth.service: operator, supervisor, admin (agency TTPVHCC/none), staff (agency STP) and
  staff_other (agency SXD). `tokens.users[name]` are the usernames, `tokens.agency[name]` the agencies.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.pg import scratch_database

STAFF_AGENCY = "STP"
OTHER_AGENCY = "SXD"


@dataclass
class _Backend:
    kind: str
    url: str | None = None
    template: Path | None = None
    tables: list[str] = field(default_factory=list)


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing():
    """argon2 with minimal cost in tests (hashing is still argon2; only the work factor differs)."""
    from argon2 import PasswordHasher

    from feedback_api.auth import security

    original = security.hasher
    security.hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    security.hasher = original


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_backend(request, tmp_path_factory):
    from sqlalchemy import inspect

    from common.db import dispose_engine, get_engine
    from feedback_api.db import upgrade_url

    if request.param == "sqlite":
        template = tmp_path_factory.mktemp("sqlite-template") / "template.db"
        url = f"sqlite:///{template}"
        upgrade_url(url)
        dispose_engine(url)  # checkpoints the WAL into the file we copy
        yield _Backend("sqlite", template=template)
        return

    with scratch_database("PostgreSQL variants") as url:
        try:
            upgrade_url(url)
            tables = [t for t in inspect(get_engine(url)).get_table_names() if t != "alembic_version"]
            yield _Backend("postgresql", url=url, tables=tables)
        finally:
            dispose_engine(url)


@pytest.fixture(scope="session")
def node() -> str:
    """The Node.js executable the JavaScript tests run (skipped with a message when there is none)."""
    path = shutil.which("node")
    if path is None:
        pytest.skip("node is not installed: JavaScript checks skipped")
    return path


@pytest.fixture
def database_url(database_backend, tmp_path):
    from sqlalchemy import text

    from common.db import dispose_engine, get_engine

    if database_backend.kind == "sqlite":
        path = tmp_path / "hotline.db"
        shutil.copyfile(database_backend.template, path)
        url = f"sqlite:///{path}"
        yield url
        dispose_engine(url)
        return
    url = database_backend.url
    with get_engine(url).begin() as connection:
        names = ", ".join(f'"{t}"' for t in database_backend.tables)
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    yield url


@pytest.fixture
def settings(database_url, tmp_path):
    from common.settings import Settings

    return Settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        database_url=database_url,
        jwt_secret="test-jwt-secret-please-change-0123456789abcdef",
        bot_password="bot-password-for-tests",
        bot_events_secret="bot-events-secret-for-tests",
        bot_events_enabled=True,
        webhooks=[],
        rate_limit_per_minute=1_000_000,
        stats_rate_limit_per_minute=1_000_000,
        stats_cache_seconds=0,  # tests read figures right after changing them
    )


@pytest.fixture
def app(settings):
    from feedback_api.main import create_app

    return create_app(settings)


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    return TestClient(app)


class Tokens(dict):
    users: dict[str, str]
    agency: dict[str, str | None]


@pytest.fixture
def tokens(settings, app):
    from feedback_api.auth.security import create_access_token
    from feedback_api.auth.service import create_user
    from feedback_api.db import get_sessionmaker

    coordinator = settings.coordinator_agency
    spec = {
        "operator": ("operator", coordinator),
        "supervisor": ("supervisor", None),
        "admin": ("admin", None),
        "staff": ("staff", STAFF_AGENCY),
        "staff_other": ("staff", OTHER_AGENCY),
    }
    result = Tokens()
    result.users, result.agency = {}, {}
    with get_sessionmaker(settings)() as session:
        for name, (role, agency) in spec.items():
            user = create_user(session, f"test_{name}", "password-for-tests", role, agency)
            result[name] = {"Authorization": f"Bearer {create_access_token(user, settings)}"}
            result.users[name] = user.username
            result.agency[name] = agency
    return result
