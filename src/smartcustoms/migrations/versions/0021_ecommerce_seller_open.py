"""on SQLite the seller index holds only the consignments waiting for an officer

Revision ID: 0021_ecommerce_seller_open
Revises: 0020_ecommerce_queue_partial
Create Date: 2026-11-25 00:00:00

`ix_ecommerce_consignments_seller_id` becomes partial on SQLite: only the open consignments (review, inspection,
inspection ordered, held), as the status index (0020). PostgreSQL keeps it whole and is left alone.

Why: sellers arrive in random order, so each parcel's entry dirtied a page of its own, which SQLite's one writer
wrote to the WAL and again at the checkpoint. At 1,000,000 consignments the intake ran 16,753 and 16,844/s with
every parcel in the index against 18,778/s with the open ones only, back to back (raw insert of the same rows
22,219-22,894 against 27,186 rows/s; docs/ecommerce.md, round of 2026-11-25, fourteenth session).

What reads it (ecommerce/officer.py): a seller's open consignments, filtered with the open statuses written as the
index's own text. A seller's released ones, or the whole list of a seller, walk the list index
(ix_ecommerce_consignments_list) and check the seller on each row; their counts come from the running totals.

Upgrade and downgrade rebuild the index on SQLite (a scan of the table).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0021_ecommerce_seller_open'
down_revision: str | None = '0020_ecommerce_queue_partial'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The statuses that wait for an officer at this revision (ecommerce.lifecycle.OPEN), as models.OPEN_SQL writes them.
_OPEN = "status IN ('review', 'inspection', 'inspection_ordered', 'held')"


def upgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    op.drop_index('ix_ecommerce_consignments_seller_id', table_name='ecommerce_consignments')
    op.create_index('ix_ecommerce_consignments_seller_id', 'ecommerce_consignments', ['seller_id'], unique=False,
                    sqlite_where=sa.text(_OPEN))


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    op.drop_index('ix_ecommerce_consignments_seller_id', table_name='ecommerce_consignments')
    op.create_index('ix_ecommerce_consignments_seller_id', 'ecommerce_consignments', ['seller_id'], unique=False)
