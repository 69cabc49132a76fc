"""Team statistics over a time range, summed from the tallies (models/tallies.py).

The range runs from a moment (a week, a month … ago) to now. Its whole months are read from the
monthly cells, the whole days before them from the daily cells, and only the rows of the day the
range starts in one by one: four statements, whose cost does not grow with the rows.
"""

from __future__ import annotations

import functools
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, bindparam, func, literal, select, union_all
from sqlalchemy.orm import Session

from mira.tallies import AnySelect, Window, day_start
from models import (
    CriterionDayTally,
    CriterionScore,
    CriterionTally,
    Meeting,
    MeetingDayTally,
    MeetingTally,
    Report,
    ReportDayTally,
    ReportTally,
    User,
)
from models.base import utcnow
from models.tallies import ALL, ALL_POINTS, ALL_USERS

RANGE_DAYS = {"week": 7, "month": 30, "quarter": 90, "year": 365}
TOP_PERFORMERS = 5

ORG: BindParameter[Any] = bindparam("organization_id")
MEETINGS, MONTHLY_MEETINGS, DAILY_MEETINGS = (
    Meeting.__table__.c,
    MeetingTally.__table__.c,
    MeetingDayTally.__table__.c,
)
REPORTS, MONTHLY_REPORTS, DAILY_REPORTS = (
    Report.__table__.c,
    ReportTally.__table__.c,
    ReportDayTally.__table__.c,
)
SCORES, MONTHLY_SCORES, DAILY_SCORES = (
    CriterionScore.__table__.c,
    CriterionTally.__table__.c,
    CriterionDayTally.__table__.c,
)
TEAM = select(User.__table__.c.id, User.__table__.c.name).where(
    User.__table__.c.organization_id == ORG
)


def range_start(time_range: str, now: datetime) -> datetime | None:
    days = RANGE_DAYS.get(time_range)
    return None if days is None else now - timedelta(days=days)


def _parts(parts: list[AnySelect], month: Any, day: Any, time: Any) -> list[AnySelect]:
    """A range's parts: whole months from `month_start`, days from `day_start` to it, rows
    from `since` to that day."""
    months, days, rows = parts
    return [
        months.where(month >= bindparam("month_start")),
        days.where(day >= bindparam("day_start"), day < bindparam("month_start")),
        rows.where(time >= bindparam("since"), time < bindparam("day_start")),
    ]


def _summed(parts: list[AnySelect], *keys: str) -> AnySelect:
    both = union_all(*parts).subquery()
    grouping = [both.c[key] for key in keys]
    return select(*grouping, func.sum(both.c.n), func.sum(both.c.total)).group_by(*grouping)


@functools.cache
def _statements(bounded: bool) -> tuple[AnySelect, AnySelect, AnySelect]:
    """Meetings in the range; each rep's call reports (count, sum of scores); each criterion's
    scores of call reports. `bounded`: the range has a start."""
    calls = [REPORTS.organization_id == ORG, REPORTS.meeting_id.is_not(None)]
    meetings = [
        select(MONTHLY_MEETINGS.meetings.label("n"), literal(0.0).label("total")).where(
            MONTHLY_MEETINGS.organization_id == ORG,
            MONTHLY_MEETINGS.user_id == ALL_USERS,
            MONTHLY_MEETINGS.status == ALL,
        ),
        select(DAILY_MEETINGS.meetings.label("n"), literal(0.0).label("total")).where(
            DAILY_MEETINGS.organization_id == ORG
        ),
        select(func.count().label("n"), literal(0.0).label("total")).where(
            MEETINGS.organization_id == ORG
        ),
    ]
    reports = [
        select(
            MONTHLY_REPORTS.user_id,
            MONTHLY_REPORTS.reports.label("n"),
            MONTHLY_REPORTS.score_sum.label("total"),
        ).where(
            MONTHLY_REPORTS.organization_id == ORG,
            MONTHLY_REPORTS.point == ALL_POINTS,
            MONTHLY_REPORTS.is_call.is_(True),
            MONTHLY_REPORTS.user_id != ALL_USERS,
        ),
        select(
            DAILY_REPORTS.user_id,
            DAILY_REPORTS.reports.label("n"),
            DAILY_REPORTS.score_sum.label("total"),
        ).where(DAILY_REPORTS.organization_id == ORG, DAILY_REPORTS.user_id != ALL_USERS),
        select(
            REPORTS.user_id,
            func.count().label("n"),
            func.sum(REPORTS.overall_score).label("total"),
        )
        .where(*calls)
        .group_by(REPORTS.user_id),
    ]
    scores = [
        select(
            MONTHLY_SCORES.name,
            MONTHLY_SCORES.scores.label("n"),
            MONTHLY_SCORES.score_sum.label("total"),
        ).where(MONTHLY_SCORES.organization_id == ORG),
        select(
            DAILY_SCORES.name, DAILY_SCORES.scores.label("n"), DAILY_SCORES.score_sum.label("total")
        ).where(DAILY_SCORES.organization_id == ORG),
        select(SCORES.name, func.count().label("n"), func.sum(SCORES.score).label("total"))
        .join(Report.__table__, REPORTS.id == SCORES.report_id)
        .where(*calls)
        .group_by(SCORES.name),
    ]
    if bounded:
        meetings = _parts(
            meetings,
            MONTHLY_MEETINGS.month,
            DAILY_MEETINGS.day,
            MEETINGS.started_at,
        )
        reports = _parts(reports, MONTHLY_REPORTS.month, DAILY_REPORTS.day, REPORTS.created_at)
        scores = _parts(scores, MONTHLY_SCORES.month, DAILY_SCORES.day, REPORTS.created_at)
    else:
        meetings, reports, scores = meetings[:1], reports[:1], scores[:1]
    return _summed(meetings), _summed(reports, "user_id"), _summed(scores, "name")


def _ranked(sums: dict[Any, tuple[int, float]], tie: Any) -> list[Any]:
    """Best average first (compared to 1e-9, so that float noise breaks no tie), then `tie`."""
    counted = [key for key, (count, _) in sums.items() if count]
    return sorted(counted, key=lambda key: (-round(sums[key][1] / sums[key][0], 9), *tie(key)))


def _average(count: int, total: float) -> float:
    return round(total / count, 2)


def get_team_stats(
    session: Session, organization_id: uuid.UUID, time_range: str, now: datetime | None = None
) -> dict[str, Any]:
    since = range_start(time_range, now or utcnow())
    params: dict[str, Any] = {"organization_id": organization_id}
    if since is not None:
        day = day_start(since)
        day = day if day == since else day + timedelta(days=1)
        # Rows from `since` to the next midnight, days to the next month, months from there.
        month = Window(since, None).whole_months().start
        params |= {"since": since, "day_start": day, "month_start": month}
    meetings, reports, scores = _statements(since is not None)
    connection = session.connection()
    team = {uid: name for uid, name in connection.execute(TEAM, params)}
    total_meetings = connection.execute(meetings, params).one()[0] or 0
    by_rep = {uid: (int(n), float(total)) for uid, n, total in connection.execute(reports, params)}
    by_criterion = {
        name: (int(n), float(total)) for name, n, total in connection.execute(scores, params)
    }
    reports_count = sum(n for n, _ in by_rep.values())
    reports_total = sum(total for _, total in by_rep.values())
    top = _ranked(by_rep, lambda uid: (-by_rep[uid][0], team.get(uid, ""), str(uid)))
    return {
        "time_range": time_range,
        "team_size": len(team),
        "total_meetings": int(total_meetings),
        "total_reports": reports_count,
        "average_score": _average(reports_count, reports_total) if reports_count else None,
        "top_performers": [
            {
                "user_id": str(uid),
                "name": team.get(uid, ""),
                "avg_score": _average(*by_rep[uid]),
                "report_count": by_rep[uid][0],
            }
            for uid in top[:TOP_PERFORMERS]
        ],
        "criteria_averages": [
            {
                "name": name,
                "avg_score": _average(*by_criterion[name]),
                "report_count": by_criterion[name][0],
            }
            for name in _ranked(by_criterion, lambda name: (name,))
        ],
    }
