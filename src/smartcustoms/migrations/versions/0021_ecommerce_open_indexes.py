"""the open consignments' indexes: the seller index on SQLite holds only them; the status index in the list order

Revision ID: 0021_ecommerce_open_indexes
Revises: 0020_ecommerce_queue_partial
Create Date: 2026-11-24 23:30:00

1. `ix_ecommerce_consignments_seller_id` becomes partial on SQLite: only the open consignments (review, inspection,
   inspection ordered, held), as the status index (0020). PostgreSQL keeps it whole.

   Why: sellers arrive in random order, so each parcel's entry dirtied a page of its own, which SQLite's one writer
   wrote to the WAL and again at the checkpoint. At 1,000,000 consignments the intake ran 16,753 and 16,844/s with
   every parcel in the index against 18,778/s with the open ones only, back to back (raw insert of the same rows
   22,219-22,894 against 27,186 rows/s); in a slower phase, where the processes' CPU set the pace, no faster
   (docs/ecommerce.md, round of 2026-11-24, fourteenth session).

   What reads it (ecommerce/officer.py): a seller's open consignments, filtered with the open statuses written as
   the index's own text. A seller's released ones, or the whole list of a seller, walk the list index
   (ix_ecommerce_consignments_list) and check the seller on each row; their counts come from the running totals.
   PostgreSQL keeps every parcel in it: a national-scale post-clearance audit of one seller runs there.

2. `ix_ecommerce_consignments_queue` (status, lane) becomes (status, lane DESC, received_at, id), still over the open
   consignments only, on both databases: the list of one open status is read in the list order from it. The held
   ones (200 among 176,184 open at a million) took SQLite 180 ms, walking the open list's index and checking each
   row's status.

Upgrade and downgrade rebuild the indexes (a scan of the table).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0021_ecommerce_open_indexes'
down_revision: str | None = '0020_ecommerce_queue_partial'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The statuses that wait for an officer at this revision (ecommerce.lifecycle.OPEN), as models.OPEN_SQL writes them.
_OPEN = "status IN ('review', 'inspection', 'inspection_ordered', 'held')"
_TABLE = 'ecommerce_consignments'


def upgrade() -> None:
    op.drop_index('ix_ecommerce_consignments_queue', table_name=_TABLE)
    op.create_index('ix_ecommerce_consignments_queue', _TABLE, ['status', sa.literal_column('lane').desc(), 'received_at', 'id'],
                    unique=False, sqlite_where=sa.text(_OPEN), postgresql_where=sa.text(_OPEN))
    if op.get_bind().dialect.name == 'sqlite':
        op.drop_index('ix_ecommerce_consignments_seller_id', table_name=_TABLE)
        op.create_index('ix_ecommerce_consignments_seller_id', _TABLE, ['seller_id'], unique=False,
                        sqlite_where=sa.text(_OPEN))


def downgrade() -> None:
    op.drop_index('ix_ecommerce_consignments_queue', table_name=_TABLE)
    op.create_index('ix_ecommerce_consignments_queue', _TABLE, ['status', 'lane'], unique=False,
                    sqlite_where=sa.text(_OPEN), postgresql_where=sa.text(_OPEN))
    if op.get_bind().dialect.name == 'sqlite':
        op.drop_index('ix_ecommerce_consignments_seller_id', table_name=_TABLE)
        op.create_index('ix_ecommerce_consignments_seller_id', _TABLE, ['seller_id'], unique=False)
