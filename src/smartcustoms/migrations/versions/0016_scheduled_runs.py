"""the server's scheduled jobs: the last claimed slot of each, who ran it and how it ended

Revision ID: 0016_scheduled_runs
Revises: 0015_value_refs_seen
Create Date: 2026-11-24 04:40:00

One row per job (housekeeping/runner.py): a server process runs a slot only after moving the job's slot forward
with one conditional UPDATE, so with several processes exactly one runs it. Empty until a server first claims one.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import smartcustoms.db

revision: str = '0016_scheduled_runs'
down_revision: str | None = '0015_value_refs_seen'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'scheduled_runs',
        sa.Column('job', sa.String(length=60), nullable=False),
        sa.Column('slot_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('started_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('finished_at', smartcustoms.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('runner', sa.String(length=120), nullable=True),
        sa.Column('outcome', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('job'),
    )


def downgrade() -> None:
    op.drop_table('scheduled_runs')
