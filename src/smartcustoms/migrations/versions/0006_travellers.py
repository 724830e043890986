"""passenger baggage declarations and gate decisions

Revision ID: 0006_travellers
Revises: 0005_exports
Create Date: 2026-11-22 05:50:00

Reserved as an empty step so that the e-commerce (0003), watch-list (0004), export (0005), traveller (0006) and
payment (0007) migrations form one chain; the owning work fills upgrade/downgrade.
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = '0006_travellers'
down_revision: str | None = '0005_exports'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
