"""What the tables are built from: the declarative base, timezone-safe datetimes, the clock.

Model modules import this (never feedback_api.db), so the database plumbing can import the models
registry (feedback_api.models) without an import cycle.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Table
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator


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
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


def table_of(model: type[Base]) -> Table:
    """The Core table of a mapped class, for Core statements (INSERT ... RETURNING, upserts).

    SQLAlchemy declares `__table__` as a `FromClause`; a declarative class mapped to one table has a `Table`.
    """
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a single table")
    return table


def utcnow() -> datetime:
    return datetime.now(UTC)
