"""the status index in the list order after the status

Revision ID: 0021_ecommerce_queue_order
Revises: 0020_ecommerce_queue_partial
Create Date: 2026-11-24 23:30:00

`ix_ecommerce_consignments_queue` (status, lane) becomes (status, lane DESC, received_at, id), still over the open
consignments only (review, inspection, inspection ordered, held), on both databases: the list of one open status is
read in order from it, however few its rows. The held ones (200 among 176,184 open at a million) took SQLite 197 ms,
walking the open list's index and checking each row's status; now 2.5 ms (docs/ecommerce.md, round of 2026-11-24,
fourteenth session). Its entries are the open parcels' only, appended at the end of their status and lane: the
intake's rate did not move (1M on SQLite, interleaved: 16,370 and 16,541/s against 16,478 and 16,524/s).

Upgrade and downgrade rebuild the index (a scan of the open consignments' rows).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0021_ecommerce_queue_order'
down_revision: str | None = '0020_ecommerce_queue_partial'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The statuses that wait for an officer at this revision (ecommerce.lifecycle.OPEN), as models.OPEN_SQL writes them.
_OPEN = "status IN ('review', 'inspection', 'inspection_ordered', 'held')"
_TABLE = 'ecommerce_consignments'


def upgrade() -> None:
    op.drop_index('ix_ecommerce_consignments_queue', table_name=_TABLE)
    op.create_index('ix_ecommerce_consignments_queue', _TABLE,
                    ['status', sa.literal_column('lane').desc(), 'received_at', 'id'], unique=False,
                    sqlite_where=sa.text(_OPEN), postgresql_where=sa.text(_OPEN))


def downgrade() -> None:
    op.drop_index('ix_ecommerce_consignments_queue', table_name=_TABLE)
    op.create_index('ix_ecommerce_consignments_queue', _TABLE, ['status', 'lane'], unique=False,
                    sqlite_where=sa.text(_OPEN), postgresql_where=sa.text(_OPEN))
