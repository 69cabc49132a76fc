"""Outgoing webhooks: an outbox written with the change, delivered by the worker, signed, retried.

`emit_event` adds one delivery row per subscribed receiver inside the caller's transaction, so an
event exists if and only if its change was committed; the voice API adds a call's deliveries the
same way (mira.voice.call_events). `deliver_due` claims due rows under a lease, POSTs them signed
with the Standard Webhooks scheme (a call's also with the reference's `x-signature`), records
every attempt, and reschedules failures with exponential backoff and jitter until the retry
horizon is spent. A call's deliveries go out in order: one waits while an earlier one is pending.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import random
import socket
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx
import orjson
from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker
from standardwebhooks.webhooks import Webhook

from mira.db import claimable
from mira.timestamps import to_wire
from mira.voice.keys import signing_keys
from models import WebhookAttempt, WebhookDelivery, WebhookSubscription

LEASE = timedelta(seconds=60)


class UnsafeReceiver(ValueError):
    pass


class Unsignable(ValueError):
    pass


def check_receiver_url(url: str, allow_private: bool) -> None:
    """https only, and never this machine or a private network, unless the operator allows it.

    A host name's addresses are checked when a delivery connects (`delivery_client`), so that a
    name that later points inside the network is still refused.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UnsafeReceiver("must be an absolute https URL")
    if allow_private:
        return
    if parts.scheme != "https":
        raise UnsafeReceiver("must use https")
    host = parts.hostname.rstrip(".")
    # Numeric hosts are read the way the resolver reads them, so that 127.1 or 2130706433 is seen
    # to be 127.0.0.1.
    try:
        addresses = _addresses(host, parts.port or 443, socket.AI_NUMERICHOST)
    except socket.gaierror:
        addresses = []  # a name: checked when a delivery connects to it
    _refuse_inside(host, addresses)


def _addresses(host: str, port: int, flags: int = 0) -> list[str]:
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=flags)
    return [str(info[4][0]) for info in found]


def _refuse_inside(host: str, addresses: list[str]) -> None:
    for address in [host, *addresses]:
        if address == "localhost" or address.endswith(".localhost"):
            raise UnsafeReceiver("must not point at this machine")
        try:
            ip = ipaddress.ip_address(address.split("%")[0])
        except ValueError:
            continue
        if not ip.is_global:
            raise UnsafeReceiver(f"must not point at a private or loopback address ({ip})")


class _CheckedBackend(httpcore.SyncBackend):
    """Resolves a receiver's name once and connects to an address it checked.

    Checking one answer and letting the connection resolve again would let a name with a zero
    TTL pass the check and then connect inside (DNS rebinding). The URL keeps its host name, so
    the Host header, the TLS server name and the certificate check are the name's, and a pooled
    connection serves only that name.
    """

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = _addresses(host, port)
        except socket.gaierror as exc:
            raise UnsafeReceiver(f"cannot resolve {host}: {exc}") from None
        _refuse_inside(host, addresses)
        failure: Exception = httpcore.ConnectError(f"no address of {host} answered")
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure


def delivery_client(timeout: float, allow_private: bool) -> httpx.Client:
    """The worker's client: unless private receivers are allowed, it connects only to checked
    addresses (and so through no proxy from the environment, which would resolve names itself)."""
    if allow_private:
        return httpx.Client(timeout=timeout)
    transport = httpx.HTTPTransport()
    # httpx takes no network backend, so its pool is rebuilt with one (and httpx's default limits).
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        max_connections=100,
        max_keepalive_connections=20,
        keepalive_expiry=5.0,
        network_backend=_CheckedBackend(),
    )
    return httpx.Client(transport=transport, timeout=timeout)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_seconds: float = 5.0
    cap_seconds: float = 3600.0
    allow_private: bool = False

    def delay(self, attempts: int, rng: random.Random) -> timedelta:
        """Exponential backoff with full jitter: uniform in [base·2ⁿ/2, base·2ⁿ], capped."""
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** (attempts - 1))
        return timedelta(seconds=rng.uniform(ceiling / 2, ceiling))


def emit_event(
    session: Session, organization_id: uuid.UUID, event: str, data: dict[str, Any], now: datetime
) -> list[WebhookDelivery]:
    subscriptions = session.scalars(
        select(WebhookSubscription).where(
            WebhookSubscription.organization_id == organization_id,
            WebhookSubscription.deleted_at.is_(None),
        )
    ).all()
    body = {"event": event, "data": data, "timestamp": to_wire(now)}
    deliveries = [
        WebhookDelivery(
            organization_id=organization_id,
            subscription_id=subscription.id,
            event=event,
            payload=body,
            next_attempt_at=now,
            created_at=now,
        )
        for subscription in subscriptions
        if event in subscription.events
    ]
    session.add_all(deliveries)
    return deliveries


def attempts_of(
    session: Session, deliveries: list[WebhookDelivery]
) -> dict[uuid.UUID, list[WebhookAttempt]]:
    """Every attempt of a page of deliveries, in order, in one query."""
    found: dict[uuid.UUID, list[WebhookAttempt]] = {d.id: [] for d in deliveries}
    if deliveries:
        query = select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(list(found)))
        for attempt in session.scalars(query.order_by(WebhookAttempt.number)):
            found[attempt.delivery_id].append(attempt)
    return found


def due_again(delivery: WebhookDelivery, now: datetime) -> None:
    """A re-send: pending and due now, whatever became of it; its attempts so far stay recorded."""
    delivery.status, delivery.next_attempt_at, delivery.lease_expires_at = "pending", now, None


def claim_due_deliveries(session: Session, now: datetime, limit: int) -> list[uuid.UUID]:
    """Lease due deliveries to this worker; another worker skips rows already locked.

    A call's delivery is not due while an earlier one of the same call is pending.
    """
    earlier = aliased(WebhookDelivery)
    waiting = exists().where(
        earlier.call_id == WebhookDelivery.call_id,
        earlier.sequence < WebhookDelivery.sequence,
        earlier.status == "pending",
    )
    due = (
        select(WebhookDelivery.id)
        .where(
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= now,
            or_(WebhookDelivery.lease_expires_at.is_(None), WebhookDelivery.lease_expires_at < now),
            ~waiting,
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.created_at)
        .limit(limit)
    )
    ids = list(session.scalars(claimable(session, due)))
    if ids:
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_(ids))
            .values(lease_expires_at=now + LEASE)
        )
    return ids


def sign(secret: str, delivery_id: str, moment: datetime, body: str) -> dict[str, str]:
    return {
        "webhook-id": delivery_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": Webhook(secret).sign(delivery_id, moment, body),
        "content-type": "application/json",
        "user-agent": "mira-webhooks/1",
    }


def standard_webhooks_secret(private_key: str) -> str:
    """A call's Standard Webhooks secret: the `sk_` key's own bytes, as `whsec_` + base64."""
    return "whsec_" + base64.b64encode(private_key.encode()).decode()


def sign_for_call(
    public_key: str, private_key: str, delivery_id: str, moment: datetime, body: str
) -> dict[str, str]:
    """The reference's headers (§8.2, decision 41), then the Standard Webhooks ones."""
    signature = hmac.new(private_key.encode(), body.encode(), hashlib.sha256).hexdigest()
    return {
        "x-signature": signature,
        "x-public-key": public_key,
        **sign(standard_webhooks_secret(private_key), delivery_id, moment, body),
    }


def _request(
    session: Session, delivery: WebhookDelivery, secret_key: str, now: datetime, body: str
) -> tuple[str, dict[str, str]]:
    """Where one attempt goes and its headers: a subscription's, or a call's callbackUrl."""
    if delivery.subscription_id is not None:
        subscription = session.get_one(WebhookSubscription, delivery.subscription_id)
        return subscription.url, sign(subscription.secret, str(delivery.id), now, body)
    assert delivery.url is not None and delivery.object_id is not None
    keys = signing_keys(session, delivery.organization_id, secret_key)
    if keys is None:
        raise Unsignable("the organization has no live key pair to sign with")
    return delivery.url, sign_for_call(*keys, delivery.object_id, now, body)


def attempt_delivery(
    session: Session,
    delivery_id: uuid.UUID,
    client: httpx.Client,
    now: datetime,
    policy: RetryPolicy,
    rng: random.Random,
    secret_key: str,
) -> WebhookDelivery:
    """POST one delivery and record the attempt and the outcome in the caller's transaction.

    `secret_key` decrypts the organization's `sk_` key, which signs a call's deliveries.
    """
    delivery = session.get_one(WebhookDelivery, delivery_id)
    body = orjson.dumps(delivery.payload).decode()
    started = time.monotonic()
    status_code: int | None = None
    error: str | None = None
    try:
        url, headers = _request(session, delivery, secret_key, now, body)
        check_receiver_url(url, policy.allow_private)
        response = client.post(url, content=body, headers=headers)
        status_code = response.status_code
        if not response.is_success:
            error = f"receiver answered {status_code}"
    except (UnsafeReceiver, Unsignable) as exc:
        error = f"refused: {exc}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    delivery.attempts += 1
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            number=delivery.attempts,
            attempted_at=now,
            status_code=status_code,
            error=error,
            duration_ms=round((time.monotonic() - started) * 1000),
        )
    )
    delivery.lease_expires_at = None
    if error is None:
        delivery.status, delivery.delivered_at = "delivered", now
    elif delivery.attempts >= policy.max_attempts:
        delivery.status, delivery.next_attempt_at = "failed", None
    else:
        delivery.next_attempt_at = now + policy.delay(delivery.attempts, rng)
    return delivery


def deliver_due(
    sessions: sessionmaker[Session],
    client: httpx.Client,
    now: datetime,
    policy: RetryPolicy,
    rng: random.Random,
    secret_key: str,
    limit: int = 50,
) -> int:
    """Deliver what is due; each delivery commits on its own, so one slow receiver loses nothing."""
    with sessions.begin() as session:
        ids = claim_due_deliveries(session, now, limit)
    for delivery_id in ids:
        with sessions.begin() as session:
            attempt_delivery(session, delivery_id, client, now, policy, rng, secret_key)
    return len(ids)
