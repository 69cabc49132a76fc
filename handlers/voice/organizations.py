"""POST /v1/admin/organization/archive and /unarchive (admin role)."""

from __future__ import annotations

from typing import Any

from handlers.auth import voice_caller
from mira.request_scope import request_session
from mira.voice.archiving import set_archived
from models.base import utcnow


def _set_archived(
    token_info: dict[str, Any], body: dict[str, Any], archived: bool
) -> tuple[dict[str, Any], int]:
    caller = voice_caller(token_info)
    caller.require_admin()
    message, data = set_archived(
        request_session(), caller.organization_id, body["type"], body["id"], archived, utcnow()
    )
    return {"status_code": 200, "message": message, "data": data}, 200


def archive_organization_or_workspace(
    token_info: dict[str, Any], body: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    return _set_archived(token_info, body, archived=True)


def unarchive_organization_or_workspace(
    token_info: dict[str, Any], body: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    return _set_archived(token_info, body, archived=False)
