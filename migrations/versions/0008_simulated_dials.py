"""simulated dials: the simulator's own record of the dials it placed

A worker that died between placing a dial and recording it leaves an attempt that another worker
asks the provider about (mira.dialer.telephony.find_dial); the simulator answers from this table.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'simulated_dials',
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('reference', sa.String(length=200), nullable=False),
        sa.Column('placed_at', models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('script', sa.JSON(), nullable=False),
        sa.Column('answer_by', models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('token', name=op.f('pk_simulated_dials')),
    )


def downgrade() -> None:
    op.drop_table('simulated_dials')
