"""Database engines: one factory for every part of the product that shares the database.

The feedback service and the bot's conversation store use the same database URL (on the embedded
default, the same SQLite file), so they must open it the same way: WAL, a busy timeout and BEGIN
IMMEDIATE on SQLite; a bounded pool with idle pings on PostgreSQL. One engine per URL per process.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url


def normalize_database_url(url: str) -> str:
    """Plain postgresql:// (and legacy postgres://) URLs mean the psycopg 3 driver the project installs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


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
    url = normalize_database_url(url)
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
_lock = threading.Lock()


def get_engine(url: str) -> Engine:
    """One engine (connection pool) per database URL per process."""
    url = normalize_database_url(url)
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = make_engine(url)
        return engine


def dispose_engine(url: str) -> None:
    url = normalize_database_url(url)
    with _lock:
        engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def is_database_unavailable(error: BaseException) -> bool:
    """True for errors that mean "the database cannot be used right now" rather than "this statement is
    wrong": no connection, a connection cut (server restart, failover), a full pool, a lock or statement
    timeout. Callers answer these with "try again later" (HTTP 503), never as a crash."""
    if isinstance(error, (exc.OperationalError, exc.InterfaceError, exc.TimeoutError, exc.DisconnectionError)):
        return True
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return False
    return isinstance(error, (psycopg.OperationalError, psycopg.InterfaceError))
