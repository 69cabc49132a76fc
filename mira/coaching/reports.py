"""Coaching reports: the organization's list, one report in full, a meeting's reports."""

from __future__ import annotations

import math
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from mira.coaching.meetings import find_meeting
from mira.errors import NotFound
from mira.pagination import Page, paginate
from mira.tallies import Window, month_of, row_count, summed_cells, tallied_page
from mira.timestamps import to_wire
from models import Report, ReportTally
from models.tallies import ALL_POINTS, ALL_USERS

REPORT_SUMMARY_COLUMNS = (
    Report.id,
    Report.meeting_id,
    Report.user_id,
    Report.template_id,
    Report.template_version,
    Report.overall_score,
    Report.summary,
    Report.produced_by,
    Report.created_at,
)


def report_summary_to_wire(report: Report | Row[Any]) -> dict[str, Any]:
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
    owned = [Report.organization_id == organization_id]
    if user_id is not None:
        owned.append(Report.user_id == user_id)
    conditions = list(owned)
    cells = [
        ReportTally.organization_id == organization_id,
        ReportTally.user_id == (user_id or ALL_USERS),
    ]
    partial: ColumnElement[bool] | None = None
    if min_score is None and max_score is None:
        cells.append(ReportTally.point == ALL_POINTS)
    else:
        low_score = 0.0 if min_score is None else min_score
        high_score = 10.0 if max_score is None else max_score
        score = Report.overall_score
        conditions += [score >= low_score, score <= high_score]
        low, high = _whole_points(low_score, high_score)
        cells.append(ReportTally.point.between(low, high - 1))
        # The scores of the partial points: below the first whole one, from the last one on.
        ranges = []
        if low_score < low:
            below = score <= high_score if high_score < low else score < low
            ranges.append(and_(score >= low_score, below))
        if high <= high_score:
            ranges.append(and_(score >= high, score <= high_score))
        if ranges:
            partial = or_(*ranges)

    def month_counts(months: Window) -> dict[datetime, int]:
        counts = summed_cells(session, ReportTally.month, ReportTally.reports, cells, months)
        if partial is not None:
            month = month_of(session, Report.created_at)
            in_points = select(month, func.count()).where(
                *owned, partial, *months.conditions(Report.created_at)
            )
            for found, count in session.execute(in_points.group_by(month)):
                counts[found] = counts.get(found, 0) + count
        return counts

    return tallied_page(
        session,
        select(*REPORT_SUMMARY_COLUMNS)
        .where(*conditions)
        .order_by(Report.created_at.desc(), Report.id.desc()),
        Report.created_at,
        Window.inclusive(created_from, created_to),
        month_counts,
        row_count(session, conditions, Report.created_at),
        page,
        limit,
        report_summary_to_wire,
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
