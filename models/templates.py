"""Coaching templates: a prompt and weighted grading criteria."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, CreatedAt, UUIDPrimaryKey, utcnow


class Template(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "templates"
    __table_args__ = (Index(None, "organization_id", "created_at", "id"),)

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    prompt_template: Mapped[str] = mapped_column(Text)
    # [{name, weight, description}], weights summing to 100.
    grading_criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    coaching_tone: Mapped[str | None] = mapped_column(String(32))
    call_type: Mapped[str | None] = mapped_column(String(32))
    industry_context: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(default=True)
    # Bumped by every update; each report records the version that produced it.
    version: Mapped[int] = mapped_column(default=1)
    # Deleted templates disappear from the API but stay behind the reports they produced.
    deleted_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(onupdate=utcnow)
