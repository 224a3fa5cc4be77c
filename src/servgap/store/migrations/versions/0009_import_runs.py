"""import runs with their error reports, and users' display names

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from servgap.store.types import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "import_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("survey", sa.String(length=64), nullable=False),
        sa.Column("user_email", sa.String(length=254), nullable=True),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("message_en", sa.Text(), nullable=False),
        sa.Column("message_zh", sa.Text(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("problems_total", sa.Integer(), nullable=False),
        _when("started_at", False),
        _when("finished_at", False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_import_run_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_run")),
    )
    op.create_index(
        "ix_import_run_ws_started", "import_run", ["workspace_id", "started_at"], unique=False
    )
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("display_name", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("display_name")
    op.drop_index("ix_import_run_ws_started", table_name="import_run")
    op.drop_table("import_run")
