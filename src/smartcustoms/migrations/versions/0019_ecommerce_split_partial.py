"""the split window's index holds only the parcels within the exemption

Revision ID: 0019_ecommerce_split_partial
Revises: 0018_ecommerce_inspection
Create Date: 2026-11-24 20:00:00

Split detection only ever looks up parcels whose dutiable value is within the low-value exemption (split.py: a
parcel above it is taxed on its own and joins no group). `ecommerce_consignments.split_key` becomes nullable: the
intake stores no key for a parcel above the exemption in force when it is stored, and the split window's index
(split_key, received_at) becomes partial (`split_key IS NOT NULL`). The window's query (`split_key IN (...)` on
SQLite, `split_key = ANY(...)` on PostgreSQL) implies the index's condition, so both databases still use it.

Why: the keys are 64-bit digests, so every insert into that index lands on a random page; it was the costliest of the
table's indexes for a bulk intake (a raw insert of 1M consignments without it ran 27,181 rows/s against 16,291 with
all indexes). 15 % of the generator's parcels are above the exemption, so the index holds 15 % fewer entries: at
1M on SQLite a trial ran 20,287 and 19,485/s against 17,918 and 18,846/s with the whole index, the code as built
18,051 and 18,846/s (runs of the same code spread by ±5 % on that machine; docs/ecommerce.md, round of
2026-11-24, twelfth session).

Upgrade: the keys of stored parcels above ¥10,000 (the only exemption in force since the platform's first
release) are cleared. Downgrade: parcels without a key get 0, which matches no parcel's key (the code before this
revision never looks up a parcel above the exemption either), and the index covers every row again.

SQLite: the column is replaced in place (add, fill, drop, rename), as in 0009, rather than by a copy of the table.
PostgreSQL: dropping NOT NULL is instant; clearing the keys rewrites those rows and the index is rebuilt (with
tens of millions of consignments stored, run the upgrade in a quiet hour).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019_ecommerce_split_partial'
down_revision: str | None = '0018_ecommerce_inspection'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = 'ecommerce_consignments'
INDEX = 'ix_ecommerce_consignments_split'
_WHERE = sa.text("split_key IS NOT NULL")
_EXEMPTION_MAX = 10_000  # yen: the low-value exemption of every parcel stored before this revision


def _sqlite_replace(definition: str, fill: str) -> None:
    """Replace split_key by a column of `definition` filled by the SQL expression `fill` (of the old columns)."""
    op.execute(f"ALTER TABLE {TABLE} ADD COLUMN split_key_new {definition}")
    op.execute(f"UPDATE {TABLE} SET split_key_new = {fill}")  # noqa: S608 (fixed text)
    op.execute(f"ALTER TABLE {TABLE} DROP COLUMN split_key")
    op.execute(f"ALTER TABLE {TABLE} RENAME COLUMN split_key_new TO split_key")


def upgrade() -> None:
    op.drop_index(INDEX, table_name=TABLE)
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_replace("BIGINT", f"CASE WHEN dutiable_value_jpy <= {_EXEMPTION_MAX} THEN split_key END")
    else:
        op.alter_column(TABLE, 'split_key', existing_type=sa.BigInteger(), nullable=True)
        op.execute(f"UPDATE {TABLE} SET split_key = NULL "  # noqa: S608 (fixed text)
                   f"WHERE dutiable_value_jpy > {_EXEMPTION_MAX}")
    op.create_index(INDEX, TABLE, ['split_key', 'received_at'], unique=False, sqlite_where=_WHERE,
                    postgresql_where=_WHERE)


def downgrade() -> None:
    op.drop_index(INDEX, table_name=TABLE, sqlite_where=_WHERE, postgresql_where=_WHERE)
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_replace("BIGINT NOT NULL DEFAULT 0", "coalesce(split_key, 0)")
    else:
        op.execute(f"UPDATE {TABLE} SET split_key = 0 WHERE split_key IS NULL")  # noqa: S608 (fixed text)
        op.alter_column(TABLE, 'split_key', existing_type=sa.BigInteger(), nullable=False)
    op.create_index(INDEX, TABLE, ['split_key', 'received_at'], unique=False)
