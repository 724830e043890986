"""first answers to officers' bulk actions over the API, replayed on a retry with the same Idempotency-Key

Revision ID: 0014_ecommerce_action_keys
Revises: 0013_ecommerce_value_refs
Create Date: 2026-11-24 01:50:00

One row per officer and key: the hash of the request and the response it got. A retry with the same key and the
same request answers the stored response and decides nothing again; the same key with another request is refused
(ecommerce/officer_api.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import smartcustoms.db

revision: str = '0014_ecommerce_action_keys'
down_revision: str | None = '0013_ecommerce_value_refs'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'ecommerce_action_keys',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('officer_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('request_hash', sa.String(length=64), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=False),
        sa.Column('response', smartcustoms.db.JSONText(), nullable=False),
        sa.Column('created_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['officer_id'], ['officers.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('officer_id', 'key', name='uq_ecommerce_action_keys_key'),
    )


def downgrade() -> None:
    op.drop_table('ecommerce_action_keys')
