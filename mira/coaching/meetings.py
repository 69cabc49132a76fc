"""Meetings: listing, one with its transcript, recording them, their transcripts, re-analysis."""

from __future__ import annotations

import functools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from mira.coach.transcripts import (
    LONGEST_SECONDS,
    TranscriptError,
    assign_roles,
    parse_transcript,
)
from mira.errors import BadRequest, Conflict, NotFound
from mira.pagination import Page
from mira.tallies import ListQueries, Window, tallied_page
from mira.timestamps import parse_timestamp, to_wire
from mira.webhooks import emit_event
from models import Meeting, MeetingTally, Transcript, User
from models.tallies import ALL, ALL_USERS

MEETINGS = Meeting.__table__.c
# What a meeting on the wire is made of: lists read these columns, not whole rows.
MEETING_COLUMNS = (
    MEETINGS.id,
    MEETINGS.user_id,
    MEETINGS.title,
    MEETINGS.call_type,
    MEETINGS.status,
    MEETINGS.started_at,
    MEETINGS.ended_at,
    MEETINGS.duration_seconds,
    MEETINGS.participants,
    MEETINGS.created_at,
    MEETINGS.updated_at,
)


def meeting_to_wire(meeting: Meeting | Row[*tuple[Any, ...]]) -> dict[str, Any]:
    return {
        "id": str(meeting.id),
        "user_id": str(meeting.user_id),
        "title": meeting.title,
        "call_type": meeting.call_type,
        "status": meeting.status,
        "started_at": to_wire(meeting.started_at),
        "ended_at": to_wire(meeting.ended_at),
        "duration_seconds": meeting.duration_seconds,
        "participants": meeting.participants,
        "created_at": to_wire(meeting.created_at),
        "updated_at": to_wire(meeting.updated_at),
    }


@functools.cache
def _listing(status: bool, user: bool) -> ListQueries:
    rows = [MEETINGS.organization_id == bindparam("organization_id")]
    if status:
        rows.append(MEETINGS.status == bindparam("status"))
    if user:
        rows.append(MEETINGS.user_id == bindparam("user_id"))
    cells = MeetingTally.__table__.c
    return ListQueries(
        MEETING_COLUMNS,
        MEETINGS.started_at,
        MEETINGS.id,
        rows,
        cells.month,
        cells.meetings,
        [
            cells.organization_id == bindparam("organization_id"),
            cells.user_id == bindparam("cell_user"),
            cells.status == bindparam("cell_status"),
        ],
    )


def list_meetings(
    session: Session,
    organization_id: uuid.UUID,
    *,
    page: int,
    limit: int,
    status: str | None = None,
    user_id: uuid.UUID | None = None,
    started_from: datetime | None = None,
    started_to: datetime | None = None,
) -> Page:
    """Newest first; counted and paged by month from the tallies (mira.tallies)."""
    params = {
        "organization_id": organization_id,
        "status": status,
        "user_id": user_id,
        "cell_user": user_id or ALL_USERS,
        "cell_status": status or ALL,
    }
    return tallied_page(
        session,
        _listing(status is not None, user_id is not None),
        params,
        Window.inclusive(started_from, started_to),
        page,
        limit,
        meeting_to_wire,
    )


def find_meeting(session: Session, organization_id: uuid.UUID, meeting_id: uuid.UUID) -> Meeting:
    meeting = session.scalar(
        select(Meeting).where(Meeting.id == meeting_id, Meeting.organization_id == organization_id)
    )
    if meeting is None:
        raise NotFound("Meeting not found")
    return meeting


# One meeting with its transcript, in one round trip.
MEETING_WITH_TRANSCRIPT = (
    select(*MEETING_COLUMNS, Transcript.__table__.c.segments)
    .outerjoin_from(Meeting.__table__, Transcript.__table__)
    .where(
        MEETINGS.id == bindparam("meeting_id"),
        MEETINGS.organization_id == bindparam("organization_id"),
    )
)


def get_meeting(
    session: Session, organization_id: uuid.UUID, meeting_id: uuid.UUID
) -> dict[str, Any]:
    params = {"meeting_id": meeting_id, "organization_id": organization_id}
    found = session.connection().execute(MEETING_WITH_TRANSCRIPT, params).first()
    if found is None:
        raise NotFound("Meeting not found")
    return meeting_to_wire(found) | {"transcript": found.segments or []}


TRANSCRIPT_FORMATS = {"text/vtt": "vtt", "application/x-subrip": "srt", "text/plain": "text"}


def _checked_segments(segments: list[dict[str, Any]], field: str) -> list[dict[str, Any]]:
    for index, segment in enumerate(segments):
        if segment["end"] < segment["start"]:
            raise BadRequest(f"body field '{field}.{index}.end': ends before it starts")
    return segments


def _rep_of(session: Session, organization_id: uuid.UUID, user_id: uuid.UUID) -> User:
    user = session.scalar(
        select(User).where(User.id == user_id, User.organization_id == organization_id)
    )
    if user is None:
        raise NotFound("User not found")
    return user


def _queue_analysis(meeting: Meeting) -> None:
    meeting.status = "fetched"
    meeting.analysis_attempts = 0
    meeting.failure_reason = None
    meeting.lease_expires_at = None


def _transcript_ready(session: Session, meeting: Meeting, now: datetime) -> None:
    _queue_analysis(meeting)
    emit_event(
        session,
        meeting.organization_id,
        "meeting.transcript_ready",
        {"meeting_id": str(meeting.id), "user_id": str(meeting.user_id)},
        now,
    )


# A meeting lasts at most as long as its transcript may run, so that `duration_seconds` stays a
# small integer, and starts early enough for its end, however it is found, to be a date-time.
LONGEST_MEETING = timedelta(seconds=LONGEST_SECONDS)
LATEST_START = datetime(9999, 12, 31, tzinfo=UTC)


def parse_start(value: str, where: str) -> datetime:
    started_at = parse_timestamp(value, where)
    assert started_at is not None  # given a string
    if started_at >= LATEST_START:
        raise BadRequest(f"{where}: a meeting starts before {to_wire(LATEST_START)}")
    return started_at


def create_meeting(
    session: Session, organization_id: uuid.UUID, fields: dict[str, Any], now: datetime
) -> dict[str, Any]:
    rep = _rep_of(session, organization_id, uuid.UUID(fields["user_id"]))
    started_at = parse_start(fields["started_at"], "body field 'started_at'")
    ended_at = parse_timestamp(fields.get("ended_at"), "body field 'ended_at'")
    if ended_at is not None and ended_at < started_at:
        raise BadRequest("body field 'ended_at': ends before it starts")
    if ended_at is not None and ended_at - started_at > LONGEST_MEETING:
        raise BadRequest("body field 'ended_at': a meeting lasts at most 24 hours")
    segments = _checked_segments(fields.get("transcript", []), "transcript")
    meeting = Meeting(
        organization_id=organization_id,
        user_id=rep.id,
        title=fields["title"],
        call_type=fields["call_type"],
        status="pending",
        started_at=started_at,
        ended_at=ended_at,
        duration_seconds=round((ended_at - started_at).total_seconds()) if ended_at else None,
        participants=[
            {"name": rep.name, "role": "rep", "user_id": str(rep.id)},
            {"role": "prospect", **fields["prospect"]},
        ],
        created_at=now,
    )
    session.add(meeting)
    session.flush()
    if segments:
        session.add(Transcript(meeting_id=meeting.id, segments=segments, created_at=now))
        _transcript_ready(session, meeting, now)
    session.flush()
    return meeting_to_wire(meeting) | {"transcript": segments}


def _not_running(meeting: Meeting, now: datetime) -> None:
    if (
        meeting.status == "processing"
        and meeting.lease_expires_at
        and meeting.lease_expires_at > now
    ):
        raise Conflict("Meeting is being analysed; retry when its status is no longer 'processing'")


def attach_transcript(
    session: Session,
    organization_id: uuid.UUID,
    meeting_id: uuid.UUID,
    body: dict[str, Any] | str | bytes,
    content_type: str,
    now: datetime,
) -> dict[str, Any]:
    meeting = find_meeting(session, organization_id, meeting_id)
    _not_running(meeting, now)
    if isinstance(body, dict):
        segments = _checked_segments(body["segments"], "segments")
    else:
        text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
        try:
            cues = parse_transcript(text, TRANSCRIPT_FORMATS[content_type])
        except TranscriptError as exc:
            raise BadRequest(str(exc)) from None
        reps = [p["name"] for p in meeting.participants if p["role"] == "rep"]
        segments = assign_roles(cues, reps)
    transcript = session.get(Transcript, meeting.id)
    if transcript is None:
        session.add(Transcript(meeting_id=meeting.id, segments=segments, created_at=now))
    else:
        transcript.segments, transcript.created_at = segments, now
    if meeting.ended_at is None and segments:
        meeting.duration_seconds = round(segments[-1]["end"])
        meeting.ended_at = meeting.started_at + timedelta(seconds=meeting.duration_seconds)
    _transcript_ready(session, meeting, now)
    session.flush()
    return meeting_to_wire(meeting) | {"transcript": segments}


def reanalyse_meeting(
    session: Session, organization_id: uuid.UUID, meeting_id: uuid.UUID, now: datetime
) -> dict[str, Any]:
    meeting = find_meeting(session, organization_id, meeting_id)
    _not_running(meeting, now)
    transcript = session.get(Transcript, meeting.id)
    if transcript is None:
        raise Conflict("Meeting has no transcript to analyse")
    _queue_analysis(meeting)
    session.flush()
    return meeting_to_wire(meeting) | {"transcript": transcript.segments}
