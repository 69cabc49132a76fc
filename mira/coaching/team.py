"""Team statistics over a time range, summed from the tallies (models/tallies.py).

The range runs from a moment (a week, a month … ago) to now. Its whole months are read from the
tallies' cells; only the rows of the month its start cuts are read one by one.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mira.tallies import Window, row_count, spans, summed_cells
from models import CriterionScore, CriterionTally, Meeting, MeetingTally, Report, ReportTally, User
from models.base import utcnow
from models.tallies import ALL, ALL_POINTS, ALL_USERS

RANGE_DAYS = {"week": 7, "month": 30, "quarter": 90, "year": 365}
TOP_PERFORMERS = 5


def range_start(time_range: str, now: datetime) -> datetime | None:
    days = RANGE_DAYS.get(time_range)
    return None if days is None else now - timedelta(days=days)


class Sums:
    """Counts and sums of scores by a key, from cells and from rows alike."""

    def __init__(self) -> None:
        self.count: dict[Any, int] = defaultdict(int)
        self.total: dict[Any, float] = defaultdict(float)

    def add(self, key: Any, count: int, total: float) -> None:
        self.count[key] += count
        self.total[key] += total

    def average(self, key: Any) -> float:
        return self.total[key] / self.count[key]


def _call_reports(
    session: Session, organization_id: uuid.UUID, window: Window
) -> tuple[Sums, Sums]:
    """All call reports (key None) and each rep's, and each criterion's scores, in `window`."""
    by_user, by_criterion = Sums(), Sums()
    months = window.whole_months()
    cells = select(
        ReportTally.user_id, func.sum(ReportTally.reports), func.sum(ReportTally.score_sum)
    )
    cells = cells.where(
        ReportTally.organization_id == organization_id,
        ReportTally.is_call.is_(True),
        ReportTally.point == ALL_POINTS,
        *months.conditions(ReportTally.month),
    ).group_by(ReportTally.user_id)
    for user_id, count, total in session.execute(cells):
        by_user.add(None if user_id == ALL_USERS else user_id, int(count), float(total))
    criteria = select(
        CriterionTally.name, func.sum(CriterionTally.scores), func.sum(CriterionTally.score_sum)
    ).where(
        CriterionTally.organization_id == organization_id,
        *months.conditions(CriterionTally.month),
    )
    for name, count, total in session.execute(criteria.group_by(CriterionTally.name)):
        by_criterion.add(name, int(count), float(total))
    if window.start is not None and months.start is not None and window.start < months.start:
        cut = Window(window.start, months.start)
        calls = [
            Report.organization_id == organization_id,
            Report.meeting_id.is_not(None),
            *cut.conditions(Report.created_at),
        ]
        rows = select(Report.user_id, func.count(), func.sum(Report.overall_score)).where(*calls)
        for user_id, count, total in session.execute(rows.group_by(Report.user_id)):
            by_user.add(None, int(count), float(total))
            by_user.add(user_id, int(count), float(total))
        scores = (
            select(CriterionScore.name, func.count(), func.sum(CriterionScore.score))
            .join(Report, Report.id == CriterionScore.report_id)
            .where(*calls)
            .group_by(CriterionScore.name)
        )
        for name, count, total in session.execute(scores):
            by_criterion.add(name, int(count), float(total))
    return by_user, by_criterion


def _ranked(sums: Sums, keys: list[Any], tie: Any) -> list[Any]:
    """Best average first (compared to 1e-9, so that float noise breaks no tie), then `tie`."""
    return sorted(keys, key=lambda key: (-round(sums.average(key), 9), *tie(key)))


def get_team_stats(
    session: Session, organization_id: uuid.UUID, time_range: str, now: datetime | None = None
) -> dict[str, Any]:
    window = Window(range_start(time_range, now or utcnow()), None)
    members = select(User.id, User.name).where(User.organization_id == organization_id)
    team = {uid: name for uid, name in session.execute(members)}
    meeting_cells = [
        MeetingTally.organization_id == organization_id,
        MeetingTally.user_id == ALL_USERS,
        MeetingTally.status == ALL,
    ]
    meetings = spans(
        window,
        lambda months: summed_cells(
            session, MeetingTally.month, MeetingTally.meetings, meeting_cells, months
        ),
        row_count(session, [Meeting.organization_id == organization_id], Meeting.started_at),
    )
    by_user, by_criterion = _call_reports(session, organization_id, window)
    reps = [key for key in by_user.count if key is not None and by_user.count[key]]
    top = _ranked(by_user, reps, lambda uid: (-by_user.count[uid], team.get(uid, ""), str(uid)))
    names = [name for name in by_criterion.count if by_criterion.count[name]]
    return {
        "time_range": time_range,
        "team_size": len(team),
        "total_meetings": sum(span.count for span in meetings),
        "total_reports": by_user.count[None],
        "average_score": round(by_user.average(None), 2) if by_user.count[None] else None,
        "top_performers": [
            {
                "user_id": str(uid),
                "name": team.get(uid, ""),
                "avg_score": round(by_user.average(uid), 2),
                "report_count": by_user.count[uid],
            }
            for uid in top[:TOP_PERFORMERS]
        ],
        "criteria_averages": [
            {
                "name": name,
                "avg_score": round(by_criterion.average(name), 2),
                "report_count": by_criterion.count[name],
            }
            for name in _ranked(by_criterion, names, lambda name: (name,))
        ],
    }
