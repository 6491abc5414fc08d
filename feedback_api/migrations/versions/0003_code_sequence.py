"""Tracking-code numbers from one PostgreSQL SEQUENCE per year (feedback_code_seq_<year>).

The service creates a year's sequence on its first intake of that year (feedback.store); this
revision creates them for the years that already have numbers, starting after the last number issued
(code_sequence counter row or stored items), so that an upgraded database continues its numbering.
Downgrade writes each year's last number back into code_sequence (the older versions' counter) and drops
the sequences. SQLite keeps the counter row: nothing to do there.

Revision ID: 0003_code_sequence
Revises: 0002_ops
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa

revision = "0003_code_sequence"
down_revision = "0002_ops"
branch_labels = None
depends_on = None

PREFIX = "feedback_code_seq_"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    issued = bind.execute(sa.text(
        "SELECT year, max(n) FROM (SELECT year, last_seq AS n FROM code_sequence"
        " UNION ALL SELECT year, seq FROM feedback) AS t GROUP BY year"
    )).all()
    for year, last in issued:
        name = f"{PREFIX}{int(year)}"
        op.execute(f'CREATE SEQUENCE IF NOT EXISTS "{name}" AS integer OWNED BY feedback.seq')
        if last:
            bind.execute(sa.text("SELECT setval(CAST(CAST(:name AS text) AS regclass), :last)"),
                         {"name": name, "last": int(last)})


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    names = bind.execute(sa.text(
        "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema() AND sequencename LIKE :p"
    ), {"p": PREFIX.replace("_", r"\_") + "%"}).scalars().all()
    for name in names:
        year = int(name[len(PREFIX):])
        # The counter row continues after every stored number of the year.
        bind.execute(sa.text(
            "INSERT INTO code_sequence (year, last_seq)"
            " SELECT :year, COALESCE(max(seq), 0) FROM feedback WHERE year = :year"
            " ON CONFLICT (year) DO UPDATE SET last_seq = GREATEST(code_sequence.last_seq, EXCLUDED.last_seq)"
        ), {"year": year})
        op.execute(f'DROP SEQUENCE IF EXISTS "{name}"')
