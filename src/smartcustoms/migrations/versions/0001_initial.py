"""initial schema: identity, audit, reference, tariff, risk, import declarations

Revision ID: 0001_initial
Revises: (none)
Create Date: 2026-11-22 03:04:33.182636
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import smartcustoms.db

revision: str = '0001_initial'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_entries',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.String(length=40), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('action', sa.String(length=80), nullable=False),
    sa.Column('entity_type', sa.String(length=60), nullable=False),
    sa.Column('entity_id', sa.String(length=80), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entries_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_entity_id'), ['entity_id'], unique=False)

    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('exchange_rates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.Column('rate_jpy', smartcustoms.db.DecimalText(length=40), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('currency', 'valid_from')
    )
    with op.batch_alter_table('exchange_rates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_rates_currency'), ['currency'], unique=False)

    op.create_table('officers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('selectivity_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('lane', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('hs_prefix', sa.String(length=9), nullable=True),
    sa.Column('origin_country', sa.String(length=2), nullable=True),
    sa.Column('importer_code', sa.String(length=32), nullable=True),
    sa.Column('consignor_name', sa.String(length=200), nullable=True),
    sa.Column('min_value_jpy', sa.BigInteger(), nullable=True),
    sa.Column('max_value_jpy', sa.BigInteger(), nullable=True),
    sa.Column('aeo', sa.Boolean(), nullable=True),
    sa.Column('rate_mismatch', sa.Boolean(), nullable=False),
    sa.Column('random_rate', smartcustoms.db.DecimalText(length=40), nullable=True),
    sa.Column('aeo_random_rate', smartcustoms.db.DecimalText(length=40), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('tariff_rates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hs_code', sa.String(length=9), nullable=False),
    sa.Column('ad_valorem', smartcustoms.db.DecimalText(length=40), nullable=True),
    sa.Column('specific_jpy', smartcustoms.db.DecimalText(length=40), nullable=True),
    sa.Column('specific_unit', sa.String(length=3), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('hs_code', 'valid_from')
    )
    with op.batch_alter_table('tariff_rates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tariff_rates_hs_code'), ['hs_code'], unique=False)

    op.create_table('traders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('aeo', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('api_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trader_id', sa.Integer(), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['trader_id'], ['traders.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key_hash')
    )
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_keys_prefix'), ['prefix'], unique=False)
        batch_op.create_index(batch_op.f('ix_api_keys_trader_id'), ['trader_id'], unique=False)

    op.create_table('idempotency_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trader_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('response', smartcustoms.db.JSONText(), nullable=False),
    sa.Column('created_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['trader_id'], ['traders.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('trader_id', 'key')
    )
    op.create_table('import_declarations',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('trader_id', sa.Integer(), nullable=False),
    sa.Column('importer_code', sa.String(length=32), nullable=False),
    sa.Column('importer_name', sa.String(length=200), nullable=False),
    sa.Column('importer_country', sa.String(length=2), nullable=False),
    sa.Column('consignor_name', sa.String(length=200), nullable=False),
    sa.Column('consignor_country', sa.String(length=2), nullable=False),
    sa.Column('transport_mode', sa.String(length=10), nullable=False),
    sa.Column('office', sa.String(length=20), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('personal_use', sa.Boolean(), nullable=False),
    sa.Column('simplified_tariff_opt_out', sa.Boolean(), nullable=False),
    sa.Column('aeo_importer', sa.Boolean(), nullable=False),
    sa.Column('declared_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('lane', sa.Integer(), nullable=False),
    sa.Column('lane_reasons', smartcustoms.db.JSONText(), nullable=False),
    sa.Column('assessment', smartcustoms.db.JSONText(), nullable=False),
    sa.Column('exchange_rate', smartcustoms.db.JSONText(), nullable=True),
    sa.Column('customs_value_jpy', sa.BigInteger(), nullable=False),
    sa.Column('total_jpy', sa.BigInteger(), nullable=False),
    sa.Column('inspection', smartcustoms.db.JSONText(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('lodged_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['trader_id'], ['traders.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('import_declarations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_declarations_importer_code'), ['importer_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_declarations_lane'), ['lane'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_declarations_lodged_at'), ['lodged_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_declarations_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_declarations_trader_id'), ['trader_id'], unique=False)

    op.create_table('import_declaration_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.String(length=36), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('hs_code', sa.String(length=9), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('quantity', smartcustoms.db.DecimalText(length=40), nullable=False),
    sa.Column('unit', sa.String(length=3), nullable=False),
    sa.Column('net_mass_kg', smartcustoms.db.DecimalText(length=40), nullable=False),
    sa.Column('customs_value', smartcustoms.db.DecimalText(length=40), nullable=False),
    sa.Column('origin_country', sa.String(length=2), nullable=False),
    sa.Column('duty_rate', smartcustoms.db.DecimalText(length=40), nullable=False),
    sa.Column('consumption_tax', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['declaration_id'], ['import_declarations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('declaration_id', 'line_no')
    )
    with op.batch_alter_table('import_declaration_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_declaration_lines_declaration_id'), ['declaration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_declaration_lines_hs_code'), ['hs_code'], unique=False)

    op.create_table('import_declaration_status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.String(length=36), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('from_status', sa.String(length=24), nullable=True),
    sa.Column('to_status', sa.String(length=24), nullable=False),
    sa.Column('lane', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('at', smartcustoms.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['declaration_id'], ['import_declarations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('import_declaration_status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_declaration_status_changes_declaration_id'), ['declaration_id'], unique=False)

    # The audit head row exists from the start so appends always lock it (see audit/service.py).
    op.execute("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '" + "0" * 64 + "')")


def downgrade() -> None:
    with op.batch_alter_table('import_declaration_status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_declaration_status_changes_declaration_id'))

    op.drop_table('import_declaration_status_changes')
    with op.batch_alter_table('import_declaration_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_declaration_lines_hs_code'))
        batch_op.drop_index(batch_op.f('ix_import_declaration_lines_declaration_id'))

    op.drop_table('import_declaration_lines')
    with op.batch_alter_table('import_declarations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_declarations_trader_id'))
        batch_op.drop_index(batch_op.f('ix_import_declarations_status'))
        batch_op.drop_index(batch_op.f('ix_import_declarations_lodged_at'))
        batch_op.drop_index(batch_op.f('ix_import_declarations_lane'))
        batch_op.drop_index(batch_op.f('ix_import_declarations_importer_code'))

    op.drop_table('import_declarations')
    op.drop_table('idempotency_records')
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_keys_trader_id'))
        batch_op.drop_index(batch_op.f('ix_api_keys_prefix'))

    op.drop_table('api_keys')
    op.drop_table('traders')
    with op.batch_alter_table('tariff_rates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tariff_rates_hs_code'))

    op.drop_table('tariff_rates')
    op.drop_table('selectivity_profiles')
    op.drop_table('officers')
    with op.batch_alter_table('exchange_rates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_rates_currency'))

    op.drop_table('exchange_rates')
    op.drop_table('audit_head')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entries_entity_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_action'))

    op.drop_table('audit_entries')
