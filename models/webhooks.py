"""Outgoing webhooks: subscriptions, and the outbox of deliveries with every attempt recorded."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, CreatedAt, UUIDPrimaryKey


class WebhookSubscription(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "webhook_subscriptions"
    __table_args__ = (Index(None, "organization_id", "created_at", "id"),)

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSON)
    # The Standard Webhooks signing secret, "whsec_" + base64; shown to the owner.
    secret: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    deleted_at: Mapped[datetime | None]


class WebhookDelivery(UUIDPrimaryKey, CreatedAt, Base):
    """One event for one receiver: written in the transaction of the change it reports.

    A coaching delivery goes to a subscription; a voice delivery goes to its call's callbackUrl,
    is known by a 24-hex `object_id`, and waits for the call's earlier deliveries (`sequence`).
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index(None, "status", "next_attempt_at"),
        Index(None, "subscription_id", "created_at", "id"),
        Index(None, "call_id", "sequence", unique=True),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    subscription_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("webhook_subscriptions.id")
    )
    call_id: Mapped[str | None] = mapped_column(ForeignKey("calls.id"))
    # The call event's sequence number: the order the call's deliveries go out in.
    sequence: Mapped[int | None]
    object_id: Mapped[str | None] = mapped_column(String(24), unique=True)
    url: Mapped[str | None] = mapped_column(String(2000))
    event: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # pending → delivered, or failed once the retry horizon is spent.
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    lease_expires_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]


class WebhookAttempt(Base):
    __tablename__ = "webhook_attempts"

    delivery_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_deliveries.id"), primary_key=True
    )
    number: Mapped[int] = mapped_column(primary_key=True)
    attempted_at: Mapped[datetime]
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int]
