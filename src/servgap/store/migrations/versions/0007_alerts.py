"""alerts on expectations and perceptions, and improvement actions

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from servgap.store.types import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("dedup_key", sa.String(length=400), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("scope", sa.String(length=100), nullable=False),
        sa.Column("subject_type", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("aspect", sa.String(length=100), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=True),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("title_zh", sa.Text(), nullable=False),
        sa.Column("title_en", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        _when("first_seen_at", False),
        _when("last_seen_at", False),
        sa.Column("acknowledged_by", sa.String(length=254), nullable=True),
        _when("acknowledged_at", True),
        sa.Column("note", sa.Text(), nullable=True),
        _when("resolved_at", True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_alert_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert")),
        sa.UniqueConstraint("workspace_id", "dedup_key", name="uq_alert_workspace_id_dedup_key"),
    )
    op.create_index("ix_alert_ws_state", "alert", ["workspace_id", "state"], unique=False)
    op.create_table(
        "improvement_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("owner", sa.String(length=254), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        _when("created_at", False),
        _when("updated_at", False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_improvement_action_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alert.id"],
            name=op.f("fk_improvement_action_alert_id_alert"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_improvement_action")),
    )
    op.create_index(
        "ix_improvement_action_ws_state",
        "improvement_action",
        ["workspace_id", "state"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_improvement_action_ws_state", table_name="improvement_action")
    op.drop_table("improvement_action")
    op.drop_index("ix_alert_ws_state", table_name="alert")
    op.drop_table("alert")
