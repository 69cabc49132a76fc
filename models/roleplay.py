"""Roleplay practice sessions: a rep rehearses a call against a buyer persona."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, CreatedAt, UUIDPrimaryKey

ROLEPLAY_STATUSES = ("scheduled", "in_progress", "completed", "abandoned")


class RoleplaySession(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "roleplay_sessions"
    __table_args__ = (
        Index(None, "organization_id", "created_at", "id"),
        Index(None, "organization_id", "user_id", "created_at", "id"),
        Index(None, "organization_id", "status", "created_at", "id"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    template_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("templates.id"))
    scenario: Mapped[str] = mapped_column(Text)
    persona: Mapped[str] = mapped_column(Text)
    call_type: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    score: Mapped[float | None] = mapped_column(Float)
    report_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("reports.id"))
    # The practice call, once recorded; scored by the worker like a real call.
    segments: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    lease_expires_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
