"""Organizations, their users (the reps) and their API keys."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, CreatedAt, UUIDPrimaryKey, object_id


class Organization(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "organizations"

    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # How the voice agents API names it: a 24-hex id, like every id of that API.
    object_id: Mapped[str] = mapped_column(String(24), unique=True, default=object_id)
    archived_at: Mapped[datetime | None]


class User(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "users"
    __table_args__ = (Index(None, "organization_id", "email", unique=True),)

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(32), default="rep")


class ApiKey(UUIDPrimaryKey, CreatedAt, Base):
    """A coaching API key; only its SHA-256 and a short visible prefix are kept."""

    __tablename__ = "api_keys"

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(24))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The highest level granted: read ⊆ write ⊆ admin.
    permission: Mapped[str] = mapped_column(String(16))
    revoked_at: Mapped[datetime | None]
