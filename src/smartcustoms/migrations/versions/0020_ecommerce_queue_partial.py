"""the status index holds only the consignments waiting for an officer

Revision ID: 0020_ecommerce_queue_partial
Revises: 0019_ecommerce_split_partial
Create Date: 2026-11-24 21:30:00

`ix_ecommerce_consignments_queue` (status, lane) becomes partial: only the open consignments (review, inspection,
inspection ordered, held), as the open list's index (0011). The released ones, lane 1's at intake and 86 % of the
generator's parcels, are no longer written into it, which a bulk intake paid on every row.

What reads it, and how without it for the released ones (ecommerce/officer.py):
- the per-status counts of the console: `status IN (<the open statuses>)`, the index's own condition, written as
  that very text (SQLite never matches bound values to an index's condition, PostgreSQL not in a generic plan);
- a list or count filtered by one open status: `status = '<that status>'` with the same text beside it;
- released ones are counted from the running totals (all minus open, both kept per platform), and their list walks
  the list index (ix_ecommerce_consignments_list), where they are most of the rows.

Why: at 300,000 consignments on SQLite the intake ran 24,116 and 24,226/s without the index against 22,788 and
23,119/s with it, in interleaved pairs (docs/ecommerce.md, round of 2026-11-24, thirteenth session).

Upgrade and downgrade rebuild the index (a scan of the table: with tens of millions of consignments stored, run it
in a quiet hour).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0020_ecommerce_queue_partial'
down_revision: str | None = '0019_ecommerce_split_partial'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The statuses that wait for an officer at this revision (ecommerce.lifecycle.OPEN), as models.OPEN_SQL writes them.
_OPEN = "status IN ('review', 'inspection', 'inspection_ordered', 'held')"


def upgrade() -> None:
    op.drop_index('ix_ecommerce_consignments_queue', table_name='ecommerce_consignments')
    op.create_index('ix_ecommerce_consignments_queue', 'ecommerce_consignments', ['status', 'lane'], unique=False,
                    sqlite_where=sa.text(_OPEN), postgresql_where=sa.text(_OPEN))


def downgrade() -> None:
    op.drop_index('ix_ecommerce_consignments_queue', table_name='ecommerce_consignments')
    op.create_index('ix_ecommerce_consignments_queue', 'ecommerce_consignments', ['status', 'lane'], unique=False)
