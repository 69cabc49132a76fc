"""Lists and team statistics read from the tallies answer exactly what the rows say.

Rows are spread over fourteen months with moments on month boundaries; every filter, window and
page is checked against the same question asked of the rows in Python, before and after the
rows change (analysis, re-analysis, a score corrected by hand).
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from mira.coach.analyser import Analyser
from mira.coach.pipeline import analyse_meeting
from mira.coaching.team import get_team_stats, range_start
from mira.db import session_scope
from mira.runtime import Runtime
from models import (
    CriterionDayTally,
    CriterionScore,
    CriterionTally,
    Insight,
    InsightTally,
    Meeting,
    MeetingDayTally,
    MeetingTally,
    Report,
    ReportDayTally,
    ReportTally,
)
from models.tallies import ALL, ALL_POINTS, ALL_USERS
from tests.factories import Tenant, make_tenant

NOW = datetime.now(UTC).replace(microsecond=0)
STATUSES = ["completed", "completed", "fetched", "failed", "pending", "no_transcript"]
INDUSTRIES = ["SaaS", "saas tools", "Healthcare", None, ""]
TITLES = ["CFO", "VP of Sales", None]
SCORES = [0.0, 3.5, 7.0, 7.5, 7.99, 8.0, 8.5, 10.0]
# Cells of meetings, reports (and their score sums), criteria (and sums) and insights by month,
# and of meetings, call reports and their criteria by day.
KINDS = ("m", "r", "rs", "c", "cs", "i", "md", "rd", "cd")


def _month(moment: datetime) -> datetime:
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def _day(moment: datetime) -> datetime:
    return datetime(moment.year, moment.month, moment.day, tzinfo=UTC)


def _moments(rng: random.Random, count: int) -> list[datetime]:
    """Moments over fourteen months, a third of them exactly on or just before a month's start."""
    found = []
    for _ in range(count):
        moment = NOW - timedelta(days=rng.uniform(0, 420), seconds=rng.randint(0, 86399))
        edge = rng.random()
        if edge < 0.2:
            moment = _month(moment)
        elif edge < 0.33:
            moment = _month(moment) - timedelta(microseconds=1)
        found.append(moment)
    return found


class Rows:
    """A tenant's rows, written through the factories and kept here to ask questions of."""

    def __init__(self, tenant: Tenant, seed: int) -> None:
        rng = random.Random(seed)
        self.tenant = tenant
        template = tenant.template(
            grading_criteria=[
                {"name": "Questions", "weight": 60, "description": None},
                {"name": "Next steps", "weight": 40, "description": None},
            ]
        )
        self.meetings: list[Meeting] = []
        self.reports: list[Report] = []
        self.insights: list[Insight] = []
        for started in _moments(rng, 90):
            user = rng.choice(tenant.users)
            meeting = tenant.meeting(started_at=started, user_id=user, status=rng.choice(STATUSES))
            self.meetings.append(meeting)
            if rng.random() < 0.6:
                created = started + timedelta(minutes=rng.choice([0, 45, 60 * 24 * 20]))
                self.reports.append(
                    tenant.report(
                        meeting if rng.random() < 0.8 else None,
                        template,
                        user_id=user,
                        overall_score=rng.choice(SCORES),
                        created_at=created,
                    )
                )
            for _ in range(rng.randint(0, 2)):
                self.insights.append(
                    tenant.insight(
                        meeting,
                        industry=rng.choice(INDUSTRIES),
                        prospect_title=rng.choice(TITLES),
                        occurred_at=started + timedelta(seconds=rng.randint(0, 3000)),
                    )
                )

    def near_range_starts(self) -> None:
        """Calls either side of where each team statistics range starts, and of the midnight
        and month start after it, so that every kind of cell and the cut day's rows are read."""
        template = self.tenant.template()
        now = datetime.now(UTC)
        for days in (7, 30, 90, 365):
            since = now - timedelta(days=days)
            midnight = datetime(since.year, since.month, since.day, tzinfo=UTC) + timedelta(1)
            for moment in (
                since - timedelta(seconds=30),
                since + timedelta(seconds=30),
                midnight - timedelta(microseconds=1),
                midnight,
                _month(since + timedelta(days=31)),
            ):
                meeting = self.tenant.meeting(started_at=moment, user_id=self.tenant.users[2])
                self.tenant.report(
                    meeting, template, user_id=meeting.user_id, overall_score=6.5, created_at=moment
                )

    def reload(self) -> None:
        with session_scope(self.tenant.runtime.sessions) as session:
            org = self.tenant.organization_id
            self.meetings = list(
                session.scalars(select(Meeting).where(Meeting.organization_id == org))
            )
            self.reports = list(
                session.scalars(select(Report).where(Report.organization_id == org))
            )
            self.insights = list(
                session.scalars(select(Insight).where(Insight.organization_id == org))
            )
            self.scores = list(
                session.execute(
                    select(CriterionScore.name, CriterionScore.score, Report.created_at)
                    .join(Report, Report.id == CriterionScore.report_id)
                    .where(Report.organization_id == org, Report.meeting_id.is_not(None))
                )
            )


def _page(client: TestClient, tenant: Tenant, path: str, params: dict[str, Any]) -> dict[str, Any]:
    response = client.get(f"/api/v1/{path}", params=params, headers=tenant.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _expect_pages(
    client: TestClient,
    tenant: Tenant,
    path: str,
    params: dict[str, Any],
    expected: list[Any],
    key: str,
) -> None:
    """Every page of `path` with `params` (limit 7), and one past the end, against `expected`
    (rows already filtered), newest first with the id breaking ties."""
    ordered = sorted(expected, key=lambda row: (getattr(row, key), str(row.id)), reverse=True)
    pages = max(1, -(-len(ordered) // 7))
    for page in sorted({1, 2, pages // 2 + 1, pages, pages + 1}):
        body = _page(client, tenant, path, params | {"limit": 7, "page": page})
        assert body["meta"]["total"] == len(ordered), (path, params, page)
        assert [item["id"] for item in body["data"]] == [
            str(row.id) for row in ordered[(page - 1) * 7 : page * 7]
        ], (path, params, page)


def _windows(rows: Rows) -> list[tuple[datetime | None, datetime | None]]:
    this_month = _month(NOW)
    three_back = _month(this_month - timedelta(days=80))
    return [
        (None, None),
        (three_back, None),
        (None, three_back - timedelta(microseconds=1)),
        (three_back + timedelta(days=9, hours=5), this_month + timedelta(days=2)),
        (three_back - timedelta(days=200), three_back - timedelta(days=190)),  # within a month
        (rows.meetings[3].started_at, rows.meetings[3].started_at),  # one moment
    ]


def _inside(moment: datetime, window: tuple[datetime | None, datetime | None]) -> bool:
    start, end = window
    return (start is None or moment >= start) and (end is None or moment <= end)


def _wire(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def _check_lists(client: TestClient, rows: Rows) -> None:
    tenant = rows.tenant
    for window in _windows(rows):
        span = {"from": _wire(window[0]), "to": _wire(window[1])}
        dated = {k: v for k, v in span.items() if v is not None}
        for status in (None, "completed", "pending"):
            for user in (None, tenant.users[1]):
                params = dated | ({"status": status} if status else {})
                params |= {"user_id": str(user)} if user else {}
                expected = [
                    m
                    for m in rows.meetings
                    if _inside(m.started_at, window)
                    and status in (None, m.status)
                    and user in (None, m.user_id)
                ]
                _expect_pages(client, tenant, "meetings", params, expected, "started_at")
        for low, high in ((None, None), (7, None), (7.5, None), (None, 8), (7.2, 7.8), (10, 10)):
            scored = {"min_score": low, "max_score": high}
            params = dated | {k: v for k, v in scored.items() if v is not None}
            expected = [
                r
                for r in rows.reports
                if _inside(r.created_at, window)
                and (low is None or r.overall_score >= low)
                and (high is None or r.overall_score <= high)
            ]
            _expect_pages(client, tenant, "reports", params, expected, "created_at")
        insight_span = {"date_from": span["from"], "date_to": span["to"]}
        insight_dated = {k: v for k, v in insight_span.items() if v is not None}
        for industry, title in ((None, None), ("saas", None), ("HEALTH", "cfo"), (None, "vp")):
            params = insight_dated | ({"industry": industry} if industry else {})
            params |= {"prospect_title": title} if title else {}
            expected = [
                i
                for i in rows.insights
                if _inside(i.occurred_at, window)
                and (industry is None or industry.lower() in (i.industry or "\0").lower())
                and (title is None or title.lower() in (i.prospect_title or "\0").lower())
            ]
            _expect_pages(client, tenant, "insights", params, expected, "occurred_at")


def _check_team_stats(client: TestClient, rows: Rows) -> None:
    for time_range in ("week", "month", "quarter", "all"):
        data = _page(client, rows.tenant, "team/stats", {"time_range": time_range})["data"]
        _expect_team_stats(data, rows, range_start(time_range, datetime.now(UTC)))


def _expect_team_stats(data: dict[str, Any], rows: Rows, since: datetime | None) -> None:
    meetings = [m for m in rows.meetings if since is None or m.started_at >= since]
    calls = [
        r
        for r in rows.reports
        if r.meeting_id is not None and (since is None or r.created_at >= since)
    ]
    assert data["total_meetings"] == len(meetings), since
    assert data["total_reports"] == len(calls), since
    if calls:
        average = sum(r.overall_score for r in calls) / len(calls)
        assert data["average_score"] == round(average, 2)
    per_rep = Counter(r.user_id for r in calls)
    assert {p["user_id"]: p["report_count"] for p in data["top_performers"]} == {
        str(user): count for user, count in per_rep.items()
    }
    scores = [(name, score) for name, score, at in rows.scores if since is None or at >= since]
    assert {c["name"]: c["report_count"] for c in data["criteria_averages"]} == dict(
        Counter(name for name, _ in scores)
    )


def _expected_cells(rows: Rows) -> dict[str, Counter[Any]]:
    """The tallies, recounted from the rows."""
    cells: dict[str, Counter[Any]] = {name: Counter() for name in KINDS}
    for m in rows.meetings:
        cells["md"][_day(m.started_at)] += 1
        for user in (m.user_id, ALL_USERS):
            for status in (m.status, ALL):
                cells["m"][(user, status, _month(m.started_at))] += 1
    for r in rows.reports:
        if r.meeting_id is not None:
            cells["rd"][(r.user_id, _day(r.created_at))] += round(r.overall_score * 100) + 1000000
        for user in (r.user_id, ALL_USERS):
            for point in (min(10, int(r.overall_score)), ALL_POINTS):
                key = (r.meeting_id is not None, user, point, _month(r.created_at))
                cells["r"][key] += 1
                cells["rs"][key] += round(r.overall_score * 100)
    for name, score, created in rows.scores:
        cells["cd"][(name, _day(created))] += round(score * 100) + 1000000
        cells["c"][(name, _month(created))] += 1
        cells["cs"][(name, _month(created))] += round(score * 100)
    for i in rows.insights:
        for industry in [i.industry, ALL] if i.industry else [ALL]:
            for title in [i.prospect_title, ALL] if i.prospect_title else [ALL]:
                cells["i"][(industry, title, _month(i.occurred_at))] += 1
    return {name: +counter for name, counter in cells.items()}


def _stored_cells(runtime: Runtime, tenant: Tenant) -> dict[str, Counter[Any]]:
    cells: dict[str, Counter[Any]] = {name: Counter() for name in KINDS}
    org = tenant.organization_id
    with session_scope(runtime.sessions) as session:
        for t in session.scalars(select(MeetingTally).where(MeetingTally.organization_id == org)):
            cells["m"][(t.user_id, t.status, t.month)] += t.meetings
        for r in session.scalars(select(ReportTally).where(ReportTally.organization_id == org)):
            key = (r.is_call, r.user_id, r.point, r.month)
            cells["r"][key] += r.reports
            cells["rs"][key] += round(r.score_sum * 100)
        for c in session.scalars(
            select(CriterionTally).where(CriterionTally.organization_id == org)
        ):
            cells["c"][(c.name, c.month)] += c.scores
            cells["cs"][(c.name, c.month)] += round(c.score_sum * 100)
        for i in session.scalars(select(InsightTally).where(InsightTally.organization_id == org)):
            cells["i"][(i.industry, i.prospect_title, i.month)] += i.insights
        for md in session.scalars(
            select(MeetingDayTally).where(MeetingDayTally.organization_id == org)
        ):
            cells["md"][md.day] += md.meetings
        # A day's count and score sum in one number: a million per report, plus the hundredths.
        for rd in session.scalars(
            select(ReportDayTally).where(ReportDayTally.organization_id == org)
        ):
            cells["rd"][(rd.user_id, rd.day)] += round(rd.score_sum * 100) + 1000000 * rd.reports
        for cd in session.scalars(
            select(CriterionDayTally).where(CriterionDayTally.organization_id == org)
        ):
            cells["cd"][(cd.name, cd.day)] += round(cd.score_sum * 100) + 1000000 * cd.scores
    # Cells a change emptied stay behind with zeros; they count for nothing.
    return {name: +counter for name, counter in cells.items()}


@pytest.fixture
def rows(runtime: Runtime) -> Rows:
    rows = Rows(make_tenant(runtime, "read", reps=3), seed=11)
    rows.reload()
    return rows


def test_tallies_are_the_rows_counted(runtime: Runtime, rows: Rows) -> None:
    assert _stored_cells(runtime, rows.tenant) == _expected_cells(rows)


def test_lists_and_team_stats_answer_like_the_rows(
    client: TestClient, runtime: Runtime, rows: Rows
) -> None:
    rows.near_range_starts()
    rows.reload()
    _check_lists(client, rows)
    _check_team_stats(client, rows)


def test_team_stats_read_a_cut_month_from_either_side(runtime: Runtime, rows: Rows) -> None:
    """Ranges starting on every day of a month, at midnight and within the day: the first half
    takes the days before away from the month's cell, the second adds the days after."""
    month = _month(NOW - timedelta(days=120))
    with session_scope(runtime.sessions) as session:
        for day in range(32):
            for moment in (month + timedelta(days=day), month + timedelta(days=day, hours=13)):
                now = moment + timedelta(days=30)
                data = get_team_stats(session, rows.tenant.organization_id, "month", now)
                _expect_team_stats(data, rows, moment)


def test_tallies_follow_analysis_reanalysis_and_corrections(
    client: TestClient, runtime: Runtime, rows: Rows
) -> None:
    now = datetime.now(UTC)
    analysed = rows.meetings[:5]
    for meeting in analysed:
        rows.tenant.transcript(meeting)
    # Claimed as the worker claims (one UPDATE of many rows), then analysed one by one: reports,
    # criterion scores and insights replaced, statuses moved.
    with session_scope(runtime.sessions) as session:
        session.execute(
            update(Meeting)
            .where(Meeting.id.in_([m.id for m in analysed]))
            .values(status="processing", lease_expires_at=now + timedelta(minutes=5))
        )
    for meeting in analysed:
        with session_scope(runtime.sessions) as session:
            analyse_meeting(session, meeting.id, Analyser(), now)
    with session_scope(runtime.sessions) as session:  # a score corrected, a report moved
        report = session.scalars(
            select(Report)
            .where(Report.organization_id == rows.tenant.organization_id)
            .order_by(Report.id)
        ).first()
        assert report is not None
        report.overall_score, report.created_at = 9.5, report.created_at - timedelta(days=40)
    rows.reload()
    ids = {m.id for m in analysed}
    assert {m.status for m in rows.meetings if m.id in ids} == {"completed"}
    assert _stored_cells(runtime, rows.tenant) == _expected_cells(rows)
    _check_lists(client, rows)
    _check_team_stats(client, rows)
