"""Schema and storage: migration matches the models, UTC round trip, append-only audit, code sequence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from common.db import get_engine
from common.db import normalize_database_url as normalize_url
from feedback_api.db import get_sessionmaker
from feedback_api.feedback.models import AppendOnlyViolation, AuditEvent, Feedback
from feedback_api.models import metadata
from tests.feedback_api.conftest import RECEIVED_AT, feedback_row


def test_normalize_url_uses_psycopg3():
    assert normalize_url("postgresql://u@h:5432/db") == "postgresql+psycopg://u@h:5432/db"
    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"


def test_migrations_create_exactly_the_models(database_url):
    """alembic upgrade head yields the schema the models describe (autogenerate finds nothing to do)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from feedback_api.db import owns_name

    with get_engine(database_url).connect() as connection:
        # Another component's table in the same database (as the bot keeps) is not ours to report.
        connection.execute(text("CREATE TABLE IF NOT EXISTS other_component_table (id INTEGER PRIMARY KEY)"))
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": owns_name})
        assert compare_metadata(context, metadata) == []
        tables = set(inspect(connection).get_table_names())
        connection.execute(text("DROP TABLE other_component_table"))
        connection.commit()
    assert {"feedback", "audit_event", "users", "code_sequence", "outbox"} <= tables


def _item(session, code="PA-2026-000001", received_at=RECEIVED_AT):
    item = feedback_row(code, received_at)
    session.add(item)
    session.flush()
    return item


def test_datetimes_round_trip_as_utc_aware(settings):
    local = timezone(timedelta(hours=7))
    with get_sessionmaker(settings)() as session:
        _item(session, received_at=datetime(2026, 3, 2, 8, 30, tzinfo=local))
        session.commit()
    with get_sessionmaker(settings)() as session:
        item = session.scalar(select(Feedback))
        assert item.received_at == datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
        assert item.received_at.utcoffset() == timedelta(0)
        # Comparisons in SQL go through the same conversion.
        found = session.scalar(select(Feedback).where(Feedback.received_at < datetime(2026, 3, 2, 8, 31, tzinfo=local)))
        assert found is not None
        missed = session.scalar(
            select(Feedback).where(Feedback.received_at < datetime(2026, 3, 2, 8, 29, tzinfo=local))
        )
        assert missed is None


def test_naive_datetimes_are_refused(settings):
    with get_sessionmaker(settings)() as session:
        with pytest.raises(Exception, match="naive"):
            _item(session, received_at=datetime(2026, 3, 2, 8, 30))


def test_tracking_code_unique_in_database(settings):
    with get_sessionmaker(settings)() as session:
        _item(session)
        session.commit()
        with pytest.raises(IntegrityError):
            _item(session)
        session.rollback()


def _audit(session, item):
    event = AuditEvent(
        feedback_id=item.id,
        feedback_code=item.code,
        at=item.received_at,
        actor="t",
        action="receive",
        from_status=None,
        to_status="received",
        agency_code="TTPVHCC",
        due_at=item.due_at,
        kind="complaint",
    )
    session.add(event)
    session.flush()
    return event


def test_audit_rows_cannot_be_changed_through_the_orm(settings):
    with get_sessionmaker(settings)() as session:
        event = _audit(session, _item(session))
        session.commit()
        event.reason = "sửa lịch sử"
        with pytest.raises(AppendOnlyViolation):
            session.commit()
        session.rollback()
        session.delete(session.get(AuditEvent, event.id))
        with pytest.raises(AppendOnlyViolation):
            session.commit()


@pytest.mark.parametrize("statement", ["UPDATE audit_event SET reason = 'x'", "DELETE FROM audit_event"])
def test_audit_rows_cannot_be_changed_in_sql(settings, statement):
    with get_sessionmaker(settings)() as session:
        _audit(session, _item(session))
        session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        with get_engine(settings.effective_database_url).begin() as connection:
            connection.execute(text(statement))
    with get_engine(settings.effective_database_url).connect() as connection:
        assert connection.execute(text("SELECT count(*), max(reason) FROM audit_event")).one() == (1, None)


def test_migrations_downgrade_and_upgrade_again(tmp_path):
    from alembic import command
    from alembic.config import Config

    from common.db import dispose_engine
    from feedback_api.db import MIGRATIONS_DIR, upgrade_url

    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    upgrade_url(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with get_engine(url).begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(get_engine(url)).get_table_names()) <= {"alembic_version"}
    upgrade_url(url)
    assert {"feedback", "audit_event", "users", "code_sequence", "outbox"} <= set(
        inspect(get_engine(url)).get_table_names()
    )
    dispose_engine(url)
