"""Marketing insights mined from prospects' words on calls."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, CreatedAt, UUIDPrimaryKey

INSIGHT_CATEGORIES = (
    "pain_point",
    "objection",
    "competitor_mention",
    "feature_request",
    "buying_signal",
)


class Insight(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "insights"
    __table_args__ = (
        Index(None, "organization_id", "occurred_at", "id"),
        # A search by industry or title reads the values of the tallies' cells it matches.
        Index(None, "organization_id", "industry", "occurred_at", "id"),
        Index(None, "organization_id", "prospect_title", "occurred_at", "id"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    quote: Mapped[str] = mapped_column(Text)
    # Seconds from the start of the call; occurred_at is the wall-clock moment.
    timestamp_seconds: Mapped[float] = mapped_column(Float)
    occurred_at: Mapped[datetime]
    industry: Mapped[str | None] = mapped_column(String(120))
    prospect_title: Mapped[str | None] = mapped_column(String(200))
    prospect_company: Mapped[str | None] = mapped_column(String(200))
