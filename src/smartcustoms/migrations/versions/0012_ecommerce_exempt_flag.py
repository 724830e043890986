"""a consignment is exempt only when the low-value exemption relieves all of it

Revision ID: 0012_ecommerce_exempt_flag
Revises: 0011_ecommerce_open_list
Create Date: 2026-11-23 20:30:00

`ecommerce_consignments.exempt` meant "the dutiable total is within the ¥10,000 threshold", so a parcel within it
with goods excluded from the exemption (a leather bag, knitted clothing, footwear) was stored and reported
`exempt: true` with duty and consumption tax due. It now means that the exemption relieves the whole consignment:
within the threshold and no line excluded, nothing due. Split detection reads the threshold from the dutiable value
itself, so such parcels still count in a split group.

Upgrade: the stored rows of that kind are exactly those marked exempt that carry an assessment, since the intake
stores an assessment for an exempt-by-threshold consignment only when a line is excluded from the exemption (and
such a line is taxed). Downgrade marks them exempt again: the rows with an assessment whose dutiable value is within
the threshold the platform ships (¥10,000, tariff/data/low-value-thresholds.csv).

Both directions are one UPDATE over the consignments table with no index on its condition: with tens of millions
of consignments stored, run it in a quiet hour (it rewrites only the rows it changes, a few percent).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0012_ecommerce_exempt_flag'
down_revision: str | None = '0011_ecommerce_open_list'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("UPDATE ecommerce_consignments SET exempt = false WHERE exempt = true AND assessment IS NOT NULL")


def downgrade() -> None:
    op.execute("UPDATE ecommerce_consignments SET exempt = true "
               "WHERE exempt = false AND assessment IS NOT NULL AND dutiable_value_jpy <= 10000")
