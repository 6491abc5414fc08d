"""Database plumbing: declarative base, UTC datetimes, engines, sessions, Alembic upgrade in code.

The same models run on the embedded SQLite file (default) and on PostgreSQL (DATABASE_URL, psycopg 3).
"""
from __future__ import annotations

import threading
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import DateTime, text
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from common.db import get_engine, normalize_database_url

_makers: dict[str, sessionmaker[Session]] = {}
_lock = threading.Lock()

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class UTCDateTime(TypeDecorator):
    """Timezone-aware datetimes in, UTC-aware datetimes out, on PostgreSQL and SQLite alike.

    SQLite has no timezone type, so values are stored as naive UTC there; naive input is a bug
    (it would silently be read back as another instant) and is refused.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    pass


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def get_sessionmaker(settings) -> sessionmaker[Session]:
    url = normalize_database_url(settings.effective_database_url)
    engine = get_engine(url)
    with _lock:
        maker = _makers.get(url)
        if maker is None or maker.kw["bind"] is not engine:  # a new engine after dispose_engine
            maker = _makers[url] = sessionmaker(bind=engine, expire_on_commit=False)
        return maker


def owns_name(name, type_, parent_names) -> bool:
    """Alembic `include_name` hook: the service's migrations manage only its own tables.

    Other parts of the product (the bot's conversation store) may keep tables in the same database;
    autogenerate must neither drop nor report them.
    """
    if type_ == "table":
        return name in Base.metadata.tables
    return True


def import_models() -> None:
    """Import every model module so Base.metadata knows all tables (Alembic, tests)."""
    import importlib

    import feedback_api.auth.models  # noqa: F401
    import feedback_api.feedback.models  # noqa: F401
    import feedback_api.outbox.models  # noqa: F401

    # FB-OPS tables (revision 0002_ops), so autogenerate sees the whole schema.
    for name in ("feedback_api.attachments.models", "feedback_api.edge.models", "feedback_api.scheduler.models"):
        try:
            importlib.import_module(name)
        except ImportError:
            pass


def upgrade_url(url: str, revision: str = "head") -> None:
    from alembic import command
    from alembic.config import Config

    url = normalize_database_url(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    engine = get_engine(url)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Two processes starting together must not both run the same migration.
            connection.execute(text("SELECT pg_advisory_xact_lock(1022001)"))
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def upgrade_database(settings) -> None:
    """Bring the configured database to the newest schema (alembic upgrade head, programmatically)."""
    if settings.database_url is None:
        Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    upgrade_url(settings.effective_database_url)
