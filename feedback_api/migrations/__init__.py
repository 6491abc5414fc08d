"""Alembic migrations of the feedback service (run in code by feedback_api.db.upgrade_database)."""
