"""stored sufficient statistics per survey, period and segment

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 13:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # filled in by the work (placeholder keeps the revision chain fixed)


def downgrade() -> None:
    pass
