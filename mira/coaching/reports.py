"""Coaching reports: the organization's list, one report in full, a meeting's reports."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mira.coaching.meetings import find_meeting
from mira.errors import NotFound
from mira.pagination import Page, paginate
from mira.timestamps import to_wire
from models import Report


def report_summary_to_wire(report: Report) -> dict[str, Any]:
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
    query = select(Report).where(Report.organization_id == organization_id)
    if user_id is not None:
        query = query.where(Report.user_id == user_id)
    if created_from is not None:
        query = query.where(Report.created_at >= created_from)
    if created_to is not None:
        query = query.where(Report.created_at <= created_to)
    if min_score is not None:
        query = query.where(Report.overall_score >= min_score)
    if max_score is not None:
        query = query.where(Report.overall_score <= max_score)
    query = query.order_by(Report.created_at.desc(), Report.id.desc())
    return paginate(session, query, page, limit, report_summary_to_wire)


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
