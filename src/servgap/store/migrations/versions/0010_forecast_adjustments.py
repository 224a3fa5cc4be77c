"""expert adjustments of demand forecasts (author and reason) and uploaded rosters of the
capacity planner

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 10:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from servgap.store.types import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "forecast_adjustment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        _when("start", False),
        _when("end", False),
        sa.Column("factor", sa.Float(), nullable=True),
        sa.Column("add", sa.Float(), nullable=True),
        sa.Column("author", sa.String(length=254), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        _when("created_at", False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_forecast_adjustment_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["site.id"],
            name=op.f("fk_forecast_adjustment_site_id_site"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_adjustment")),
    )
    op.create_index(
        "ix_forecast_adjustment_queue",
        "forecast_adjustment",
        ["workspace_id", "site_id", "queue"],
        unique=False,
    )
    op.create_table(
        "roster_shift",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        _when("start", False),
        _when("end", False),
        sa.Column("count", sa.Float(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=254), nullable=False),
        _when("uploaded_at", False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_roster_shift_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["site.id"],
            name=op.f("fk_roster_shift_site_id_site"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_shift")),
    )
    op.create_index(
        "ix_roster_shift_queue", "roster_shift", ["workspace_id", "site_id", "queue"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_roster_shift_queue", table_name="roster_shift")
    op.drop_table("roster_shift")
    op.drop_index("ix_forecast_adjustment_queue", table_name="forecast_adjustment")
    op.drop_table("forecast_adjustment")
