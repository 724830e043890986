"""an index of the parcels officers released from lanes 2 and 3

Revision ID: 0022_ecommerce_decided_index
Revises: 0021_ecommerce_queue_order
Create Date: 2026-11-25 02:30:00

`ix_ecommerce_consignments_decided` (lane DESC, received_at, id) over the consignments released from lanes 2 and 3
(`status = 'released' AND lane > 1`), on both databases. The officers' released list read lanes 3 and 2 through the
list index, checking every row's status, before it reached lane 1, where the intake releases every parcel: 126-130
ms for its first page at a million on SQLite, 148 ms on PostgreSQL (docs/ecommerce.md, round of 2026-11-25,
fifteenth session). Now lanes 3 and 2 come from this index and lane 1 from the list index: 7-8 ms. Only an officer's release adds an entry (the intake
releases lane 1 alone): it costs the intake nothing.

Upgrade builds the index (a scan of the table); downgrade drops it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0022_ecommerce_decided_index'
down_revision: str | None = '0021_ecommerce_queue_order'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The released status at this revision (ecommerce.lifecycle.RELEASED), as models.DECIDED_SQL writes the condition.
_DECIDED = "status = 'released' AND lane > 1"
_TABLE = 'ecommerce_consignments'


def upgrade() -> None:
    op.create_index('ix_ecommerce_consignments_decided', _TABLE,
                    [sa.literal_column('lane').desc(), 'received_at', 'id'], unique=False,
                    sqlite_where=sa.text(_DECIDED), postgresql_where=sa.text(_DECIDED))


def downgrade() -> None:
    op.drop_index('ix_ecommerce_consignments_decided', table_name=_TABLE)
