"""voice tenancy assistants calls

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 12:00:29.436681
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('voice_key_pairs',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('public_key', sa.String(length=35), nullable=False),
    sa.Column('private_key_hash', sa.String(length=64), nullable=False),
    sa.Column('private_key_encrypted', sa.Text(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('revoked_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_voice_key_pairs_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voice_key_pairs')),
    sa.UniqueConstraint('public_key', name=op.f('uq_voice_key_pairs_public_key'))
    )
    with op.batch_alter_table('voice_key_pairs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voice_key_pairs_organization_id'), ['organization_id'], unique=False)

    op.create_table('workspaces',
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('store_key', sa.String(length=200), nullable=False),
    sa.Column('variant', sa.String(length=16), nullable=False),
    sa.Column('currency_code', sa.String(length=3), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('profile', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('billing_type', sa.String(length=16), nullable=False),
    sa.Column('credit_balance', sa.Float(), nullable=False),
    sa.Column('negative_credit_allowance', sa.Float(), nullable=False),
    sa.Column('archived_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=24), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_workspaces_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workspaces'))
    )
    with op.batch_alter_table('workspaces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workspaces_organization_id_store_key'), ['organization_id', 'store_key'], unique=True)

    op.create_table('assistants',
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('workspace_id', sa.String(length=24), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('variant', sa.String(length=32), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('pending_update', sa.JSON(), nullable=True),
    sa.Column('update_due_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_update_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('archived_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.String(length=24), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_assistants_organization_id_organizations')),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_assistants_workspace_id_workspaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assistants'))
    )
    with op.batch_alter_table('assistants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assistants_workspace_id_created_at_id'), ['workspace_id', 'created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assistants_update_due_at'), ['update_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_assistants_workspace_id_name'), ['workspace_id', 'name'], unique=True)

    op.create_table('calls',
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('workspace_id', sa.String(length=24), nullable=False),
    sa.Column('assistant_id', sa.String(length=24), nullable=False),
    sa.Column('phone_number', sa.String(length=32), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=True),
    sa.Column('callback_url', sa.String(length=2000), nullable=True),
    sa.Column('priority', sa.Boolean(), nullable=False),
    sa.Column('metadata', sa.JSON(), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('validation_errors', sa.JSON(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=255), nullable=True),
    sa.Column('request_hash', sa.String(length=64), nullable=True),
    sa.Column('next_attempt_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.String(length=24), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assistant_id'], ['assistants.id'], name=op.f('fk_calls_assistant_id_assistants')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_calls_organization_id_organizations')),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_calls_workspace_id_workspaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calls'))
    )
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calls_workspace_id_assistant_id_created_at_id'), ['workspace_id', 'assistant_id', 'created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_calls_workspace_id_created_at_id'), ['workspace_id', 'created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_calls_workspace_id_idempotency_key'), ['workspace_id', 'idempotency_key'], unique=True)
        batch_op.create_index(batch_op.f('ix_calls_workspace_id_phone_number_created_at_id'), ['workspace_id', 'phone_number', 'created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_calls_workspace_id_status_created_at_id'), ['workspace_id', 'status', 'created_at', 'id'], unique=False)

    op.create_table('call_attempts',
    sa.Column('call_id', sa.String(length=24), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('started_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('duration_seconds', sa.Float(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_call_attempts_call_id_calls')),
    sa.PrimaryKeyConstraint('call_id', 'number', name=op.f('pk_call_attempts'))
    )
    op.create_table('call_events',
    sa.Column('call_id', sa.String(length=24), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=64), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_call_events_call_id_calls')),
    sa.PrimaryKeyConstraint('call_id', 'sequence', name=op.f('pk_call_events'))
    )
    # Voice deliveries go to a call's callbackUrl rather than to a subscription.
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.alter_column('subscription_id', existing_type=sa.Uuid(), nullable=True)
        batch_op.add_column(sa.Column('call_id', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('sequence', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('object_id', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('url', sa.String(length=2000), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_webhook_deliveries_call_id_calls'), 'calls', ['call_id'], ['id'])
        batch_op.create_unique_constraint(batch_op.f('uq_webhook_deliveries_object_id'), ['object_id'])
        batch_op.create_index(batch_op.f('ix_webhook_deliveries_call_id_sequence'), ['call_id', 'sequence'], unique=True)

    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('object_id', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('archived_at', models.base.UTCDateTime(timezone=True), nullable=True))
    # Existing organizations get their voice API id before the column becomes required.
    connection = op.get_bind()
    organizations = sa.table('organizations', sa.column('id', sa.Uuid()), sa.column('object_id', sa.String()))
    for (organization_id,) in connection.execute(sa.select(organizations.c.id)).all():
        connection.execute(
            organizations.update()
            .where(organizations.c.id == organization_id)
            .values(object_id=models.base.object_id())
        )
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.alter_column('object_id', existing_type=sa.String(length=24), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_organizations_object_id'), ['object_id'])



def downgrade() -> None:
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_organizations_object_id'), type_='unique')
        batch_op.drop_column('archived_at')
        batch_op.drop_column('object_id')

    # Voice deliveries and their attempts go with the calls they reported.
    op.execute(
        'DELETE FROM webhook_attempts WHERE delivery_id IN '
        '(SELECT id FROM webhook_deliveries WHERE call_id IS NOT NULL)'
    )
    op.execute('DELETE FROM webhook_deliveries WHERE call_id IS NOT NULL')
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_deliveries_call_id_sequence'))
        batch_op.drop_constraint(batch_op.f('uq_webhook_deliveries_object_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_webhook_deliveries_call_id_calls'), type_='foreignkey')
        batch_op.drop_column('url')
        batch_op.drop_column('object_id')
        batch_op.drop_column('sequence')
        batch_op.drop_column('call_id')
        batch_op.alter_column('subscription_id', existing_type=sa.Uuid(), nullable=False)

    op.drop_table('call_events')
    op.drop_table('call_attempts')
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calls_workspace_id_status_created_at_id'))
        batch_op.drop_index(batch_op.f('ix_calls_workspace_id_phone_number_created_at_id'))
        batch_op.drop_index(batch_op.f('ix_calls_workspace_id_idempotency_key'))
        batch_op.drop_index(batch_op.f('ix_calls_workspace_id_created_at_id'))
        batch_op.drop_index(batch_op.f('ix_calls_workspace_id_assistant_id_created_at_id'))

    op.drop_table('calls')
    with op.batch_alter_table('assistants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assistants_workspace_id_name'))
        batch_op.drop_index(batch_op.f('ix_assistants_update_due_at'))
        batch_op.drop_index(batch_op.f('ix_assistants_workspace_id_created_at_id'))

    op.drop_table('assistants')
    with op.batch_alter_table('workspaces', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workspaces_organization_id_store_key'))

    op.drop_table('workspaces')
    with op.batch_alter_table('voice_key_pairs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voice_key_pairs_organization_id'))

    op.drop_table('voice_key_pairs')
