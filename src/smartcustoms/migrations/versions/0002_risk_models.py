"""risk model registry; risk view on import declarations

Revision ID: 0002_risk_models
Revises: 0001_initial
Create Date: 2026-11-22 03:29:37.662587
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import smartcustoms.db

revision: str = '0002_risk_models'
down_revision: str | None = '0001_initial'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('risk_model_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=80), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('metadata', smartcustoms.db.JSONText(), nullable=False),
    sa.Column('lane3_share', smartcustoms.db.DecimalText(length=40), nullable=False),
    sa.Column('lane2_share', smartcustoms.db.DecimalText(length=40), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('registered_by', sa.String(length=120), nullable=False),
    sa.Column('registered_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('activated_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('version')
    )
    with op.batch_alter_table('risk_model_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_model_versions_active'), ['active'], unique=False)

    with op.batch_alter_table('import_declarations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('risk', smartcustoms.db.JSONText(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('import_declarations', schema=None) as batch_op:
        batch_op.drop_column('risk')

    with op.batch_alter_table('risk_model_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_model_versions_active'))

    op.drop_table('risk_model_versions')
