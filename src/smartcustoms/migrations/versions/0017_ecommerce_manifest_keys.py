"""submitters' Idempotency-Keys on manifests: the manifest each names and the digest of its body

Revision ID: 0017_ecommerce_manifest_keys
Revises: 0016_scheduled_runs
Create Date: 2026-11-24 07:20:00

One row per submitter and key (ecommerce/manifest_keys.py). A retry of `POST /api/v1/manifests` with the same key
and the same body replays the stored results of the manifest it names and records nothing; the same key with another
body is refused; a key whose manifest's body was cut moves to the retry's new manifest.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import smartcustoms.db

revision: str = '0017_ecommerce_manifest_keys'
down_revision: str | None = '0016_scheduled_runs'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'ecommerce_manifest_keys',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('submitter_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('manifest_id', sa.String(length=40), nullable=False),
        sa.Column('body_sha256', sa.String(length=64), nullable=True),
        sa.Column('created_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['manifest_id'], ['ecommerce_manifests.id']),
        sa.ForeignKeyConstraint(['submitter_id'], ['traders.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('submitter_id', 'key', name='uq_ecommerce_manifest_keys_key'),
    )


def downgrade() -> None:
    op.drop_table('ecommerce_manifest_keys')
