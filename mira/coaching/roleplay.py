"""Roleplay practice sessions: scheduled → in_progress → completed (scored) or abandoned."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mira.coach.reporting import templates_for
from mira.coaching.templates import find_template
from mira.errors import BadRequest, Conflict, NotFound
from mira.pagination import Page, paginate
from mira.timestamps import to_wire
from models import RoleplaySession, User


def roleplay_session_to_wire(roleplay: RoleplaySession) -> dict[str, Any]:
    return {
        "id": str(roleplay.id),
        "user_id": str(roleplay.user_id),
        "template_id": str(roleplay.template_id) if roleplay.template_id else None,
        "scenario": roleplay.scenario,
        "persona": roleplay.persona,
        "call_type": roleplay.call_type,
        "status": roleplay.status,
        "score": roleplay.score,
        "report_id": str(roleplay.report_id) if roleplay.report_id else None,
        "started_at": to_wire(roleplay.started_at),
        "completed_at": to_wire(roleplay.completed_at),
        "created_at": to_wire(roleplay.created_at),
    }


def list_roleplay_sessions(
    session: Session,
    organization_id: uuid.UUID,
    *,
    page: int,
    limit: int,
    user_id: uuid.UUID | None = None,
    status: str | None = None,
) -> Page:
    query = select(RoleplaySession).where(RoleplaySession.organization_id == organization_id)
    if user_id is not None:
        query = query.where(RoleplaySession.user_id == user_id)
    if status is not None:
        query = query.where(RoleplaySession.status == status)
    query = query.order_by(RoleplaySession.created_at.desc(), RoleplaySession.id.desc())
    return paginate(session, query, page, limit, roleplay_session_to_wire)


def get_roleplay_session(
    session: Session, organization_id: uuid.UUID, roleplay_id: uuid.UUID
) -> dict[str, Any]:
    return roleplay_session_to_wire(_find(session, organization_id, roleplay_id))


def _find(session: Session, organization_id: uuid.UUID, roleplay_id: uuid.UUID) -> RoleplaySession:
    roleplay = session.scalar(
        select(RoleplaySession).where(
            RoleplaySession.id == roleplay_id, RoleplaySession.organization_id == organization_id
        )
    )
    if roleplay is None:
        raise NotFound("Roleplay session not found")
    return roleplay


def _default_template(session: Session, organization_id: uuid.UUID, call_type: str) -> uuid.UUID:
    """The rubric a session is scored with, chosen now so that scoring cannot find none."""
    matching = templates_for(session, organization_id, call_type)
    if not matching:
        raise Conflict(
            f"No active template for call type '{call_type}' or 'general'; "
            "create one or pass template_id"
        )
    return matching[0].id


def create_roleplay_session(
    session: Session, organization_id: uuid.UUID, fields: dict[str, Any], now: datetime
) -> dict[str, Any]:
    user_id = uuid.UUID(fields["user_id"])
    if (
        session.scalar(
            select(User.id).where(User.id == user_id, User.organization_id == organization_id)
        )
        is None
    ):
        raise NotFound("User not found")
    if "template_id" in fields:
        template_id = find_template(session, organization_id, uuid.UUID(fields["template_id"])).id
    else:
        template_id = _default_template(session, organization_id, fields["call_type"])
    roleplay = RoleplaySession(
        organization_id=organization_id,
        user_id=user_id,
        template_id=template_id,
        scenario=fields["scenario"],
        persona=fields["persona"],
        call_type=fields["call_type"],
        status="scheduled",
        created_at=now,
    )
    session.add(roleplay)
    session.flush()
    return roleplay_session_to_wire(roleplay)


def start_roleplay_session(
    session: Session, organization_id: uuid.UUID, roleplay_id: uuid.UUID, now: datetime
) -> dict[str, Any]:
    roleplay = _find(session, organization_id, roleplay_id)
    if roleplay.status != "scheduled":
        raise Conflict(f"Only a scheduled session can start; this one is {roleplay.status}")
    roleplay.status, roleplay.started_at = "in_progress", now
    return roleplay_session_to_wire(roleplay)


def record_roleplay_transcript(
    session: Session,
    organization_id: uuid.UUID,
    roleplay_id: uuid.UUID,
    segments: list[dict[str, Any]],
    now: datetime,
) -> dict[str, Any]:
    roleplay = _find(session, organization_id, roleplay_id)
    if roleplay.status not in ("scheduled", "in_progress") or roleplay.segments is not None:
        raise Conflict(f"This session's transcript can no longer be recorded ({roleplay.status})")
    for index, segment in enumerate(segments):
        if segment["end"] < segment["start"]:
            raise BadRequest(f"body field 'segments.{index}.end': ends before it starts")
    roleplay.segments = segments
    roleplay.status = "in_progress"
    roleplay.started_at = roleplay.started_at or now
    return roleplay_session_to_wire(roleplay)


def abandon_roleplay_session(
    session: Session, organization_id: uuid.UUID, roleplay_id: uuid.UUID, now: datetime
) -> dict[str, Any]:
    roleplay = _find(session, organization_id, roleplay_id)
    if roleplay.status not in ("scheduled", "in_progress") or roleplay.segments is not None:
        raise Conflict(f"This session can no longer be abandoned ({roleplay.status})")
    roleplay.status, roleplay.completed_at = "abandoned", now
    return roleplay_session_to_wire(roleplay)
