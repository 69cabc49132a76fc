"""Marketing insights."""

from __future__ import annotations

from typing import Any

from handlers.params import optional_timestamp
from mira.coaching import insights
from mira.envelope import listed
from mira.keys import Caller
from mira.request_scope import request_session


def list_insights(
    token_info: dict[str, Any],
    page: int,
    limit: int,
    date_from: str | None = None,
    date_to: str | None = None,
    industry: str | None = None,
    prospect_title: str | None = None,
) -> tuple[dict[str, Any], int]:
    caller: Caller = token_info["caller"]
    found = insights.list_insights(
        request_session(),
        caller.organization_id,
        page=page,
        limit=limit,
        date_from=optional_timestamp(date_from, "date_from"),
        date_to=optional_timestamp(date_to, "date_to"),
        industry=industry,
        prospect_title=prospect_title,
    )
    return listed(found), 200
