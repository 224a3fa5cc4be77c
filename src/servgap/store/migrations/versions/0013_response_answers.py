"""response answers in long form (one row per answered question part), kept in sync on import and submission

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 13:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # filled in by the work (placeholder keeps the revision chain fixed)


def downgrade() -> None:
    pass
