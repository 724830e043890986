"""watch lists, their versions and screening records

Revision ID: 0004_watchlists
Revises: 0003_ecommerce
Create Date: 2026-11-22 05:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import smartcustoms.db

revision: str = '0004_watchlists'
down_revision: str | None = '0003_ecommerce'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('watchlist_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_code', sa.String(length=20), nullable=False),
    sa.Column('version_label', sa.String(length=80), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('source_files', smartcustoms.db.JSONText(), nullable=False),
    sa.Column('entry_count', sa.Integer(), nullable=False),
    sa.Column('name_count', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('loaded_by', sa.String(length=120), nullable=False),
    sa.Column('loaded_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('watchlist_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_watchlist_versions_list_code'), ['list_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_watchlist_versions_active'), ['active'], unique=False)

    op.create_table('watchlist_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.String(length=120), nullable=False),
    sa.Column('primary_name', sa.Text(), nullable=False),
    sa.Column('entity_type', sa.String(length=20), nullable=True),
    sa.Column('names', smartcustoms.db.JSONText(), nullable=False),
    sa.Column('countries', smartcustoms.db.JSONText(), nullable=False),
    sa.Column('birth_dates', smartcustoms.db.JSONText(), nullable=False),
    sa.Column('programmes', sa.Text(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['watchlist_versions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('watchlist_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_watchlist_entries_version_id'), ['version_id'], unique=False)

    op.create_table('screening_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', smartcustoms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('query', sa.Text(), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('date_of_birth', sa.String(length=10), nullable=True),
    sa.Column('entity_type', sa.String(length=20), nullable=True),
    sa.Column('list_versions', smartcustoms.db.JSONText(), nullable=False),
    sa.Column('hit_count', sa.Integer(), nullable=False),
    sa.Column('hits', smartcustoms.db.JSONText(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('screening_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_screening_records_at'), ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('screening_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_screening_records_at'))
    op.drop_table('screening_records')
    with op.batch_alter_table('watchlist_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_watchlist_entries_version_id'))
    op.drop_table('watchlist_entries')
    with op.batch_alter_table('watchlist_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_watchlist_versions_active'))
        batch_op.drop_index(batch_op.f('ix_watchlist_versions_list_code'))
    op.drop_table('watchlist_versions')
