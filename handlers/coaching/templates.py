"""Coaching templates; writes need the `write` permission."""

from __future__ import annotations

import uuid
from typing import Any

from mira.coaching import templates
from mira.envelope import listed, single
from mira.keys import Caller
from mira.request_scope import request_session


def list_templates(
    token_info: dict[str, Any],
    page: int,
    limit: int,
    is_active: bool | None = None,
    call_type: str | None = None,
) -> tuple[dict[str, Any], int]:
    caller: Caller = token_info["caller"]
    found = templates.list_templates(
        request_session(),
        caller.organization_id,
        page=page,
        limit=limit,
        is_active=is_active,
        call_type=call_type,
    )
    return listed(found), 200


def create_template(token_info: dict[str, Any], body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    caller: Caller = token_info["caller"]
    caller.require("write")
    return single(templates.create_template(request_session(), caller.organization_id, body)), 200


def get_template(token_info: dict[str, Any], id_: str) -> tuple[dict[str, Any], int]:
    caller: Caller = token_info["caller"]
    found = templates.get_template(request_session(), caller.organization_id, uuid.UUID(id_))
    return single(found), 200


def update_template(
    token_info: dict[str, Any], id_: str, body: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    caller: Caller = token_info["caller"]
    caller.require("write")
    updated = templates.update_template(
        request_session(), caller.organization_id, uuid.UUID(id_), body
    )
    return single(updated), 200


def delete_template(token_info: dict[str, Any], id_: str) -> tuple[dict[str, Any], int]:
    caller: Caller = token_info["caller"]
    caller.require("write")
    deleted = templates.delete_template(request_session(), caller.organization_id, uuid.UUID(id_))
    return single(deleted), 200
