"""Initial run store: runs, result tables, long result rows.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stakes_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("scenario_id", sa.String(80), nullable=False),
        sa.Column("scenario_title", sa.Text, nullable=False),
        sa.Column("scenario_hash", sa.String(64), nullable=False),
        sa.Column("scenario_yaml", sa.Text, nullable=False),
        sa.Column("variants", sa.JSON, nullable=False),
        sa.Column("models", sa.JSON, nullable=False),
        sa.Column("parameters", sa.JSON, nullable=False),
        sa.Column("options", sa.JSON, nullable=False),
        sa.Column("seed", sa.BigInteger, nullable=True),
        sa.Column("stakes_version", sa.String(40), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text, nullable=True),
    )
    op.create_index("ix_stakes_runs_status", "stakes_runs", ["status"])
    op.create_table(
        "stakes_result_tables",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("stakes_runs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("name", sa.String(80), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("columns", sa.JSON, nullable=False),
        sa.Column("n_rows", sa.Integer, nullable=False),
    )
    op.create_table(
        "stakes_results",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("stakes_runs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("table_name", sa.String(80), primary_key=True),
        sa.Column("row_no", sa.Integer, primary_key=True),
        sa.Column("data", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("stakes_results")
    op.drop_table("stakes_result_tables")
    op.drop_index("ix_stakes_runs_status", table_name="stakes_runs")
    op.drop_table("stakes_runs")
