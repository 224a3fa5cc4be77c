"""improvement actions with their plan and follow-up: theme, site, target metric and level,
baseline and check periods, where they came from, and the last check's result

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from servgap.store.types import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("improvement_action", schema=None) as batch_op:
        batch_op.add_column(sa.Column("theme", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("site_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("survey", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("metric", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("target", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("higher_is_better", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(sa.Column("baseline_period", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("check_period", sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column("source", sa.String(length=20), nullable=False, server_default="manual")
        )
        batch_op.add_column(sa.Column("check_result", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("checked_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_improvement_action_site_id_site"),
            "site",
            ["site_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("improvement_action", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_improvement_action_site_id_site"), type_="foreignkey"
        )
        for col in ("checked_at", "check_result", "source", "check_period", "baseline_period",
                    "higher_is_better", "target", "metric", "survey", "site_id", "theme"):  # fmt: skip
            batch_op.drop_column(col)
