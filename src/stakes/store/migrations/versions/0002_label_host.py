"""Runs get a label, the host and process that ran them (to spot runs whose process died), and an index
on the scenario hash (to find the runs of one scenario).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stakes_runs") as batch:
        batch.add_column(sa.Column("label", sa.String(200), nullable=True))
        batch.add_column(sa.Column("host", sa.String(255), nullable=True))
        batch.add_column(sa.Column("pid", sa.Integer, nullable=True))
    op.create_index("ix_stakes_runs_scenario_hash", "stakes_runs", ["scenario_hash"])


def downgrade() -> None:
    op.drop_index("ix_stakes_runs_scenario_hash", table_name="stakes_runs")
    with op.batch_alter_table("stakes_runs") as batch:
        batch.drop_column("pid")
        batch.drop_column("host")
        batch.drop_column("label")
