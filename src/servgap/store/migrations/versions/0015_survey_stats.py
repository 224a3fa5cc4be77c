"""stored sufficient statistics per survey, period and segment

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 13:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from servgap.store.types import UTCDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "survey_stats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("survey_version_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=40), nullable=False),
        sa.Column("segment", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("n_responses", sa.Integer(), nullable=False),
        sa.Column("last_response_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"],
            name=op.f("fk_survey_stats_workspace_id_workspace"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["survey.id"],
            name=op.f("fk_survey_stats_survey_id_survey"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["survey_version_id"], ["survey_version.id"],
            name=op.f("fk_survey_stats_survey_version_id_survey_version"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_stats")),
        sa.UniqueConstraint(
            "survey_id", "period", "segment", "kind", name=op.f("uq_survey_stats_survey_id")
        ),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("survey_stats")
