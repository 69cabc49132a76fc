"""dialer: assistant call slots, attempt timelines

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('assistants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active_calls', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch_op.add_column(sa.Column('call_cap', sa.Integer(), nullable=True))
    # Existing assistants take their cap from their callSettings before the column is required.
    connection = op.get_bind()
    assistants = sa.table('assistants', sa.column('id', sa.String()), sa.column('document', sa.JSON()), sa.column('call_cap', sa.Integer()))
    for assistant_id, document in connection.execute(sa.select(assistants.c.id, assistants.c.document)).all():
        connection.execute(
            assistants.update()
            .where(assistants.c.id == assistant_id)
            .values(call_cap=int(document['callSettings']['concurrentCallCount']))
        )
    with op.batch_alter_table('assistants', schema=None) as batch_op:
        batch_op.alter_column('call_cap', existing_type=sa.Integer(), nullable=False)

    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calls_next_attempt_at'), ['next_attempt_at'], unique=False)

    with op.batch_alter_table('call_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provider_ref', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('script', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('due_at', models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('answered_at', models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('deadline_at', models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('transcript', sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f('ix_call_attempts_due_at'), ['due_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('call_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_attempts_due_at'))
        batch_op.drop_column('transcript')
        batch_op.drop_column('deadline_at')
        batch_op.drop_column('answered_at')
        batch_op.drop_column('due_at')
        batch_op.drop_column('script')
        batch_op.drop_column('provider_ref')

    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calls_next_attempt_at'))

    with op.batch_alter_table('assistants', schema=None) as batch_op:
        batch_op.drop_column('call_cap')
        batch_op.drop_column('active_calls')
