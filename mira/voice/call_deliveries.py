"""A call's webhook deliveries over the API (extension): the log with every attempt, and re-send."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mira.errors import NotFound
from mira.pagination import Page, paginate
from mira.timestamps import to_wire
from mira.voice.workspaces import find_workspace
from mira.webhooks import attempts_of, due_again
from models import Call, WebhookAttempt, WebhookDelivery


def delivery_to_wire(delivery: WebhookDelivery, attempts: list[WebhookAttempt]) -> dict[str, Any]:
    return {
        "_id": delivery.object_id,
        "call": delivery.call_id,
        "event": delivery.event,
        "url": delivery.url,
        "status": delivery.status,
        "body": delivery.payload,
        "attempts": [
            {
                "number": attempt.number,
                "attemptedAt": to_wire(attempt.attempted_at),
                "statusCode": attempt.status_code,
                "error": attempt.error,
                "durationMs": attempt.duration_ms,
            }
            for attempt in attempts
        ],
        "nextAttemptAt": to_wire(delivery.next_attempt_at),
        "deliveredAt": to_wire(delivery.delivered_at),
        "createdAt": to_wire(delivery.created_at),
    }


def list_call_deliveries(
    session: Session,
    organization_id: uuid.UUID,
    workspace_id: str,
    call_id: str,
    *,
    page: int,
    limit: int,
    status: str | None = None,
) -> Page:
    """The call's deliveries in the order its events were emitted."""
    workspace = find_workspace(session, organization_id, workspace_id)
    call = session.scalar(
        select(Call.id).where(Call.id == call_id.lower(), Call.workspace_id == workspace.id)
    )
    if call is None:
        raise NotFound("Call not found")
    query = select(WebhookDelivery).where(WebhookDelivery.call_id == call)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    found = paginate(session, query.order_by(WebhookDelivery.sequence), page, limit, lambda d: d)
    attempts = attempts_of(session, list(found.items))
    items = [delivery_to_wire(d, attempts[d.id]) for d in found.items]
    return Page(items, found.page, found.limit, found.total)


def resend_call_delivery(
    session: Session,
    organization_id: uuid.UUID,
    workspace_id: str,
    delivery_id: str,
    now: datetime,
) -> dict[str, Any]:
    """Due again now, whatever its status: same webhook-id and body, fresh signatures."""
    workspace = find_workspace(session, organization_id, workspace_id)
    delivery = session.scalar(
        select(WebhookDelivery)
        .join(Call, Call.id == WebhookDelivery.call_id)
        .where(WebhookDelivery.object_id == delivery_id.lower(), Call.workspace_id == workspace.id)
    )
    if delivery is None:
        raise NotFound("Delivery not found")
    due_again(delivery, now)
    session.flush()
    return delivery_to_wire(delivery, attempts_of(session, [delivery])[delivery.id])
