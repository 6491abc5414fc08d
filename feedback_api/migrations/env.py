"""Alembic environment; configured in code by feedback_api.db.upgrade_url (no alembic.ini needed)."""

from __future__ import annotations

from alembic import context

from common.db import get_engine
from feedback_api.db import owns_name
from feedback_api.models import metadata

config = context.config
target_metadata = metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=owns_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url is None:  # feedback_api.db.upgrade_url sets it (or hands over a connection)
        raise RuntimeError("alembic: no sqlalchemy.url configured")
    return url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    with get_engine(_url()).connect() as connection:
        _run(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
