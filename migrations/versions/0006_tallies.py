"""tallies: monthly counts of meetings, reports, criterion scores and insights, kept by triggers

Each tally is a cube of cells (models/tallies.py): a source row counts once in every cell whose
dimensions are either its own values or "all". The triggers add a changed row's cells and take
away its old ones, in the transaction of the change. On PostgreSQL they run once per statement
over its transition tables and upsert the cells in key order, so that concurrent transactions
lock the cells they share in one order; on SQLite, which has one writer, once per row.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import product
from typing import NamedTuple

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# The "all reps" value: a UUID as each dialect stores it (SQLite: 32 hex digits).
ALL_USERS = {
    "postgresql": "'00000000-0000-0000-0000-000000000000'::uuid",
    "sqlite": "'00000000000000000000000000000000'",
}


def _month(column: str, dialect: str) -> str:
    if dialect == "postgresql":
        return f"date_trunc('month', {column}, 'UTC')"
    # SQLite holds UTC timestamps as 'YYYY-MM-DD HH:MM:SS.ffffff' text.
    return f"strftime('%Y-%m-01 00:00:00.000000', {column})"


def _day(column: str, dialect: str) -> str:
    if dialect == "postgresql":
        return f"date_trunc('day', {column}, 'UTC')"
    return f"strftime('%Y-%m-%d 00:00:00.000000', {column})"


def _point(column: str, dialect: str) -> str:
    if dialect == "postgresql":
        return f"least(10, greatest(0, floor({column})))::int"
    return f"min(10, max(0, CAST({column} AS INTEGER)))"


class Tally(NamedTuple):
    table: str
    keys: tuple[str, ...]
    # Per key, the values a source row `r` counts under; a NULL value makes no cell.
    cells: tuple[tuple[str, ...], ...]
    # Per counted column, a row's contribution; `r.n` is +1 for a new row and -1 for an old one.
    values: tuple[tuple[str, str], ...]

    def upsert(self, source: str, ordered: bool) -> str:
        """Add the cells of every row of `source`, a relation with the sign column `n`."""
        selects = []
        for combination in product(*self.cells):
            keys = ", ".join(f"({value}) AS {key}" for value, key in zip(combination, self.keys))
            values = ", ".join(f"{expression} AS {column}" for column, expression in self.values)
            # Only a nullif() can make a value NULL: a row without it is in no such cell.
            present = " AND ".join(f"{v} IS NOT NULL" for v in combination if "nullif" in v)
            selects.append(f"SELECT {keys}, {values} FROM ({source}) r WHERE {present or 'true'}")
        keys = ", ".join(self.keys)
        columns = ", ".join(column for column, _ in self.values)
        sums = ", ".join(f"sum({column})" for column, _ in self.values)
        changed = " OR ".join(f"sum({column}) <> 0" for column, _ in self.values)
        updates = ", ".join(
            f"{column} = {self.table}.{column} + excluded.{column}" for column, _ in self.values
        )
        return (
            f"INSERT INTO {self.table} ({keys}, {columns})"
            f" SELECT {keys}, {sums} FROM ({' UNION ALL '.join(selects)}) cells"
            f" WHERE true GROUP BY {keys} HAVING {changed}"
            + (f" ORDER BY {keys}" if ordered else "")
            + f" ON CONFLICT ({keys}) DO UPDATE SET {updates}"
        )


class Feed(NamedTuple):
    """Changes of `table` that move cells of `tally`: `rows(changed)` turns a relation of
    changed rows of `table` (with their sign `n`) into source rows of the tally."""

    tally: Tally
    table: str
    # The columns of `table` the tally reads (SQLite names them one by one).
    columns: tuple[str, ...]
    rows: Callable[[str], str]
    events: tuple[str, ...] = ("INSERT", "UPDATE", "DELETE")


def _feeds(dialect: str) -> list[Feed]:
    everyone = ALL_USERS[dialect]
    meetings = Tally(
        "meeting_tallies",
        ("organization_id", "user_id", "status", "month"),
        (
            ("r.organization_id",),
            ("r.user_id", everyone),
            ("r.status", "''"),
            (_month("r.started_at", dialect),),
        ),
        (("meetings", "r.n"),),
    )
    reports = Tally(
        "report_tallies",
        ("organization_id", "user_id", "point", "month", "is_call"),
        (
            ("r.organization_id",),
            ("r.user_id", everyone),
            (_point("r.overall_score", dialect), "-1"),
            (_month("r.created_at", dialect),),
            ("r.meeting_id IS NOT NULL",),
        ),
        (("reports", "r.n"), ("score_sum", "r.n * r.overall_score")),
    )
    criteria = Tally(
        "criterion_tallies",
        ("organization_id", "month", "name"),
        (("r.organization_id",), (_month("r.created_at", dialect),), ("r.name",)),
        (("scores", "r.n"), ("score_sum", "r.n * r.score")),
    )
    insights = Tally(
        "insight_tallies",
        ("organization_id", "industry", "prospect_title", "month"),
        (
            ("r.organization_id",),
            ("nullif(r.industry, '')", "''"),
            ("nullif(r.prospect_title, '')", "''"),
            (_month("r.occurred_at", dialect),),
        ),
        (("insights", "r.n"),),
    )
    # By day, what team statistics read of the month their range starts in: meetings, and the
    # reports and criterion scores of meetings (not roleplay sessions).
    meeting_days = Tally(
        "meeting_day_tallies",
        ("organization_id", "day"),
        (("r.organization_id",), (_day("r.started_at", dialect),)),
        (("meetings", "r.n"),),
    )
    report_days = Tally(
        "report_day_tallies",
        ("organization_id", "day", "user_id"),
        (("r.organization_id",), (_day("r.created_at", dialect),), ("r.user_id",)),
        (("reports", "r.n"), ("score_sum", "r.n * r.overall_score")),
    )
    criterion_days = Tally(
        "criterion_day_tallies",
        ("organization_id", "day", "name"),
        (("r.organization_id",), (_day("r.created_at", dialect),), ("r.name",)),
        (("scores", "r.n"), ("score_sum", "r.n * r.score")),
    )

    def calls(changed: str) -> str:
        return f"SELECT * FROM ({changed}) c WHERE c.meeting_id IS NOT NULL"

    def scores_of(changed: str) -> str:
        return (
            "SELECT rep.organization_id, rep.created_at, c.name, c.score, c.n"
            f" FROM ({changed}) c JOIN reports rep ON rep.id = c.report_id"
            " WHERE rep.meeting_id IS NOT NULL"
        )

    def scores_with(changed: str) -> str:
        return (
            "SELECT rep.organization_id, rep.created_at, c.name, c.score, rep.n"
            f" FROM ({changed}) rep JOIN criterion_scores c ON c.report_id = rep.id"
            " WHERE rep.meeting_id IS NOT NULL"
        )

    report_columns = ("organization_id", "meeting_id", "user_id", "overall_score", "created_at")
    return [
        Feed(meetings, "meetings", ("organization_id", "user_id", "status", "started_at"), str),
        Feed(meeting_days, "meetings", ("organization_id", "started_at"), str),
        Feed(report_days, "reports", report_columns, calls),
        Feed(reports, "reports", report_columns, str),
        # A criterion score counts under its report's organization and month, and only for the
        # report of a meeting. A report that moves takes its scores along; new reports have none
        # yet, and a report's scores are deleted before it.
        Feed(criteria, "criterion_scores", ("report_id", "name", "score"), scores_of),
        Feed(criterion_days, "criterion_scores", ("report_id", "name", "score"), scores_of),
        Feed(
            criteria,
            "reports",
            ("id", "organization_id", "meeting_id", "created_at"),
            scores_with,
            events=("UPDATE",),
        ),
        Feed(
            criterion_days,
            "reports",
            ("id", "organization_id", "meeting_id", "created_at"),
            scores_with,
            events=("UPDATE",),
        ),
        Feed(
            insights,
            "insights",
            ("organization_id", "industry", "prospect_title", "occurred_at"),
            str,
        ),
    ]


def _postgresql_triggers() -> list[str]:
    statements = []
    for number, feed in enumerate(_feeds("postgresql")):
        function = f"mira_tally_{number}_{feed.table}_{feed.tally.table}"
        added, taken = "SELECT *, 1 AS n FROM new_rows", "SELECT *, -1 AS n FROM old_rows"
        changed = {"INSERT": added, "DELETE": taken, "UPDATE": f"{added} UNION ALL {taken}"}
        branches = " ".join(
            f"{'IF' if i == 0 else 'ELSIF'} TG_OP = '{event}' THEN"
            f" {feed.tally.upsert(feed.rows(changed[event]), ordered=True)};"
            for i, event in enumerate(feed.events)
        )
        statements.append(
            f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN {branches} END IF; RETURN NULL; END $$"
        )
        transition = {
            "INSERT": "NEW TABLE AS new_rows",
            "DELETE": "OLD TABLE AS old_rows",
            "UPDATE": "NEW TABLE AS new_rows OLD TABLE AS old_rows",
        }
        for event in feed.events:
            statements.append(
                f"CREATE TRIGGER {function}_{event.lower()} AFTER {event} ON {feed.table}"
                f" REFERENCING {transition[event]} FOR EACH STATEMENT"
                f" EXECUTE FUNCTION {function}()"
            )
    return statements


def _sqlite_triggers() -> list[str]:
    statements = []
    for number, feed in enumerate(_feeds("sqlite")):

        def row(record: str, sign: int, feed: Feed = feed) -> str:
            columns = ", ".join(f"{record}.{column} AS {column}" for column in feed.columns)
            return feed.tally.upsert(feed.rows(f"SELECT {columns}, {sign} AS n"), ordered=False)

        for event in feed.events:
            name = f"mira_tally_{number}_{feed.table}_{feed.tally.table}_{event.lower()}"
            if event == "INSERT":
                body = [row("NEW", 1)]
            elif event == "DELETE":
                body = [row("OLD", -1)]
            else:
                event = f"UPDATE OF {', '.join(feed.columns)}"
                body = [row("OLD", -1), row("NEW", 1)]
            statements.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {feed.table} FOR EACH ROW"
                f" BEGIN {'; '.join(body)}; END"
            )
    return statements


def _backfill(dialect: str) -> list[str]:
    """The cells of the rows already there (the report feed of criteria would count twice)."""
    return [
        feed.tally.upsert(feed.rows(f"SELECT *, 1 AS n FROM {feed.table}"), ordered=False)
        for feed in _feeds(dialect)
        if "INSERT" in feed.events
    ]


def upgrade() -> None:
    uuid, month = sa.Uuid(), models.base.UTCDateTime(timezone=True)
    op.create_table(
        "meeting_tallies",
        sa.Column("organization_id", uuid, nullable=False),
        sa.Column("user_id", uuid, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("month", month, nullable=False),
        sa.Column("meetings", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "organization_id", "user_id", "status", "month", name=op.f("pk_meeting_tallies")
        ),
    )
    op.create_table(
        "report_tallies",
        sa.Column("organization_id", uuid, nullable=False),
        sa.Column("user_id", uuid, nullable=False),
        sa.Column("point", sa.Integer(), nullable=False),
        sa.Column("month", month, nullable=False),
        sa.Column("is_call", sa.Boolean(), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("score_sum", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(
            "organization_id",
            "user_id",
            "point",
            "month",
            "is_call",
            name=op.f("pk_report_tallies"),
        ),
    )
    op.create_index(
        op.f("ix_report_tallies_organization_id_point_month"),
        "report_tallies",
        ["organization_id", "point", "month"],
    )
    op.create_table(
        "criterion_tallies",
        sa.Column("organization_id", uuid, nullable=False),
        sa.Column("month", month, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("scores", sa.Integer(), nullable=False),
        sa.Column("score_sum", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("organization_id", "month", "name", name=op.f("pk_criterion_tallies")),
    )
    op.create_table(
        "insight_tallies",
        sa.Column("organization_id", uuid, nullable=False),
        sa.Column("industry", sa.String(length=120), nullable=False),
        sa.Column("prospect_title", sa.String(length=200), nullable=False),
        sa.Column("month", month, nullable=False),
        sa.Column("insights", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "organization_id", "industry", "prospect_title", "month", name=op.f("pk_insight_tallies")
        ),
    )
    op.create_table(
        "meeting_day_tallies",
        sa.Column("organization_id", uuid, nullable=False),
        sa.Column("day", month, nullable=False),
        sa.Column("meetings", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("organization_id", "day", name=op.f("pk_meeting_day_tallies")),
    )
    op.create_table(
        "report_day_tallies",
        sa.Column("organization_id", uuid, nullable=False),
        sa.Column("day", month, nullable=False),
        sa.Column("user_id", uuid, nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("score_sum", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(
            "organization_id", "day", "user_id", name=op.f("pk_report_day_tallies")
        ),
    )
    op.create_table(
        "criterion_day_tallies",
        sa.Column("organization_id", uuid, nullable=False),
        sa.Column("day", month, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("scores", sa.Integer(), nullable=False),
        sa.Column("score_sum", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(
            "organization_id", "day", "name", name=op.f("pk_criterion_day_tallies")
        ),
    )
    # Insights searched by industry or title are read through the values the tallies name.
    for column in ("industry", "prospect_title"):
        op.create_index(
            op.f(f"ix_insights_organization_id_{column}_occurred_at_id"),
            "insights",
            ["organization_id", column, "occurred_at", "id"],
        )
    dialect = op.get_bind().dialect.name
    for statement in _backfill(dialect):
        op.execute(statement)
    for statement in _postgresql_triggers() if dialect == "postgresql" else _sqlite_triggers():
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for number, feed in enumerate(_feeds(dialect)):
        function = f"mira_tally_{number}_{feed.table}_{feed.tally.table}"
        for event in feed.events:
            op.execute(f"DROP TRIGGER IF EXISTS {function}_{event.lower()}" + (f" ON {feed.table}" if dialect == "postgresql" else ""))
        if dialect == "postgresql":
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    for column in ("industry", "prospect_title"):
        op.drop_index(op.f(f"ix_insights_organization_id_{column}_occurred_at_id"), "insights")
    for table in (
        "criterion_day_tallies",
        "report_day_tallies",
        "meeting_day_tallies",
        "insight_tallies",
        "criterion_tallies",
        "report_tallies",
        "meeting_tallies",
    ):
        op.drop_table(table)
