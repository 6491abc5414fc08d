"""A private PostgreSQL database for tests: created on the server of HOTLINE_TEST_PG_URL (default
postgresql://postgres@127.0.0.1:5432/test), dropped afterwards; the test is skipped when there is none."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PG_ADMIN_URL = os.environ.get("HOTLINE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


@contextmanager
def scratch_database(skipped: str) -> Iterator[str]:
    """Yield the URL of a new, empty database; skip (saying which `skipped` tests) without a server."""
    from sqlalchemy.engine import make_url

    try:
        import psycopg

        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except Exception as exc:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        pytest.skip(f"PostgreSQL unreachable at {PG_ADMIN_URL} ({type(exc).__name__}); {skipped} skipped")
    _drop_stale_test_databases(admin)
    name = f"hotline_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        admin.execute(f'CREATE DATABASE "{name}"')
        # Throwaway data: no need to wait for the WAL flush on every commit.
        admin.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    except Exception as exc:  # noqa: BLE001
        admin.close()
        pytest.skip(f"cannot create a test database on {PG_ADMIN_URL} ({type(exc).__name__}: {exc}); {skipped} skipped")
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _drop_stale_test_databases(admin) -> None:
    """Drop test databases left by runs that were killed before teardown (their process is gone)."""
    for (name,) in admin.execute("SELECT datname FROM pg_database WHERE datname LIKE 'hotline_test_%'").fetchall():
        match = re.fullmatch(r"hotline_test_(\d+)_[0-9a-f]{8}", name)
        if match and not Path(f"/proc/{match.group(1)}").exists():
            try:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except Exception:  # noqa: BLE001 - best effort; another run may be dropping it too
                pass
