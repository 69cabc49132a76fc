"""Team statistics over a time range, summed from the tallies (models/tallies.py).

The range runs from a moment (a week, a month … ago) to now. Its whole months are read from the
monthly cells; the month it starts in from the side of that moment with fewer days: the days
after it added to the months after, or the days before it taken away from its month's cell. Only
the rows of the day the range starts in are read one by one: four statements, whose cost does
not grow with the rows, and at most half a month of daily cells.
"""

from __future__ import annotations

import functools
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, Integer, bindparam, func, literal, select, union_all
from sqlalchemy.orm import Session

from mira.tallies import AnySelect, day_start, month_start, next_month
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
# 1 where the cut month's days and rows are added to the months after it, -1 where they are
# taken away from its own month (`range_cut`).
SIGN: BindParameter[int] = bindparam("sign", type_=Integer)
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
    """A range's parts: whole months from `month_start`, then the days and the rows of the cut
    day between it and the range's start, added (`sign` 1) or, when the range starts in the
    month's first half and `month_start` is that month's, taken away (`sign` -1)."""
    months, days, rows = parts
    return [
        months.where(month >= bindparam("month_start")),
        days.where(day >= bindparam("days_from"), day < bindparam("days_to")),
        rows.where(time >= bindparam("rows_from"), time < bindparam("rows_to")),
    ]


def range_cut(since: datetime) -> dict[str, Any]:
    """The parameters of a range starting at `since`. The month it starts in is read from the
    side with fewer days, so that at most half a month of daily cells is read."""
    floor = day_start(since)
    ceiling = floor if floor == since else floor + timedelta(days=1)
    month = month_start(since)
    after = next_month(month) if month < since else month
    if since - month < after - since:
        return {
            "month_start": month,
            "sign": -1,
            "days_from": month,
            "days_to": floor,
            "rows_from": floor,
            "rows_to": since,
        }
    return {
        "month_start": after,
        "sign": 1,
        "days_from": ceiling,
        "days_to": after,
        "rows_from": since,
        "rows_to": ceiling,
    }


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
        select((DAILY_MEETINGS.meetings * SIGN).label("n"), literal(0.0).label("total")).where(
            DAILY_MEETINGS.organization_id == ORG
        ),
        select((func.count() * SIGN).label("n"), literal(0.0).label("total")).where(
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
            (DAILY_REPORTS.reports * SIGN).label("n"),
            (DAILY_REPORTS.score_sum * SIGN).label("total"),
        ).where(DAILY_REPORTS.organization_id == ORG, DAILY_REPORTS.user_id != ALL_USERS),
        select(
            REPORTS.user_id,
            (func.count() * SIGN).label("n"),
            (func.sum(REPORTS.overall_score) * SIGN).label("total"),
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
            DAILY_SCORES.name,
            (DAILY_SCORES.scores * SIGN).label("n"),
            (DAILY_SCORES.score_sum * SIGN).label("total"),
        ).where(DAILY_SCORES.organization_id == ORG),
        select(
            SCORES.name,
            (func.count() * SIGN).label("n"),
            (func.sum(SCORES.score) * SIGN).label("total"),
        )
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
        params |= range_cut(since)
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
