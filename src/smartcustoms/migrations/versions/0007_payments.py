"""payment orders, agent callbacks, means-of-payment declarations

Revision ID: 0007_payments
Revises: 0006_travellers
Create Date: 2026-11-22 05:50:00

Payment orders with the agent's callback events, refund requests and daily reconciliation runs; means-of-payment
(cash, securities, gold bullion) declarations and their items.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import smartcustoms.db

revision: str = '0007_payments'
down_revision: str | None = '0006_travellers'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('payment_orders',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('amount_jpy', sa.BigInteger(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('payer_name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('pay_url', sa.String(length=500), nullable=False),
    sa.Column('idempotency_key', sa.String(length=255), nullable=True),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('paid_amount_jpy', sa.BigInteger(), nullable=True),
    sa.Column('paid_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('agent_transaction_id', sa.String(length=100), nullable=True),
    sa.Column('refunded_amount_jpy', sa.BigInteger(), nullable=False),
    sa.Column('cancelled_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'idempotency_key')
    )
    with op.batch_alter_table('payment_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_orders_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_orders_reference'), ['reference'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_orders_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_orders_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_orders_agent_transaction_id'), ['agent_transaction_id'],
                              unique=False)

    op.create_table('payment_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=100), nullable=False),
    sa.Column('order_id', sa.String(length=36), nullable=False),
    sa.Column('event_type', sa.String(length=12), nullable=False),
    sa.Column('amount_jpy', sa.BigInteger(), nullable=False),
    sa.Column('settled_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('transaction_id', sa.String(length=100), nullable=False),
    sa.Column('refund_id', sa.String(length=36), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('received_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('processed_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id')
    )
    with op.batch_alter_table('payment_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_events_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_events_settled_at'), ['settled_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_events_transaction_id'), ['transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_events_outcome'), ['outcome'], unique=False)

    op.create_table('payment_refunds',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('order_id', sa.String(length=36), nullable=False),
    sa.Column('amount_jpy', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('requested_by', sa.String(length=120), nullable=False),
    sa.Column('requested_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('settled_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['payment_orders.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('payment_refunds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_refunds_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_refunds_status'), ['status'], unique=False)

    op.create_table('payment_reconciliations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('report', smartcustoms.db.JSONText(), nullable=False),
    sa.Column('run_by', sa.String(length=120), nullable=False),
    sa.Column('run_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('payment_reconciliations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_reconciliations_day'), ['day'], unique=False)

    op.create_table('mop_declarations',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('family_name', sa.String(length=100), nullable=False),
    sa.Column('given_name', sa.String(length=100), nullable=False),
    sa.Column('nationality', sa.String(length=2), nullable=False),
    sa.Column('passport_number', sa.String(length=20), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('travel_date', sa.Date(), nullable=False),
    sa.Column('flight', sa.String(length=10), nullable=False),
    sa.Column('origin_country', sa.String(length=2), nullable=False),
    sa.Column('destination_country', sa.String(length=2), nullable=False),
    sa.Column('total_jpy', sa.BigInteger(), nullable=False),
    sa.Column('gold_bullion_g', smartcustoms.db.DecimalText(length=40), nullable=False),
    sa.Column('limit_jpy', sa.BigInteger(), nullable=False),
    sa.Column('declaration_required', sa.Boolean(), nullable=False),
    sa.Column('required_reasons', smartcustoms.db.JSONText(), nullable=False),
    sa.Column('flags', smartcustoms.db.JSONText(), nullable=False),
    sa.Column('thresholds', smartcustoms.db.JSONText(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=255), nullable=True),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('filed_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    with op.batch_alter_table('mop_declarations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mop_declarations_passport_number'), ['passport_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_mop_declarations_travel_date'), ['travel_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_mop_declarations_declaration_required'), ['declaration_required'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_mop_declarations_filed_at'), ['filed_at'], unique=False)

    op.create_table('mop_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.String(length=36), nullable=False),
    sa.Column('item_no', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('amount', smartcustoms.db.DecimalText(length=40), nullable=True),
    sa.Column('amount_jpy', sa.BigInteger(), nullable=False),
    sa.Column('rate', smartcustoms.db.JSONText(), nullable=True),
    sa.Column('weight_g', smartcustoms.db.DecimalText(length=40), nullable=True),
    sa.Column('purity', smartcustoms.db.DecimalText(length=40), nullable=True),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['declaration_id'], ['mop_declarations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('mop_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mop_items_declaration_id'), ['declaration_id'], unique=False)


def downgrade() -> None:
    op.drop_table('mop_items')
    op.drop_table('mop_declarations')
    op.drop_table('payment_reconciliations')
    op.drop_table('payment_refunds')
    op.drop_table('payment_events')
    op.drop_table('payment_orders')
