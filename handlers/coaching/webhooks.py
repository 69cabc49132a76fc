"""Webhook subscriptions and their delivery log; everything here needs `admin`."""

from __future__ import annotations

import uuid
from typing import Any

from mira.coaching import webhooks
from mira.envelope import listed, single
from mira.keys import Caller
from mira.request_scope import request_session, request_settings
from models.base import utcnow


def _admin(token_info: dict[str, Any]) -> Caller:
    caller: Caller = token_info["caller"]
    caller.require("admin")
    return caller


def list_subscriptions(
    token_info: dict[str, Any], page: int, limit: int
) -> tuple[dict[str, Any], int]:
    caller = _admin(token_info)
    found = webhooks.list_subscriptions(
        request_session(), caller.organization_id, page=page, limit=limit
    )
    return listed(found), 200


def create_subscription(
    token_info: dict[str, Any], body: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    caller = _admin(token_info)
    allow_private = request_settings().webhook_allow_private
    created = webhooks.create_subscription(
        request_session(), caller.organization_id, body, allow_private, utcnow()
    )
    return single(created), 200


def get_subscription(token_info: dict[str, Any], id_: str) -> tuple[dict[str, Any], int]:
    caller = _admin(token_info)
    found = webhooks.get_subscription(request_session(), caller.organization_id, uuid.UUID(id_))
    return single(found), 200


def delete_subscription(token_info: dict[str, Any], id_: str) -> tuple[dict[str, Any], int]:
    caller = _admin(token_info)
    deleted = webhooks.delete_subscription(
        request_session(), caller.organization_id, uuid.UUID(id_), utcnow()
    )
    return single(deleted), 200


def list_deliveries(
    token_info: dict[str, Any], id_: str, page: int, limit: int, status: str | None = None
) -> tuple[dict[str, Any], int]:
    caller = _admin(token_info)
    found = webhooks.list_deliveries(
        request_session(),
        caller.organization_id,
        uuid.UUID(id_),
        page=page,
        limit=limit,
        status=status,
    )
    return listed(found), 200


def send_test_event(token_info: dict[str, Any], id_: str) -> tuple[dict[str, Any], int]:
    caller = _admin(token_info)
    queued = webhooks.send_test_event(
        request_session(), caller.organization_id, uuid.UUID(id_), utcnow()
    )
    return single(queued), 200


def resend_delivery(token_info: dict[str, Any], id_: str) -> tuple[dict[str, Any], int]:
    caller = _admin(token_info)
    queued = webhooks.resend_delivery(
        request_session(), caller.organization_id, uuid.UUID(id_), utcnow()
    )
    return single(queued), 200
