"""master data: site queues, time zone and opening date; audit standards; recovery outcomes on cases

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from servgap.store.types import UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.add_column(sa.Column("queues", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("opened_on", sa.Date(), nullable=True))
    op.create_table(
        "audit_standard",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_audit_standard_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_standard")),
        sa.UniqueConstraint(
            "workspace_id", "code", "version", name="uq_audit_standard_workspace_id_code_version"
        ),
    )
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("standard_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_audit_standard_id_audit_standard"),
            "audit_standard",
            ["standard_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("audit_score", schema=None) as batch_op:
        batch_op.add_column(sa.Column("section", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("item", sa.String(length=64), nullable=True))
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("satisfaction_before", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("satisfaction_after", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_column("satisfaction_after")
        batch_op.drop_column("satisfaction_before")
    with op.batch_alter_table("audit_score", schema=None) as batch_op:
        batch_op.drop_column("item")
        batch_op.drop_column("section")
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.drop_constraint("fk_audit_standard_id_audit_standard", type_="foreignkey")
        batch_op.drop_column("standard_id")
    op.drop_table("audit_standard")
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.drop_column("opened_on")
        batch_op.drop_column("timezone")
        batch_op.drop_column("queues")
