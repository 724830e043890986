"""export declarations, screening hits and their resolution

Revision ID: 0005_exports
Revises: 0004_watchlists
Create Date: 2026-11-22 05:50:00

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import smartcustoms.db

revision: str = '0005_exports'
down_revision: str | None = '0004_watchlists'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('export_declarations',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('trader_id', sa.Integer(), nullable=False),
    sa.Column('exporter_code', sa.String(length=32), nullable=False),
    sa.Column('exporter_name', sa.String(length=200), nullable=False),
    sa.Column('exporter_address', sa.String(length=500), nullable=False),
    sa.Column('exporter_country', sa.String(length=2), nullable=False),
    sa.Column('consignee_name', sa.String(length=200), nullable=False),
    sa.Column('consignee_address', sa.String(length=500), nullable=False),
    sa.Column('consignee_country', sa.String(length=2), nullable=False),
    sa.Column('end_user_name', sa.String(length=200), nullable=False),
    sa.Column('end_user_country', sa.String(length=2), nullable=False),
    sa.Column('destination_country', sa.String(length=2), nullable=False),
    sa.Column('transport_mode', sa.String(length=10), nullable=False),
    sa.Column('office', sa.String(length=20), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('declared_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('lane', sa.Integer(), nullable=False),
    sa.Column('lane_reasons', smartcustoms.db.JSONText(), nullable=False),
    sa.Column('screening', smartcustoms.db.JSONText(), nullable=False),
    sa.Column('exchange_rate', smartcustoms.db.JSONText(), nullable=True),
    sa.Column('total_value_jpy', sa.BigInteger(), nullable=False),
    sa.Column('open_hits', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('lodged_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['trader_id'], ['traders.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('export_declarations', schema=None) as batch_op:
        for col in ('trader_id', 'exporter_code', 'destination_country', 'status', 'lane', 'open_hits', 'lodged_at'):
            batch_op.create_index(batch_op.f(f'ix_export_declarations_{col}'), [col], unique=False)

    op.create_table('export_declaration_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.String(length=36), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('hs_code', sa.String(length=9), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('quantity', smartcustoms.db.DecimalText(length=40), nullable=False),
    sa.Column('unit', sa.String(length=3), nullable=False),
    sa.Column('value', smartcustoms.db.DecimalText(length=40), nullable=False),
    sa.Column('value_jpy', sa.BigInteger(), nullable=False),
    sa.Column('licences', smartcustoms.db.JSONText(), nullable=False),
    sa.ForeignKeyConstraint(['declaration_id'], ['export_declarations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('declaration_id', 'line_no')
    )
    with op.batch_alter_table('export_declaration_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_export_declaration_lines_declaration_id'), ['declaration_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_export_declaration_lines_hs_code'), ['hs_code'], unique=False)

    op.create_table('export_hits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('party_role', sa.String(length=20), nullable=True),
    sa.Column('party_name', sa.String(length=200), nullable=True),
    sa.Column('party_country', sa.String(length=2), nullable=True),
    sa.Column('line_no', sa.Integer(), nullable=True),
    sa.Column('list_code', sa.String(length=80), nullable=False),
    sa.Column('list_version', sa.String(length=120), nullable=False),
    sa.Column('entry_id', sa.String(length=200), nullable=False),
    sa.Column('entry_name', sa.String(length=500), nullable=False),
    sa.Column('entry_digest', sa.String(length=64), nullable=False),
    sa.Column('matched_name', sa.String(length=500), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('licence_question', sa.Text(), nullable=False),
    sa.Column('licences', smartcustoms.db.JSONText(), nullable=False),
    sa.Column('state', sa.String(length=30), nullable=False),
    sa.Column('resolution_reason', sa.Text(), nullable=True),
    sa.Column('resolved_by', sa.String(length=120), nullable=True),
    sa.Column('resolved_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['declaration_id'], ['export_declarations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('export_hits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_export_hits_declaration_id'), ['declaration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_export_hits_state'), ['state'], unique=False)

    op.create_table('export_declaration_status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.String(length=36), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('from_status', sa.String(length=24), nullable=True),
    sa.Column('to_status', sa.String(length=24), nullable=False),
    sa.Column('lane', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('at', smartcustoms.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['declaration_id'], ['export_declarations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('export_declaration_status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_export_declaration_status_changes_declaration_id'), ['declaration_id'],
                              unique=False)

    op.create_table('screening_false_positives',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('party_key', sa.String(length=200), nullable=False),
    sa.Column('party_country', sa.String(length=2), nullable=False),
    sa.Column('list_code', sa.String(length=80), nullable=False),
    sa.Column('entry_id', sa.String(length=200), nullable=False),
    sa.Column('entry_digest', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_by', sa.String(length=120), nullable=False),
    sa.Column('declaration_id', sa.String(length=36), nullable=False),
    sa.Column('decided_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('party_key', 'party_country', 'list_code', 'entry_id', 'entry_digest')
    )
    with op.batch_alter_table('screening_false_positives', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_screening_false_positives_party_key'), ['party_key'], unique=False)


def downgrade() -> None:
    op.drop_table('screening_false_positives')
    op.drop_table('export_declaration_status_changes')
    op.drop_table('export_hits')
    op.drop_table('export_declaration_lines')
    op.drop_table('export_declarations')
