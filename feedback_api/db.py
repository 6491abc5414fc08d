"""Database plumbing: declarative base, UTC datetimes, engines, sessions, Alembic upgrade in code.

The same models run on the embedded SQLite file (default) and on PostgreSQL (DATABASE_URL, psycopg 3).
"""
from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import DateTime, Engine, create_engine, event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from hotline.settings import normalize_database_url

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


normalize_url = normalize_database_url


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling is disabled so that every transaction starts with
    # BEGIN IMMEDIATE: writers queue on the busy timeout instead of failing with "database is locked"
    # when two transactions both read and then try to write (SQLAlchemy's documented recipe).
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _configure_sqlite(engine)
        return engine
    engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_MAX_OVERFLOW)
    _ping_idle_connections(engine)
    return engine


# PostgreSQL pool: POOL_SIZE connections stay open; bursts may open up to POOL_MAX_OVERFLOW more, closed
# again on return (each new connection costs a PostgreSQL process fork, so keep the steady state within
# POOL_SIZE: the app's thread pool runs at most 40 requests at once per process).
POOL_SIZE = 20
POOL_MAX_OVERFLOW = 20
# A pooled connection unused for longer than this is pinged before it is handed out (see below).
IDLE_PING_SECONDS = 5.0


def _ping_idle_connections(engine: Engine) -> None:
    """Liveness check for pooled connections, cheaper than pool_pre_ping's round trip on every checkout.

    A connection the driver already knows is broken is replaced without asking the server; one that sat
    idle for more than IDLE_PING_SECONDS (a database restart or a firewall may have cut it meanwhile) is
    pinged first. Under load connections come back within milliseconds and are handed out unpinged; if
    the server went away in between, the failing statement marks the connection dead and SQLAlchemy
    recycles the whole pool (its disconnect handling), so the next checkouts get fresh connections.
    Raising DisconnectionError makes the pool discard the connection and retry with a new one.
    """

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy) -> None:
        if getattr(dbapi_connection, "closed", False) or getattr(dbapi_connection, "broken", False):
            raise exc.DisconnectionError("connection closed")
        idle_since = record.info.get("idle_since")
        if idle_since is not None and time.monotonic() - idle_since > IDLE_PING_SECONDS:
            try:
                engine.dialect.do_ping(dbapi_connection)
            except Exception as error:  # noqa: BLE001 - any failure means: not usable
                raise exc.DisconnectionError(str(error)) from error


_engines: dict[str, Engine] = {}
_makers: dict[str, sessionmaker[Session]] = {}
_lock = threading.Lock()


def get_engine(url: str) -> Engine:
    """One engine (connection pool) per database URL per process."""
    url = normalize_url(url)
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = make_engine(url)
        return engine


def dispose_engine(url: str) -> None:
    url = normalize_url(url)
    with _lock:
        engine = _engines.pop(url, None)
        _makers.pop(url, None)
    if engine is not None:
        engine.dispose()


def get_sessionmaker(settings) -> sessionmaker[Session]:
    url = normalize_url(settings.effective_database_url)
    engine = get_engine(url)
    with _lock:
        maker = _makers.get(url)
        if maker is None:
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

    url = normalize_url(url)
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
