"""Coaching reports and their per-criterion scores."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, CreatedAt, UUIDPrimaryKey


class Report(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "reports"
    # The score closes the orders, so that a page under a score filter finds its keys from an
    # index alone (mira.tallies.ListQueries.page).
    __table_args__ = (
        Index(None, "organization_id", "created_at", "id", "overall_score"),
        Index(None, "organization_id", "user_id", "created_at", "id", "overall_score"),
        Index(None, "organization_id", "overall_score"),
        Index(None, "meeting_id", "created_at"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    meeting_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("meetings.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    template_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("templates.id"))
    template_version: Mapped[int]
    overall_score: Mapped[float] = mapped_column(Float)
    summary: Mapped[str] = mapped_column(Text)
    strengths: Mapped[list[str]] = mapped_column(JSON)
    improvements: Mapped[list[str]] = mapped_column(JSON)
    # Conversation metrics of the transcript the report scored.
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    produced_by: Mapped[str] = mapped_column(String(16), default="builtin")

    criteria: Mapped[list[CriterionScore]] = relationship(
        order_by="CriterionScore.position", cascade="all, delete-orphan"
    )


class CriterionScore(Base):
    """One criterion's score; a table of its own so that averages per criterion stay in SQL."""

    __tablename__ = "criterion_scores"

    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reports.id"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    weight: Mapped[float] = mapped_column(Float)
    score: Mapped[float] = mapped_column(Float)
    feedback: Mapped[str] = mapped_column(Text)
    # [{quote, start}] — the transcript lines behind the score, with their timestamps.
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
