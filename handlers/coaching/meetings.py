"""Meetings, their transcripts and their reports."""

from __future__ import annotations

import uuid
from typing import Any

from handlers.params import optional_timestamp, optional_uuid
from mira.coaching import meetings, reports
from mira.envelope import listed, single
from mira.keys import Caller
from mira.request_scope import request_content_type, request_session
from models.base import utcnow


def list_meetings(
    token_info: dict[str, Any],
    page: int,
    limit: int,
    status: str | None = None,
    user_id: str | None = None,
    from_: str | None = None,
    to: str | None = None,
) -> tuple[dict[str, Any], int]:
    caller: Caller = token_info["caller"]
    found = meetings.list_meetings(
        request_session(),
        caller.organization_id,
        page=page,
        limit=limit,
        status=status,
        user_id=optional_uuid(user_id),
        started_from=optional_timestamp(from_, "from"),
        started_to=optional_timestamp(to, "to"),
    )
    return listed(found), 200


def get_meeting(token_info: dict[str, Any], id_: str) -> tuple[dict[str, Any], int]:
    caller: Caller = token_info["caller"]
    return single(
        meetings.get_meeting(request_session(), caller.organization_id, uuid.UUID(id_))
    ), 200


def list_meeting_reports(
    token_info: dict[str, Any], id_: str, page: int, limit: int
) -> tuple[dict[str, Any], int]:
    caller: Caller = token_info["caller"]
    found = reports.list_meeting_reports(
        request_session(), caller.organization_id, uuid.UUID(id_), page=page, limit=limit
    )
    return listed(found), 200


def create_meeting(token_info: dict[str, Any], body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    caller: Caller = token_info["caller"]
    caller.require("write")
    created = meetings.create_meeting(request_session(), caller.organization_id, body, utcnow())
    return single(created), 200


def attach_transcript(
    token_info: dict[str, Any], id_: str, body: dict[str, Any] | str | bytes
) -> tuple[dict[str, Any], int]:
    caller: Caller = token_info["caller"]
    caller.require("write")
    meeting = meetings.attach_transcript(
        request_session(),
        caller.organization_id,
        uuid.UUID(id_),
        body,
        request_content_type(),
        utcnow(),
    )
    return single(meeting), 200


def reanalyse_meeting(token_info: dict[str, Any], id_: str) -> tuple[dict[str, Any], int]:
    caller: Caller = token_info["caller"]
    caller.require("write")
    meeting = meetings.reanalyse_meeting(
        request_session(), caller.organization_id, uuid.UUID(id_), utcnow()
    )
    return single(meeting), 200
