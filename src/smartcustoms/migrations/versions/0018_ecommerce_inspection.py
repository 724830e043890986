"""the result of a parcel's inspection, recorded with the decision that ends it

Revision ID: 0018_ecommerce_inspection
Revises: 0017_ecommerce_manifest_keys
Create Date: 2026-11-24 12:00:00

`inspection_result` (`no_discrepancy` | `discrepancy`) is recorded on a lane-3 consignment by the officer's release
(no discrepancy) or hold (either) that ends its inspection (ecommerce/lifecycle.py). Consignments stored before
have none: a lane-3 parcel still open then needs one to be released, as a new one does. The partial index holds the
inspected parcels only (the inspection results page reads them); the intake stores none, so it costs the intake
nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018_ecommerce_inspection'
down_revision: str | None = '0017_ecommerce_manifest_keys'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHERE = sa.text("inspection_result IS NOT NULL")


def upgrade() -> None:
    # A plain ADD COLUMN on both databases (a nullable column without a default): no copy of the table.
    op.add_column('ecommerce_consignments', sa.Column('inspection_result', sa.String(length=20), nullable=True))
    op.create_index('ix_ecommerce_consignments_inspected', 'ecommerce_consignments', ['received_at'],
                    unique=False, sqlite_where=_WHERE, postgresql_where=_WHERE)


def downgrade() -> None:
    op.drop_index('ix_ecommerce_consignments_inspected', table_name='ecommerce_consignments',
                  sqlite_where=_WHERE, postgresql_where=_WHERE)
    # Plain DROP COLUMN (SQLite 3.35 and later, and PostgreSQL): a batch copy of the table would take millions of
    # rows along and rebuild the other indexes from reflection, which loses their DESC on SQLite.
    op.drop_column('ecommerce_consignments', 'inspection_result')
