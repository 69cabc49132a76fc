"""Coaching reports: the organization's list, one report in full, a meeting's reports."""

from __future__ import annotations

import functools
import math
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session, selectinload

from mira.coaching.meetings import find_meeting
from mira.errors import NotFound
from mira.pagination import Page, paginate
from mira.tallies import (
    AnySelect,
    ListQueries,
    Window,
    counted_months,
    month_of,
    tallied_page,
    within,
)
from mira.timestamps import to_wire
from models import Report, ReportTally
from models.tallies import ALL_POINTS, ALL_USERS

REPORTS = Report.__table__.c
REPORT_SUMMARY_COLUMNS = (
    REPORTS.id,
    REPORTS.meeting_id,
    REPORTS.user_id,
    REPORTS.template_id,
    REPORTS.template_version,
    REPORTS.overall_score,
    REPORTS.summary,
    REPORTS.produced_by,
    REPORTS.created_at,
)


def report_summary_to_wire(report: Report | Row[*tuple[Any, ...]]) -> dict[str, Any]:
    return {
        "id": str(report.id),
        "meeting_id": str(report.meeting_id) if report.meeting_id else None,
        "user_id": str(report.user_id),
        "template_id": str(report.template_id),
        "template_version": report.template_version,
        "overall_score": report.overall_score,
        "summary": report.summary,
        "produced_by": report.produced_by,
        "created_at": to_wire(report.created_at),
    }


def report_to_wire(report: Report) -> dict[str, Any]:
    return report_summary_to_wire(report) | {
        "criteria_scores": [
            {
                "name": c.name,
                "weight": c.weight,
                "score": c.score,
                "feedback": c.feedback,
                "evidence": c.evidence,
            }
            for c in report.criteria
        ],
        "strengths": report.strengths,
        "improvements": report.improvements,
        "metrics": report.metrics,
    }


def _whole_points(min_score: float, max_score: float) -> tuple[int, int]:
    """The points [low, high) whose every score is in [min_score, max_score]; point 10 holds
    only the score 10."""
    low = math.ceil(min_score)
    high = math.floor(max_score) if max_score < 10 else 11
    return low, max(low, high)


@dataclass(frozen=True)
class Scores:
    """A score filter: its bounds, the whole points inside, and which partial points it has."""

    low_score: float
    high_score: float

    @property
    def points(self) -> tuple[int, int]:
        return _whole_points(self.low_score, self.high_score)

    @property
    def below(self) -> str | None:
        """The scores under the first whole point: up to it, or up to `high_score`."""
        low, _ = self.points
        if self.low_score >= low:
            return None
        return "high_score" if self.high_score < low else "low_point"

    @property
    def above(self) -> bool:
        """Scores from the last whole point up to `high_score` (an integer bound below 10 has
        its own score, exactly)."""
        _, high = self.points
        return high <= self.high_score

    @property
    def params(self) -> dict[str, Any]:
        low, high = self.points
        return {
            "low_score": self.low_score,
            "high_score": self.high_score,
            "low_point": low,
            "high_point": high,
            "last_point": high - 1,
        }


@functools.cache
def _listing(user: bool, scored: bool) -> ListQueries:
    rows = [REPORTS.organization_id == bindparam("organization_id")]
    if user:
        rows.append(REPORTS.user_id == bindparam("user_id"))
    if scored:
        rows += [
            REPORTS.overall_score >= bindparam("low_score"),
            REPORTS.overall_score <= bindparam("high_score"),
        ]
    cells = ReportTally.__table__.c
    point = (
        cells.point.between(bindparam("low_point"), bindparam("last_point"))
        if scored
        else cells.point == ALL_POINTS
    )
    return ListQueries(
        REPORT_SUMMARY_COLUMNS,
        REPORTS.created_at,
        REPORTS.id,
        rows,
        cells.month,
        cells.reports,
        [
            cells.organization_id == bindparam("organization_id"),
            cells.user_id == bindparam("cell_user"),
            point,
        ],
    )


@functools.cache
def _partial_points(
    user: bool, below: str | None, above: bool, start: bool, end: bool
) -> AnySelect:
    """The reports of partial points, counted per month: what the cells cannot hold."""
    score = REPORTS.overall_score
    ranges = []
    if below == "high_score":
        ranges.append(and_(score >= bindparam("low_score"), score <= bindparam("high_score")))
    elif below == "low_point":
        ranges.append(and_(score >= bindparam("low_score"), score < bindparam("low_point")))
    if above:
        ranges.append(and_(score >= bindparam("high_point"), score <= bindparam("high_score")))
    conditions = [REPORTS.organization_id == bindparam("organization_id"), or_(*ranges)]
    if user:
        conditions.append(REPORTS.user_id == bindparam("user_id"))
    conditions += within(REPORTS.created_at, "month_", start, end)
    month = month_of(REPORTS.created_at)
    return select(month, func.count()).where(*conditions).group_by(month)


def list_reports(
    session: Session,
    organization_id: uuid.UUID,
    *,
    page: int,
    limit: int,
    user_id: uuid.UUID | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    min_score: float | None = None,
    max_score: float | None = None,
) -> Page:
    """Newest first; counted and paged by month from the tallies (mira.tallies). Under a score
    filter, whole points are read from the tallies and the scores of a partial point (7.5 of
    `min_score=7.5`) counted one by one."""
    params: dict[str, Any] = {
        "organization_id": organization_id,
        "user_id": user_id,
        "cell_user": user_id or ALL_USERS,
    }
    scores = None
    if min_score is not None or max_score is not None:
        scores = Scores(min_score or 0.0, 10.0 if max_score is None else max_score)
        params |= scores.params

    def partial_points(months: Window) -> dict[datetime, int]:
        if scores is None or (scores.below is None and not scores.above):
            return {}
        statement = _partial_points(
            user_id is not None,
            scores.below,
            scores.above,
            months.start is not None,
            months.end is not None,
        )
        return counted_months(session, statement, params | months.params("month_"))

    return tallied_page(
        session,
        _listing(user_id is not None, scores is not None),
        params,
        Window.inclusive(created_from, created_to),
        page,
        limit,
        report_summary_to_wire,
        partial_points,
    )


def get_report(
    session: Session, organization_id: uuid.UUID, report_id: uuid.UUID
) -> dict[str, Any]:
    report = session.scalar(
        select(Report)
        .where(Report.id == report_id, Report.organization_id == organization_id)
        .options(selectinload(Report.criteria))
    )
    if report is None:
        raise NotFound("Report not found")
    return report_to_wire(report)


def list_meeting_reports(
    session: Session, organization_id: uuid.UUID, meeting_id: uuid.UUID, *, page: int, limit: int
) -> Page:
    find_meeting(session, organization_id, meeting_id)
    query = (
        select(Report)
        .where(Report.meeting_id == meeting_id, Report.organization_id == organization_id)
        .options(selectinload(Report.criteria))
        .order_by(Report.created_at, Report.id)
    )
    return paginate(session, query, page, limit, report_to_wire)
