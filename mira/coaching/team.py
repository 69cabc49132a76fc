"""Team statistics, aggregated in SQL over a time range."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import CriterionScore, Meeting, Report, User
from models.base import utcnow

RANGE_DAYS = {"week": 7, "month": 30, "quarter": 90, "year": 365}
TOP_PERFORMERS = 5


def range_start(time_range: str, now: datetime) -> datetime | None:
    days = RANGE_DAYS.get(time_range)
    return None if days is None else now - timedelta(days=days)


def get_team_stats(
    session: Session, organization_id: uuid.UUID, time_range: str, now: datetime | None = None
) -> dict[str, Any]:
    since = range_start(time_range, now or utcnow())
    team_size = session.scalar(
        select(func.count()).select_from(User).where(User.organization_id == organization_id)
    )
    meetings = (
        select(func.count()).select_from(Meeting).where(Meeting.organization_id == organization_id)
    )
    # Roleplay reports have no meeting: team stats are about real calls.
    reports = select(Report).where(
        Report.organization_id == organization_id, Report.meeting_id.is_not(None)
    )
    if since is not None:
        meetings = meetings.where(Meeting.started_at >= since)
        reports = reports.where(Report.created_at >= since)
    scored = reports.subquery()
    total_reports, average = session.execute(
        select(func.count(), func.avg(scored.c.overall_score))
    ).one()
    avg_score = func.avg(scored.c.overall_score)
    report_count = func.count()
    top = session.execute(
        select(User.id, User.name, avg_score, report_count)
        .join(scored, scored.c.user_id == User.id)
        .group_by(User.id, User.name)
        .order_by(avg_score.desc(), report_count.desc(), User.name, User.id)
        .limit(TOP_PERFORMERS)
    ).all()
    criterion_avg = func.avg(CriterionScore.score)
    criteria = session.execute(
        select(CriterionScore.name, criterion_avg, func.count())
        .join(scored, scored.c.id == CriterionScore.report_id)
        .group_by(CriterionScore.name)
        .order_by(criterion_avg.desc(), CriterionScore.name)
    ).all()
    return {
        "time_range": time_range,
        "team_size": team_size or 0,
        "total_meetings": session.scalar(meetings) or 0,
        "total_reports": total_reports,
        "average_score": None if average is None else round(float(average), 2),
        "top_performers": [
            {
                "user_id": str(uid),
                "name": name,
                "avg_score": round(float(avg), 2),
                "report_count": n,
            }
            for uid, name, avg, n in top
        ],
        "criteria_averages": [
            {"name": name, "avg_score": round(float(avg), 2), "report_count": n}
            for name, avg, n in criteria
        ],
    }
