"""Turning an analysed transcript into rows: one report per matching template, and insights."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from mira.coach.analyser import Analyser
from mira.coach.insights import extract_insights
from mira.coach.metrics import Segment
from models import Insight, Meeting, Report, Template


def templates_for(session: Session, organization_id: uuid.UUID, call_type: str) -> list[Template]:
    """Active templates for a call type, plus the general-purpose ones."""
    return list(
        session.scalars(
            select(Template)
            .where(
                Template.organization_id == organization_id,
                Template.is_active.is_(True),
                Template.deleted_at.is_(None),
                or_(
                    Template.call_type == call_type,
                    Template.call_type == "general",
                    Template.call_type.is_(None),
                ),
            )
            .order_by(Template.created_at, Template.id)
        )
    )


def write_meeting_reports(
    session: Session, meeting: Meeting, segments: list[Segment], analyser: Analyser, now: datetime
) -> list[Report]:
    """One report per matching template, and the prospect's insights; the meeting is completed."""
    reports = [
        analyser.report(
            template, segments, meeting_id=meeting.id, user_id=meeting.user_id, created_at=now
        )
        for template in templates_for(session, meeting.organization_id, meeting.call_type)
    ]
    prospect = next((p for p in meeting.participants if p["role"] == "prospect"), {})
    insights = [
        Insight(
            organization_id=meeting.organization_id,
            meeting_id=meeting.id,
            category=category,
            quote=segment["text"],
            timestamp_seconds=segment["start"],
            occurred_at=meeting.started_at + timedelta(seconds=segment["start"]),
            industry=prospect.get("industry"),
            prospect_title=prospect.get("title"),
            prospect_company=prospect.get("company"),
            created_at=now,
        )
        for category, segment in extract_insights(segments)
    ]
    session.add_all([*reports, *insights])
    meeting.status = "completed"
    session.flush()
    return reports
