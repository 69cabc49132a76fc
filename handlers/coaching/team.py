"""Team statistics."""

from __future__ import annotations

from typing import Any

from mira.coaching import team
from mira.envelope import single
from mira.keys import Caller
from mira.request_scope import request_session


def get_team_stats(token_info: dict[str, Any], time_range: str) -> tuple[dict[str, Any], int]:
    caller: Caller = token_info["caller"]
    return single(team.get_team_stats(request_session(), caller.organization_id, time_range)), 200
