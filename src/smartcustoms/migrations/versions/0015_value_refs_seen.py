"""the number of goods lines each value reference's sample was drawn from

Revision ID: 0015_value_refs_seen
Revises: 0014_ecommerce_action_keys
Create Date: 2026-11-24 02:40:00

`lines` is the sample a band was computed from (at most 5,000 by default); `seen` is every line the refresh read
for it (every line of the window, or every k-th above a million consignments), so that the console can show and
rank the busiest subheadings. Bands stored before have none (null): they show their sample size until the next
refresh.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015_value_refs_seen'
down_revision: str | None = '0014_ecommerce_action_keys'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('ecommerce_value_refs') as batch:
        batch.add_column(sa.Column('seen', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ecommerce_value_refs') as batch:
        batch.drop_column('seen')
