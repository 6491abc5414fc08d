"""Alembic revisions: 0001_initial (FB-API), 0002_ops (FB-OPS), then 0003_* ..."""
