"""The analysis queue: meetings and roleplay sessions with a transcript become reports.

A `fetched` meeting is due. A worker claims it (`processing`, with a lease), analyses it, and
commits reports, insights, the `completed` status and the webhook outbox rows in one transaction.
A worker that dies leaves the lease to expire, and the meeting is claimed again: work is done at
least once and never half-written.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session

from mira.coach.analyser import Analyser
from mira.coach.reporting import write_meeting_reports
from mira.db import claimable
from mira.webhooks import emit_event
from models import (
    CriterionScore,
    Insight,
    Meeting,
    Report,
    RoleplaySession,
    Template,
    Transcript,
)

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 3


def claim_due_meetings(session: Session, now: datetime, limit: int) -> list[uuid.UUID]:
    due = claimable(
        session,
        select(Meeting.id)
        .where(
            or_(
                Meeting.status == "fetched",
                and_(Meeting.status == "processing", Meeting.lease_expires_at < now),
            )
        )
        .order_by(Meeting.updated_at, Meeting.id)
        .limit(limit),
    )
    ids = list(session.scalars(due))
    if ids:
        session.execute(
            update(Meeting)
            .where(Meeting.id.in_(ids))
            .values(
                status="processing",
                lease_expires_at=now + LEASE,
                # Counted when claimed, so that an analysis that kills its worker counts too.
                analysis_attempts=Meeting.analysis_attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
    return ids


def analyse_meeting(
    session: Session, meeting_id: uuid.UUID, analyser: Analyser, now: datetime
) -> None:
    """Replace the meeting's reports and insights with a fresh analysis, and say so by webhook."""
    meeting = session.get_one(Meeting, meeting_id)
    if meeting.analysis_attempts > MAX_ATTEMPTS:
        _give_up(session, meeting, f"no analysis finished in {MAX_ATTEMPTS} attempts", now)
        return
    transcript = session.get(Transcript, meeting.id)
    segments = [s for s in (transcript.segments if transcript else []) if s["text"].strip()]
    old_reports = select(Report.id).where(Report.meeting_id == meeting.id)
    session.execute(delete(CriterionScore).where(CriterionScore.report_id.in_(old_reports)))
    session.execute(delete(Report).where(Report.meeting_id == meeting.id))
    session.execute(delete(Insight).where(Insight.meeting_id == meeting.id))
    meeting.lease_expires_at = None
    if not segments:
        meeting.status = "no_transcript"
        return
    reports = write_meeting_reports(session, meeting, segments, analyser, now)
    for report in reports:
        emit_event(
            session,
            meeting.organization_id,
            "report.completed",
            {
                "report_id": str(report.id),
                "meeting_id": str(meeting.id),
                "user_id": str(meeting.user_id),
            },
            now,
        )


def record_failure(session: Session, meeting_id: uuid.UUID, reason: str, now: datetime) -> None:
    """An analysis that raised: retry later, or give up after MAX_ATTEMPTS as `failed`."""
    meeting = session.get_one(Meeting, meeting_id)
    if meeting.analysis_attempts < MAX_ATTEMPTS:
        meeting.failure_reason = reason[:300]
        meeting.lease_expires_at = now + timedelta(seconds=30 * 2**meeting.analysis_attempts)
        return
    _give_up(session, meeting, reason, now)


def _give_up(session: Session, meeting: Meeting, reason: str, now: datetime) -> None:
    meeting.status = "failed"
    meeting.failure_reason = reason[:300]
    meeting.lease_expires_at = None
    emit_event(
        session,
        meeting.organization_id,
        "meeting.failed",
        {
            "meeting_id": str(meeting.id),
            "user_id": str(meeting.user_id),
            "reason": meeting.failure_reason,
        },
        now,
    )


def claim_due_roleplays(session: Session, now: datetime, limit: int) -> list[uuid.UUID]:
    due = claimable(
        session,
        select(RoleplaySession.id)
        .where(
            RoleplaySession.status == "in_progress",
            RoleplaySession.segments.is_not(None),
            or_(RoleplaySession.lease_expires_at.is_(None), RoleplaySession.lease_expires_at < now),
        )
        .order_by(RoleplaySession.created_at, RoleplaySession.id)
        .limit(limit),
    )
    ids = list(session.scalars(due))
    if ids:
        session.execute(
            update(RoleplaySession)
            .where(RoleplaySession.id.in_(ids))
            .values(lease_expires_at=now + LEASE)
            .execution_options(synchronize_session=False)
        )
    return ids


def score_roleplay(
    session: Session, roleplay_id: uuid.UUID, analyser: Analyser, now: datetime
) -> None:
    """Score a practice call with the same rubric machinery as a real call."""
    roleplay = session.get_one(RoleplaySession, roleplay_id)
    template = _roleplay_template(session, roleplay)
    report = analyser.report(
        template, roleplay.segments or [], user_id=roleplay.user_id, created_at=now
    )
    session.add(report)
    session.flush()
    roleplay.report_id, roleplay.score = report.id, report.overall_score
    roleplay.status, roleplay.completed_at, roleplay.lease_expires_at = "completed", now, None
    emit_event(
        session,
        roleplay.organization_id,
        "roleplay.completed",
        {
            "session_id": str(roleplay.id),
            "user_id": str(roleplay.user_id),
            "report_id": str(report.id),
            "score": report.overall_score,
        },
        now,
    )


def _roleplay_template(session: Session, roleplay: RoleplaySession) -> Template:
    # Chosen when the session was created; a template deleted since still scores it.
    assert roleplay.template_id is not None
    return session.get_one(Template, roleplay.template_id)
