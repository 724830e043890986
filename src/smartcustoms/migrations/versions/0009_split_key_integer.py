"""the split window's key as a 64-bit integer

Revision ID: 0009_split_key_integer
Revises: 0008_rates_valid_to
Create Date: 2026-11-22 23:50:00

`ecommerce_consignments.split_key` was the 16-byte BLAKE2b digest of (seller, consignee) in hex (32 characters).
It becomes the digest's first 8 bytes as a signed big-endian integer, which is what `ecommerce.split.split_key`
now computes, so a parcel stored before the upgrade still matches the same seller and consignee after it. The
split window's index (split_key, received_at) is the one a bulk intake inserts into at random; an integer key is
8 bytes against the hex text's 33, and a raw insert of 1M consignments into SQLite ran at 15,800-17,400 rows/s
against 13,000-14,300 with the hex keys.

Downgrade turns the integer back into 16 hex digits. The 16 digits the integer does not keep are lost, so parcels
stored before a downgrade no longer match later ones of the same pair (split detection starts again for them).

SQLite: the column is replaced in place (add, fill, drop, rename) rather than by a table copy, which would have to
drop a table other tables refer to while foreign keys are enforced. PostgreSQL: the type change rewrites the table
and its indexes under an exclusive lock (intake and console wait); with tens of millions of consignments stored,
run the upgrade in a quiet hour.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009_split_key_integer'
down_revision: str | None = '0008_rates_valid_to'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = 'ecommerce_consignments'
INDEX = 'ix_ecommerce_consignments_split'


def _key64(hex_key: str) -> int:
    """The first 16 hex digits as a signed 64-bit integer (what split.split_key keeps of the digest)."""
    return int.from_bytes(bytes.fromhex(hex_key[:16]), "big", signed=True)


def _sqlite_replace(new_type: str, fill: str) -> None:
    """Replace split_key by a column of `new_type` filled by the SQL expression `fill` (of the old split_key)."""
    op.drop_index(INDEX, table_name=TABLE)
    default = "0" if new_type == "BIGINT" else "''"
    op.execute(f"ALTER TABLE {TABLE} ADD COLUMN split_key_new {new_type} NOT NULL DEFAULT {default}")
    op.execute(f"UPDATE {TABLE} SET split_key_new = {fill}")  # noqa: S608 (fixed text)
    op.execute(f"ALTER TABLE {TABLE} DROP COLUMN split_key")
    op.execute(f"ALTER TABLE {TABLE} RENAME COLUMN split_key_new TO split_key")
    op.create_index(INDEX, TABLE, ['split_key', 'received_at'], unique=False)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        bind.connection.driver_connection.create_function(  # type: ignore[union-attr]
            "smartcustoms_key64", 1, _key64, deterministic=True)
        _sqlite_replace("BIGINT", "smartcustoms_key64(split_key)")
    else:
        op.alter_column(TABLE, 'split_key', existing_type=sa.String(length=32), type_=sa.BigInteger(),
                        existing_nullable=False,
                        postgresql_using="('x' || substr(split_key, 1, 16))::bit(64)::bigint")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # printf's %x writes a negative integer as its 64-bit two's complement, as the digest's bytes were.
        _sqlite_replace("VARCHAR(32)", "printf('%016x', split_key)")
    else:
        op.alter_column(TABLE, 'split_key', existing_type=sa.BigInteger(), type_=sa.String(length=32),
                        existing_nullable=False, postgresql_using="lpad(to_hex(split_key), 16, '0')")
