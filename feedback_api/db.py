"""Database plumbing: sessions and the Alembic upgrade in code (tables: feedback_api.models).

The same models run on the embedded SQLite file (default) and on PostgreSQL (DATABASE_URL, psycopg 3).
"""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from common.db import get_engine, normalize_database_url
from feedback_api.models import metadata

_makers: dict[str, sessionmaker[Session]] = {}
_lock = threading.Lock()

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


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
        return name in metadata.tables
    return True


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
