"""Roleplay practice sessions."""

from __future__ import annotations

import uuid
from typing import Any

from handlers.params import optional_uuid
from mira.coaching import roleplay
from mira.envelope import listed, single
from mira.keys import Caller
from mira.request_scope import request_session
from models.base import utcnow


def list_roleplay_sessions(
    token_info: dict[str, Any],
    page: int,
    limit: int,
    user_id: str | None = None,
    status: str | None = None,
) -> tuple[dict[str, Any], int]:
    caller: Caller = token_info["caller"]
    found = roleplay.list_roleplay_sessions(
        request_session(),
        caller.organization_id,
        page=page,
        limit=limit,
        user_id=optional_uuid(user_id),
        status=status,
    )
    return listed(found), 200


def get_roleplay_session(token_info: dict[str, Any], id_: str) -> tuple[dict[str, Any], int]:
    caller: Caller = token_info["caller"]
    found = roleplay.get_roleplay_session(request_session(), caller.organization_id, uuid.UUID(id_))
    return single(found), 200


def create_roleplay_session(
    token_info: dict[str, Any], body: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    caller: Caller = token_info["caller"]
    caller.require("write")
    created = roleplay.create_roleplay_session(
        request_session(), caller.organization_id, body, utcnow()
    )
    return single(created), 200


def start_roleplay_session(token_info: dict[str, Any], id_: str) -> tuple[dict[str, Any], int]:
    caller: Caller = token_info["caller"]
    caller.require("write")
    started = roleplay.start_roleplay_session(
        request_session(), caller.organization_id, uuid.UUID(id_), utcnow()
    )
    return single(started), 200


def record_roleplay_transcript(
    token_info: dict[str, Any], id_: str, body: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    caller: Caller = token_info["caller"]
    caller.require("write")
    recorded = roleplay.record_roleplay_transcript(
        request_session(), caller.organization_id, uuid.UUID(id_), body["segments"], utcnow()
    )
    return single(recorded), 200


def abandon_roleplay_session(token_info: dict[str, Any], id_: str) -> tuple[dict[str, Any], int]:
    caller: Caller = token_info["caller"]
    caller.require("write")
    abandoned = roleplay.abandon_roleplay_session(
        request_session(), caller.organization_id, uuid.UUID(id_), utcnow()
    )
    return single(abandoned), 200
