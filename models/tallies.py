"""Tallies: how many meetings, reports, criterion scores and insights there are per month (and,
for team statistics, per day), kept by database triggers (migration 0006) in the transaction of
every change.

Lists count their `total` and find a deep page's first row from these instead of counting rows
(mira.tallies). Each row is a cell of a small cube: one month, and for every filter dimension
either one value or `ALL` of them, so that a filter of any combination reads at most one cell
per month. A meeting counts in four cells (each rep and status, each rep, each status, all).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Float, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

# The value of a dimension in the cell that sums all of its values. No key, rep, status, industry
# or title takes these: ids are random UUIDs, and statuses and search values are never empty.
ALL_USERS = uuid.UUID(int=0)
ALL = ""
ALL_POINTS = -1


class MeetingTally(Base):
    __tablename__ = "meeting_tallies"

    organization_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    # The first moment (UTC) of the month of `started_at`.
    month: Mapped[datetime] = mapped_column(primary_key=True)
    meetings: Mapped[int]


class ReportTally(Base):
    __tablename__ = "report_tallies"
    # Team statistics read every rep's whole-score cells of recent months.
    __table_args__ = (Index(None, "organization_id", "point", "month"),)

    organization_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    # The whole point of the overall score, 0–10 (10 is exactly 10).
    point: Mapped[int] = mapped_column(primary_key=True)
    # The first moment (UTC) of the month of `created_at`.
    month: Mapped[datetime] = mapped_column(primary_key=True)
    # Reports of a meeting (team statistics count only these) or of a roleplay session.
    is_call: Mapped[bool] = mapped_column(primary_key=True)
    reports: Mapped[int]
    score_sum: Mapped[float] = mapped_column(Float)


class CriterionTally(Base):
    """Criterion scores of meetings' reports (not roleplay sessions'), by criterion name."""

    __tablename__ = "criterion_tallies"

    organization_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    # The month of the report's `created_at`.
    month: Mapped[datetime] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    scores: Mapped[int]
    score_sum: Mapped[float] = mapped_column(Float)


class InsightTally(Base):
    """An insight without an industry (or title) counts only in that dimension's `ALL` cells: a
    search never matches it."""

    __tablename__ = "insight_tallies"

    organization_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    industry: Mapped[str] = mapped_column(String(120), primary_key=True)
    prospect_title: Mapped[str] = mapped_column(String(200), primary_key=True)
    # The month of `occurred_at`.
    month: Mapped[datetime] = mapped_column(primary_key=True)
    insights: Mapped[int]


class MeetingDayTally(Base):
    """Meetings by day: team statistics read these for the month their range starts in."""

    __tablename__ = "meeting_day_tallies"

    organization_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    # The first moment (UTC) of the day of `started_at`.
    day: Mapped[datetime] = mapped_column(primary_key=True)
    meetings: Mapped[int]


class ReportDayTally(Base):
    """Meetings' reports (not roleplay sessions') by rep and day, for team statistics."""

    __tablename__ = "report_day_tallies"

    organization_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    day: Mapped[datetime] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    reports: Mapped[int]
    score_sum: Mapped[float] = mapped_column(Float)


class CriterionDayTally(Base):
    __tablename__ = "criterion_day_tallies"

    organization_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    day: Mapped[datetime] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    scores: Mapped[int]
    score_sum: Mapped[float] = mapped_column(Float)
