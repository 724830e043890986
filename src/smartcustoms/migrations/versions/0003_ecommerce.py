"""e-commerce low-value consignments and manifests

Revision ID: 0003_ecommerce
Revises: 0002_risk_models
Create Date: 2026-11-22 05:50:00

Manifests, consignments (unique per submitter and parcel id), rejected and repeated manifest lines.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import smartcustoms.db

revision: str = '0003_ecommerce'
down_revision: str | None = '0002_risk_models'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ecommerce_manifests',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('submitter_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('format', sa.String(length=10), nullable=False),
    sa.Column('filename', sa.String(length=300), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('received_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('completed_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lines', sa.Integer(), nullable=False),
    sa.Column('accepted', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('repeats', sa.Integer(), nullable=False),
    sa.Column('lane1', sa.Integer(), nullable=False),
    sa.Column('lane2', sa.Integer(), nullable=False),
    sa.Column('lane3', sa.Integer(), nullable=False),
    sa.Column('value_jpy', sa.BigInteger(), nullable=False),
    sa.Column('duty_jpy', sa.BigInteger(), nullable=False),
    sa.Column('tax_jpy', sa.BigInteger(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['submitter_id'], ['traders.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ecommerce_manifests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ecommerce_manifests_submitter_id'), ['submitter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ecommerce_manifests_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_ecommerce_manifests_received_at'), ['received_at'], unique=False)

    op.create_table('ecommerce_consignments',
    sa.Column('id', sa.String(length=52), nullable=False),
    sa.Column('manifest_id', sa.String(length=40), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('submitter_id', sa.Integer(), nullable=False),
    sa.Column('parcel_id', sa.String(length=64), nullable=False),
    sa.Column('platform', sa.String(length=120), nullable=False),
    sa.Column('seller_id', sa.String(length=64), nullable=False),
    sa.Column('seller_name', sa.String(length=200), nullable=False),
    sa.Column('seller_country', sa.String(length=2), nullable=False),
    sa.Column('seller_registration_id', sa.String(length=64), nullable=True),
    sa.Column('mail_order', sa.Boolean(), nullable=False),
    sa.Column('consignee_name', sa.String(length=200), nullable=False),
    sa.Column('consignee_address', sa.String(length=400), nullable=False),
    sa.Column('consignee_id', sa.String(length=64), nullable=True),
    sa.Column('delivery_place', sa.String(length=200), nullable=False),
    sa.Column('personal_use', sa.Boolean(), nullable=False),
    sa.Column('goods', sa.Text(), nullable=False),
    sa.Column('value_jpy', sa.BigInteger(), nullable=False),
    sa.Column('dutiable_value_jpy', sa.BigInteger(), nullable=False),
    sa.Column('duty_jpy', sa.BigInteger(), nullable=False),
    sa.Column('ct_national_jpy', sa.BigInteger(), nullable=False),
    sa.Column('ct_local_jpy', sa.BigInteger(), nullable=False),
    sa.Column('total_tax_jpy', sa.BigInteger(), nullable=False),
    sa.Column('exempt', sa.Boolean(), nullable=False),
    sa.Column('assessment', sa.Text(), nullable=True),
    sa.Column('lane', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('lane_reasons', sa.Text(), nullable=False),
    sa.Column('risk_score', sa.Float(), nullable=True),
    sa.Column('split_key', sa.String(length=32), nullable=False),
    sa.Column('split_group', sa.String(length=52), nullable=True),
    sa.Column('received_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('released_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=120), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['manifest_id'], ['ecommerce_manifests.id'], ),
    sa.ForeignKeyConstraint(['submitter_id'], ['traders.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('submitter_id', 'parcel_id', name='uq_ecommerce_consignments_parcel'),
    sa.UniqueConstraint('manifest_id', 'line_no', name='uq_ecommerce_consignments_line')
    )
    with op.batch_alter_table('ecommerce_consignments', schema=None) as batch_op:
        batch_op.create_index('ix_ecommerce_consignments_split', ['split_key', 'received_at'], unique=False)
        batch_op.create_index('ix_ecommerce_consignments_queue', ['status', 'lane'], unique=False)
        batch_op.create_index(batch_op.f('ix_ecommerce_consignments_seller_id'), ['seller_id'], unique=False)
        batch_op.create_index('ix_ecommerce_consignments_split_group', ['split_group'], unique=False,
                              sqlite_where=sa.text('split_group IS NOT NULL'),
                              postgresql_where=sa.text('split_group IS NOT NULL'))

    op.create_table('ecommerce_rejections',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('manifest_id', sa.String(length=40), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('parcel_id', sa.String(length=64), nullable=True),
    sa.Column('errors', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['manifest_id'], ['ecommerce_manifests.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('manifest_id', 'line_no', name='uq_ecommerce_rejections_line')
    )
    op.create_table('ecommerce_repeats',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('manifest_id', sa.String(length=40), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('consignment_id', sa.String(length=52), nullable=False),
    sa.ForeignKeyConstraint(['manifest_id'], ['ecommerce_manifests.id'], ),
    sa.ForeignKeyConstraint(['consignment_id'], ['ecommerce_consignments.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('manifest_id', 'line_no', name='uq_ecommerce_repeats_line')
    )


def downgrade() -> None:
    op.drop_table('ecommerce_repeats')
    op.drop_table('ecommerce_rejections')
    with op.batch_alter_table('ecommerce_consignments', schema=None) as batch_op:
        batch_op.drop_index('ix_ecommerce_consignments_split_group')
        batch_op.drop_index(batch_op.f('ix_ecommerce_consignments_seller_id'))
        batch_op.drop_index('ix_ecommerce_consignments_queue')
        batch_op.drop_index('ix_ecommerce_consignments_split')
    op.drop_table('ecommerce_consignments')
    with op.batch_alter_table('ecommerce_manifests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ecommerce_manifests_received_at'))
        batch_op.drop_index(batch_op.f('ix_ecommerce_manifests_status'))
        batch_op.drop_index(batch_op.f('ix_ecommerce_manifests_submitter_id'))
    op.drop_table('ecommerce_manifests')
