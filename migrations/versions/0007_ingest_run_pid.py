"""ingest_runs.pid: the process of each run, so a run found dead later is marked killed

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ingest_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pid', sa.Integer(), nullable=True, comment='process id of the ingest on its host'))



def downgrade() -> None:
    with op.batch_alter_table('ingest_runs', schema=None) as batch_op:
        batch_op.drop_column('pid')

