"""roleplay status index: backs `GET /roleplay/sessions?status=…` in its order

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 11:28:19.898878
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

INDEX = "ix_roleplay_sessions_organization_id_status_created_at_id"


def upgrade() -> None:
    with op.batch_alter_table("roleplay_sessions", schema=None) as batch_op:
        batch_op.create_index(INDEX, ["organization_id", "status", "created_at", "id"])


def downgrade() -> None:
    with op.batch_alter_table("roleplay_sessions", schema=None) as batch_op:
        batch_op.drop_index(INDEX)
