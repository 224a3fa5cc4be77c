"""mystery-shopper visits entered in the browser: drafts and photo evidence

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from servgap.store.types import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "audit_visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("form_key", sa.String(length=64), nullable=True),
        sa.Column("standard_id", sa.Integer(), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("auditor", sa.String(length=254), nullable=False),
        _when("visited_at", True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=True),
        _when("created_at", False),
        _when("updated_at", False),
        _when("submitted_at", True),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"],
                                name=op.f("fk_audit_visit_workspace_id_workspace"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["standard_id"], ["audit_standard.id"],
                                name=op.f("fk_audit_visit_standard_id_audit_standard"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"],
                                name=op.f("fk_audit_visit_site_id_site"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_audit_visit_user_id_user_account"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["audit_id"], ["audit.id"],
                                name=op.f("fk_audit_visit_audit_id_audit"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_visit")),
        sa.UniqueConstraint("workspace_id", "code", name="uq_audit_visit_workspace_id_code"),
        sa.UniqueConstraint("workspace_id", "form_key",
                            name="uq_audit_visit_workspace_id_form_key"),
    )  # fmt: skip
    op.create_index(
        "ix_audit_visit_ws_status", "audit_visit", ["workspace_id", "status"], unique=False
    )
    op.create_table(
        "audit_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=20), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        _when("created_at", False),
        sa.ForeignKeyConstraint(["visit_id"], ["audit_visit.id"],
                                name=op.f("fk_audit_photo_visit_id_audit_visit"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_photo")),
    )  # fmt: skip
    op.create_index(op.f("ix_audit_photo_visit_id"), "audit_photo", ["visit_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_photo_visit_id"), table_name="audit_photo")
    op.drop_table("audit_photo")
    op.drop_index("ix_audit_visit_ws_status", table_name="audit_visit")
    op.drop_table("audit_visit")
