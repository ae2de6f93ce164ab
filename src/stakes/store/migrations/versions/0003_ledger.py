"""The forecast ledger: scenario texts by hash, hash-chained entries, and their grades.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stakes_ledger_scenarios",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("scenario_id", sa.String(80), nullable=False),
        sa.Column("yaml", sa.Text, nullable=False),
    )
    op.create_table(
        "stakes_ledger_entries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("prev_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("batch", sa.Integer, nullable=False),
        sa.Column("scenario_id", sa.String(80), nullable=False),
        sa.Column("scenario_hash", sa.String(64), sa.ForeignKey("stakes_ledger_scenarios.sha256"), nullable=False),
        sa.Column("variant", sa.String(80), nullable=False),
        sa.Column("issue", sa.String(80), nullable=False),
        sa.Column("model", sa.String(80), nullable=False),
        sa.Column("value", sa.Float, nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_stakes_ledger_entries_batch", "stakes_ledger_entries", ["batch"])
    op.create_index("ix_stakes_ledger_entries_scenario_id", "stakes_ledger_entries", ["scenario_id"])
    op.create_table(
        "stakes_ledger_grades",
        sa.Column("entry_id", sa.Integer, sa.ForeignKey("stakes_ledger_entries.id"), primary_key=True),
        sa.Column("outcome", sa.Float, nullable=False),
        sa.Column("outcome_date", sa.Date, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("error", sa.Float, nullable=False),
        sa.Column("crps", sa.Float, nullable=False),
        sa.Column("cover50", sa.Boolean, nullable=False),
        sa.Column("cover90", sa.Boolean, nullable=False),
        sa.Column("retrospective", sa.Boolean, nullable=False),
        sa.Column("distribution", sa.String(16), nullable=False),
        sa.Column("graded_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("stakes_ledger_grades")
    op.drop_index("ix_stakes_ledger_entries_scenario_id", table_name="stakes_ledger_entries")
    op.drop_index("ix_stakes_ledger_entries_batch", table_name="stakes_ledger_entries")
    op.drop_table("stakes_ledger_entries")
    op.drop_table("stakes_ledger_scenarios")
