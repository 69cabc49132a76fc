"""The voice agents API's tenancy and work: key pairs, workspaces, assistants, calls."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, CreatedAt, object_id, utcnow


class ObjectIdPrimaryKey:
    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=object_id)


class VoiceKeyPair(CreatedAt, Base):
    """`pk_…` is kept as is (it is public); `sk_…` as a SHA-256 to authenticate, and encrypted with
    MIRA_SECRET_KEY because it also signs the organization's webhooks."""

    __tablename__ = "voice_key_pairs"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)
    public_key: Mapped[str] = mapped_column(String(35), unique=True)
    private_key_hash: Mapped[str] = mapped_column(String(64))
    private_key_encrypted: Mapped[str] = mapped_column(Text)
    # "member" or "admin": archive and unarchive need admin.
    role: Mapped[str] = mapped_column(String(16))
    revoked_at: Mapped[datetime | None]


class Workspace(ObjectIdPrimaryKey, CreatedAt, Base):
    __tablename__ = "workspaces"
    __table_args__ = (Index(None, "organization_id", "store_key", unique=True),)

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    name: Mapped[str] = mapped_column(String(200))
    # The store's identity for "registered twice": its name, trimmed and case-folded.
    store_key: Mapped[str] = mapped_column(String(200))
    variant: Mapped[str] = mapped_column(String(16), default="shopify")
    currency_code: Mapped[str] = mapped_column(String(3))
    timezone: Mapped[str] = mapped_column(String(64))
    # The onboarding document as sent: supportContacts, trustSignals, policyFramework.
    profile: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(32), default="active")
    billing_type: Mapped[str] = mapped_column(String(16), default="prepaid")
    credit_balance: Mapped[float] = mapped_column(Float, default=100.0)
    negative_credit_allowance: Mapped[float] = mapped_column(Float, default=100.0)
    archived_at: Mapped[datetime | None]


class Assistant(ObjectIdPrimaryKey, CreatedAt, Base):
    __tablename__ = "assistants"
    __table_args__ = (
        # Names are unique in a workspace, compared exactly, across both APIs.
        Index(None, "workspace_id", "name", unique=True),
        Index(None, "workspace_id", "created_at", "id"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    name: Mapped[str] = mapped_column(String(200))
    # "abandoned_cart" or "custom"; fixed at creation.
    variant: Mapped[str] = mapped_column(String(32))
    # The assistant in the v1/admin shape (mira.voice.assistant_shapes).
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    # An accepted v2 update ("in-process"): the name and document it leads to, and when the
    # worker applies it.
    pending_update: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    update_due_at: Mapped[datetime | None] = mapped_column(index=True)
    # When the last update was accepted: the cooldown runs from here.
    last_update_at: Mapped[datetime | None]
    archived_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The dialer's concurrency guard: attempts under way, and the cap they may not pass
    # (`callSettings.concurrentCallCount`, kept here so one conditional UPDATE can take a slot).
    active_calls: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    call_cap: Mapped[int]


class Call(ObjectIdPrimaryKey, CreatedAt, Base):
    __tablename__ = "calls"
    __table_args__ = (
        Index(None, "workspace_id", "created_at", "id"),
        Index(None, "workspace_id", "status", "created_at", "id"),
        Index(None, "workspace_id", "assistant_id", "created_at", "id"),
        Index(None, "workspace_id", "phone_number", "created_at", "id"),
        Index(None, "workspace_id", "idempotency_key", unique=True),
        Index(None, "next_attempt_at"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    assistant_id: Mapped[str] = mapped_column(ForeignKey("assistants.id"))
    phone_number: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    callback_url: Mapped[str | None] = mapped_column(String(2000))
    priority: Mapped[bool] = mapped_column(default=False)
    call_metadata: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)
    status: Mapped[str] = mapped_column(String(32), default="queued")
    validation_errors: Mapped[list[str] | None] = mapped_column(JSON)
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    # SHA-256 of the canonical request body, to tell a replay from a different request.
    request_hash: Mapped[str | None] = mapped_column(String(64))
    # When the dialer may place the next attempt; None once nothing further will be attempted.
    next_attempt_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Loaded once per unit of work: each event reports the call's attempts (mira.voice.call_events).
    attempts: Mapped[list[CallAttempt]] = relationship(order_by="CallAttempt.number")


class CallAttempt(Base):
    """One dial of a call."""

    __tablename__ = "call_attempts"

    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"), primary_key=True)
    number: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    # The telephony provider's reason, or the dialer's (low engagement, a callback refused).
    reason: Mapped[str | None] = mapped_column(Text)
    # The provider's id of this dial.
    provider_ref: Mapped[str | None] = mapped_column(String(200))
    # Carrier events the provider announced at placement and the dialer has yet to apply (the
    # simulator's timeline), oldest first: `{event, at, details}`.
    script: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # When the worker must next look at the attempt: its next scripted event or its deadline.
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    answered_at: Mapped[datetime | None]
    # Ringing: when it counts as `no-answer`; connected: answered_at + maxCallDuration, when the
    # call ends as `timeout`.
    deadline_at: Mapped[datetime | None]
    # `{role, text, secondsFromStart}` lines of an answered attempt.
    transcript: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)


class SimulatedDial(Base):
    """A dial the `simulator` provider placed: its own call log, as a carrier keeps one, written
    in its own transaction and never joined to ours (mira.dialer.simulator)."""

    __tablename__ = "simulated_dials"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    reference: Mapped[str] = mapped_column(String(200))
    placed_at: Mapped[datetime]
    # The timeline the simulator chose at placement: `{event, at, details}`, oldest first.
    script: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    answer_by: Mapped[datetime | None]


class CallEvent(Base):
    """An event of a call as its callbackUrl receives it (the `event.data`), numbered in order."""

    __tablename__ = "call_events"

    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"), primary_key=True)
    sequence: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
