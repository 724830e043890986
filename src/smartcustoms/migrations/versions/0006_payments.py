"""payment orders, agent callbacks, means-of-payment declarations

Revision ID: 0006_payments
Revises: 0005_travellers
Create Date: 2026-11-22 05:45:00

Placeholder reserved at the start of the session so that the e-commerce (0003), export screening (0004),
traveller (0005) and payment (0006) migrations form one chain; the owning work fills upgrade/downgrade.
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = '0006_payments'
down_revision: str | None = '0005_travellers'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
