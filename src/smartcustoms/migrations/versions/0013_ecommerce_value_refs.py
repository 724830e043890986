"""reference unit values of parcel goods for the intake's undervaluation signal

Revision ID: 0013_ecommerce_value_refs
Revises: 0012_ecommerce_exempt_flag
Create Date: 2026-11-23 23:20:00

One row per HS subheading and unit of quantity: the median and spread of the log unit values of the goods lines
stored in a window of days (`smartcustoms ecommerce value-refs`). The intake compares each goods line with its row
and sends a parcel whose unit value is far below to lane 2 (ecommerce/valueref.py). Empty until the first refresh:
no line is judged before.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import smartcustoms.db

revision: str = '0013_ecommerce_value_refs'
down_revision: str | None = '0012_ecommerce_exempt_flag'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'ecommerce_value_refs',
        sa.Column('hs6', sa.String(length=6), nullable=False),
        sa.Column('unit', sa.String(length=3), nullable=False),
        sa.Column('lines', sa.Integer(), nullable=False),
        sa.Column('median_log', sa.Float(), nullable=False),
        sa.Column('spread', sa.Float(), nullable=False),
        sa.Column('window_from', sa.Date(), nullable=False),
        sa.Column('window_to', sa.Date(), nullable=False),
        sa.Column('computed_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('hs6', 'unit'),
    )


def downgrade() -> None:
    op.drop_table('ecommerce_value_refs')
