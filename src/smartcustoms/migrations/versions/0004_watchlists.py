"""watch lists, their versions and screening records

Revision ID: 0004_watchlists
Revises: 0003_ecommerce
Create Date: 2026-11-22 05:50:00

Reserved as an empty step so that the e-commerce (0003), watch-list (0004), export (0005), traveller (0006) and
payment (0007) migrations form one chain; the owning work fills upgrade/downgrade.
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = '0004_watchlists'
down_revision: str | None = '0003_ecommerce'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
