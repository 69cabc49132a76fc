"""report pages by score: the overall score in the indexes that order reports

A deep page of `GET /reports?min_score=…` finds its rows' keys from an index alone
(mira.tallies.ListQueries.page); with the score in the index, the reports it skips are not read.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 15:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

ORDERS = (('organization_id', 'created_at', 'id'), ('organization_id', 'user_id', 'created_at', 'id'))


def _name(columns: tuple[str, ...]) -> str:
    return 'ix_reports_' + '_'.join(columns)


def upgrade() -> None:
    for columns in ORDERS:
        op.drop_index(_name(columns), table_name='reports')
        op.create_index(_name((*columns, 'overall_score')), 'reports', [*columns, 'overall_score'])


def downgrade() -> None:
    for columns in ORDERS:
        op.drop_index(_name((*columns, 'overall_score')), table_name='reports')
        op.create_index(_name(columns), 'reports', list(columns))
