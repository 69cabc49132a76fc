"""Sales-call meetings and their transcripts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, CreatedAt, UUIDPrimaryKey, utcnow

MEETING_STATUSES = ("pending", "fetched", "processing", "completed", "failed", "no_transcript")


class Meeting(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "meetings"
    __table_args__ = (
        Index(None, "organization_id", "started_at", "id"),
        Index(None, "organization_id", "user_id", "started_at", "id"),
        Index(None, "organization_id", "status", "started_at", "id"),
        Index(None, "status", "lease_expires_at"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(300))
    call_type: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    duration_seconds: Mapped[int | None]
    # [{name, role: rep|prospect, title, company, industry, user_id?}] — read whole, never queried.
    participants: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # Work queue: a `fetched` meeting is due for analysis; `processing` holds a worker's lease,
    # and an expired lease means the worker died and the meeting may be claimed again.
    lease_expires_at: Mapped[datetime | None]
    analysis_attempts: Mapped[int] = mapped_column(default=0)
    failure_reason: Mapped[str | None] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(onupdate=utcnow)


class Transcript(Base):
    """A meeting's transcript, kept apart so that meeting lists never load it."""

    __tablename__ = "transcripts"

    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id"), primary_key=True)
    # [{speaker, role: rep|prospect, start, end, text}] with times in seconds from the call's start.
    segments: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
