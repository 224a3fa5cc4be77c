"""text corrections by agents and text model versions

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 13:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from servgap.store.types import UTCDateTime

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "text_correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("field", sa.String(length=20), nullable=False),
        sa.Column("old_value", sa.String(length=40), nullable=True),
        sa.Column("new_value", sa.String(length=40), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(length=254), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"],
                                name=op.f("fk_text_correction_workspace_id_workspace"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"],
                                name=op.f("fk_text_correction_case_id_case"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"],
                                name=op.f("fk_text_correction_complaint_id_complaint"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["author_id"], ["user_account.id"],
                                name=op.f("fk_text_correction_author_id_user_account"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_text_correction")),
    )  # fmt: skip
    op.create_index(
        op.f("ix_text_correction_case_id"), "text_correction", ["case_id"], unique=False
    )
    op.create_index(
        "ix_text_correction_ws_field", "text_correction", ["workspace_id", "field"], unique=False
    )
    op.create_table(
        "text_model_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(length=254), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("model", sa.LargeBinary(), nullable=False),
        sa.Column("n_corrections", sa.Integer(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"],
                                name=op.f("fk_text_model_version_workspace_id_workspace"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_text_model_version")),
        sa.UniqueConstraint("workspace_id", "kind", "version",
                            name="uq_text_model_version_ws_kind_version"),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("text_model_version")
    op.drop_index("ix_text_correction_ws_field", table_name="text_correction")
    op.drop_index(op.f("ix_text_correction_case_id"), table_name="text_correction")
    op.drop_table("text_correction")
