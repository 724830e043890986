"""passenger baggage declarations and gate decisions

Revision ID: 0006_travellers
Revises: 0005_exports
Create Date: 2026-11-22 05:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import smartcustoms.db

revision: str = '0006_travellers'
down_revision: str | None = '0005_exports'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('passenger_declarations',
    sa.Column('id', sa.String(length=16), nullable=False),
    sa.Column('created_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('family_name', sa.String(length=100), nullable=False),
    sa.Column('given_name', sa.String(length=100), nullable=False),
    sa.Column('nationality', sa.String(length=2), nullable=False),
    sa.Column('passport_number', sa.String(length=20), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=False),
    sa.Column('flight', sa.String(length=10), nullable=False),
    sa.Column('arrival_date', sa.Date(), nullable=False),
    sa.Column('content', smartcustoms.db.JSONText(), nullable=False),
    sa.Column('assessment', smartcustoms.db.JSONText(), nullable=False),
    sa.Column('estimated_tax_jpy', sa.BigInteger(), nullable=False),
    sa.Column('counter_reasons', smartcustoms.db.JSONText(), nullable=False),
    sa.Column('screening', smartcustoms.db.JSONText(), nullable=True),
    sa.Column('watchlist_hit', sa.Boolean(), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('qr_payload', sa.Text(), nullable=False),
    sa.Column('expires_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('used_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('used_gate', sa.String(length=64), nullable=True),
    sa.Column('adjustment', smartcustoms.db.JSONText(), nullable=True),
    sa.Column('final_tax_jpy', sa.BigInteger(), nullable=True),
    sa.Column('payment_order_id', sa.String(length=64), nullable=True),
    sa.Column('payment_status', sa.String(length=20), nullable=True),
    sa.Column('settled_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('idempotency_key', sa.String(length=255), nullable=True),
    sa.Column('request_hash', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    with op.batch_alter_table('passenger_declarations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_passenger_declarations_passport_number'), ['passport_number'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_passenger_declarations_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_passenger_declarations_payment_order_id'), ['payment_order_id'],
                              unique=False)

    op.create_table('gate_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.String(length=16), nullable=True),
    sa.Column('gate_id', sa.String(length=64), nullable=False),
    sa.Column('decision', sa.String(length=5), nullable=False),
    sa.Column('reasons', smartcustoms.db.JSONText(), nullable=False),
    sa.Column('face_match', sa.Boolean(), nullable=False),
    sa.Column('payload_sha256', sa.String(length=64), nullable=False),
    sa.Column('decided_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['declaration_id'], ['passenger_declarations.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('gate_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gate_decisions_declaration_id'), ['declaration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_gate_decisions_decided_at'), ['decided_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('gate_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gate_decisions_decided_at'))
        batch_op.drop_index(batch_op.f('ix_gate_decisions_declaration_id'))
    op.drop_table('gate_decisions')

    with op.batch_alter_table('passenger_declarations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_passenger_declarations_payment_order_id'))
        batch_op.drop_index(batch_op.f('ix_passenger_declarations_status'))
        batch_op.drop_index(batch_op.f('ix_passenger_declarations_passport_number'))
    op.drop_table('passenger_declarations')
