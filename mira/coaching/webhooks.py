"""Webhook subscriptions over the API: subscribe, unsubscribe, the delivery log, re-send, test."""

from __future__ import annotations

import base64
import secrets
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mira.errors import BadRequest, Conflict, NotFound
from mira.pagination import Page, paginate
from mira.timestamps import to_wire
from mira.webhooks import UnsafeReceiver, attempts_of, check_receiver_url, due_again
from models import WebhookAttempt, WebhookDelivery, WebhookSubscription


def subscription_to_wire(subscription: WebhookSubscription) -> dict[str, Any]:
    return {
        "id": str(subscription.id),
        "url": subscription.url,
        "events": subscription.events,
        "secret": subscription.secret,
        "description": subscription.description,
        "created_at": to_wire(subscription.created_at),
    }


def _attempt_to_wire(attempt: WebhookAttempt) -> dict[str, Any]:
    return {
        "number": attempt.number,
        "attempted_at": to_wire(attempt.attempted_at),
        "status_code": attempt.status_code,
        "error": attempt.error,
        "duration_ms": attempt.duration_ms,
    }


def delivery_to_wire(delivery: WebhookDelivery, attempts: list[WebhookAttempt]) -> dict[str, Any]:
    return {
        "id": str(delivery.id),
        "subscription_id": str(delivery.subscription_id),
        "event": delivery.event,
        "payload": delivery.payload,
        "status": delivery.status,
        "attempts": [_attempt_to_wire(a) for a in sorted(attempts, key=lambda a: a.number)],
        "next_attempt_at": to_wire(delivery.next_attempt_at),
        "delivered_at": to_wire(delivery.delivered_at),
        "created_at": to_wire(delivery.created_at),
    }


def list_subscriptions(
    session: Session, organization_id: uuid.UUID, *, page: int, limit: int
) -> Page:
    query = (
        select(WebhookSubscription)
        .where(
            WebhookSubscription.organization_id == organization_id,
            WebhookSubscription.deleted_at.is_(None),
        )
        .order_by(WebhookSubscription.created_at.desc(), WebhookSubscription.id.desc())
    )
    return paginate(session, query, page, limit, subscription_to_wire)


def create_subscription(
    session: Session,
    organization_id: uuid.UUID,
    fields: dict[str, Any],
    allow_private: bool,
    now: datetime,
) -> dict[str, Any]:
    try:
        check_receiver_url(fields["url"], allow_private)
    except UnsafeReceiver as exc:
        raise BadRequest(f"body field 'url': {exc}") from None
    subscription = WebhookSubscription(
        organization_id=organization_id,
        url=fields["url"],
        events=fields["events"],
        description=fields.get("description"),
        secret="whsec_" + base64.b64encode(secrets.token_bytes(24)).decode(),
        created_at=now,
    )
    session.add(subscription)
    session.flush()
    return subscription_to_wire(subscription)


def find_subscription(
    session: Session, organization_id: uuid.UUID, subscription_id: uuid.UUID
) -> WebhookSubscription:
    subscription = session.scalar(
        select(WebhookSubscription).where(
            WebhookSubscription.id == subscription_id,
            WebhookSubscription.organization_id == organization_id,
            WebhookSubscription.deleted_at.is_(None),
        )
    )
    if subscription is None:
        raise NotFound("Webhook subscription not found")
    return subscription


def get_subscription(
    session: Session, organization_id: uuid.UUID, subscription_id: uuid.UUID
) -> dict[str, Any]:
    return subscription_to_wire(find_subscription(session, organization_id, subscription_id))


def delete_subscription(
    session: Session, organization_id: uuid.UUID, subscription_id: uuid.UUID, now: datetime
) -> dict[str, Any]:
    subscription = find_subscription(session, organization_id, subscription_id)
    subscription.deleted_at = now
    session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.subscription_id == subscription.id,
            WebhookDelivery.status == "pending",
        )
        .values(status="failed", next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )
    return {"id": str(subscription.id), "deleted": True}


def list_deliveries(
    session: Session,
    organization_id: uuid.UUID,
    subscription_id: uuid.UUID,
    *,
    page: int,
    limit: int,
    status: str | None = None,
) -> Page:
    subscription = find_subscription(session, organization_id, subscription_id)
    query = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription.id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    query = query.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
    found = paginate(session, query, page, limit, lambda delivery: delivery)
    attempts = attempts_of(session, list(found.items))
    items = [delivery_to_wire(d, attempts[d.id]) for d in found.items]
    return Page(items, found.page, found.limit, found.total)


def send_test_event(
    session: Session, organization_id: uuid.UUID, subscription_id: uuid.UUID, now: datetime
) -> dict[str, Any]:
    subscription = find_subscription(session, organization_id, subscription_id)
    delivery = WebhookDelivery(
        organization_id=organization_id,
        subscription_id=subscription.id,
        event="webhook.test",
        payload={
            "event": "webhook.test",
            "data": {"subscription_id": str(subscription.id)},
            "timestamp": to_wire(now),
        },
        next_attempt_at=now,
        created_at=now,
    )
    session.add(delivery)
    session.flush()
    return delivery_to_wire(delivery, [])


def resend_delivery(
    session: Session, organization_id: uuid.UUID, delivery_id: uuid.UUID, now: datetime
) -> dict[str, Any]:
    delivery = session.scalar(
        select(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.organization_id == organization_id,
            WebhookDelivery.subscription_id.is_not(None),
        )
    )
    if delivery is None:
        raise NotFound("Webhook delivery not found")
    subscription = session.get_one(WebhookSubscription, delivery.subscription_id)
    if subscription.deleted_at is not None:
        raise Conflict("The delivery's subscription was deleted")
    due_again(delivery, now)
    session.flush()
    return delivery_to_wire(delivery, attempts_of(session, [delivery])[delivery.id])
