"""Coaching reports."""

from __future__ import annotations

import uuid
from typing import Any

from handlers.params import optional_timestamp, optional_uuid
from mira.coaching import reports
from mira.envelope import listed, single
from mira.keys import Caller
from mira.request_scope import request_session


def list_reports(
    token_info: dict[str, Any],
    page: int,
    limit: int,
    user_id: str | None = None,
    from_: str | None = None,
    to: str | None = None,
    min_score: float | None = None,
    max_score: float | None = None,
) -> tuple[dict[str, Any], int]:
    caller: Caller = token_info["caller"]
    found = reports.list_reports(
        request_session(),
        caller.organization_id,
        page=page,
        limit=limit,
        user_id=optional_uuid(user_id),
        created_from=optional_timestamp(from_, "from"),
        created_to=optional_timestamp(to, "to"),
        min_score=min_score,
        max_score=max_score,
    )
    return listed(found), 200


def get_report(token_info: dict[str, Any], id_: str) -> tuple[dict[str, Any], int]:
    caller: Caller = token_info["caller"]
    return single(
        reports.get_report(request_session(), caller.organization_id, uuid.UUID(id_))
    ), 200
