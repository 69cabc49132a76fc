"""Outgoing webhooks to a real receiver on 127.0.0.1: signed, retried, logged, re-sent."""

from __future__ import annotations

import random
import socket
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpcore
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from starlette.testclient import TestClient

from mira.runtime import Runtime
from mira.timestamps import parse_timestamp
from mira.webhooks import (
    RetryPolicy,
    UnsafeReceiver,
    check_receiver_url,
    deliver_due,
    delivery_client,
    emit_event,
)
from models import WebhookSubscription
from models.base import utcnow
from tests.factories import SEGMENTS, Tenant
from tests.receivers import (
    Receiver,
    loopback_client,
    loopback_worker,
    replies,
    run_until,
    settle_queue,
)

POLICY = RetryPolicy(max_attempts=8, base_seconds=0.05, allow_private=True)


@pytest.fixture
def settled(runtime: Runtime) -> None:
    """Nothing left due by other tests: what the worker delivers is this test's."""
    settle_queue(runtime)


def subscribe(
    client: TestClient, tenant: Tenant, receiver: Receiver, events: list[str]
) -> tuple[dict[str, Any], str]:
    """A subscription over the API to a path of its own, and that path."""
    path = f"/hooks/{uuid.uuid4()}"
    body = {"url": receiver.url + path, "events": events}
    response = client.post("/api/v1/webhooks/subscriptions", json=body, headers=tenant.headers)
    assert response.status_code == 200, response.text
    return response.json()["data"], path


def queue_test_event(client: TestClient, tenant: Tenant, subscription: dict[str, Any]) -> str:
    url = f"/api/v1/webhooks/subscriptions/{subscription['id']}/test"
    response = client.post(url, headers=tenant.headers)
    assert response.status_code == 200, response.text
    queued = response.json()["data"]
    assert queued["status"] == "pending" and queued["attempts"] == []
    return str(queued["id"])


def deliveries(
    client: TestClient, tenant: Tenant, subscription: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    url = f"/api/v1/webhooks/subscriptions/{subscription['id']}/deliveries?limit=100"
    response = client.get(url, headers=tenant.headers)
    assert response.status_code == 200, response.text
    return {d["id"]: d for d in response.json()["data"]}


def deliver(runtime: Runtime, now: datetime, policy: RetryPolicy = POLICY) -> None:
    with loopback_client() as http:
        deliver_due(
            runtime.sessions, http, now, policy, random.Random(1), runtime.settings.secret_key, 1000
        )


@pytest.mark.usefixtures("settled")
def test_worker_delivers_signed_events_a_receiver_can_verify(
    client: TestClient, runtime: Runtime, tenant: Tenant
) -> None:
    tenant.template()
    with Receiver() as receiver:
        events = ["meeting.transcript_ready", "report.completed"]
        subscription, path = subscribe(client, tenant, receiver, events)
        meeting = {
            "user_id": str(tenant.users[0]),
            "title": "Acme",
            "call_type": "discovery",
            "started_at": "2026-11-02T15:00:00Z",
            "prospect": {"name": "Pat"},
            "transcript": SEGMENTS,
        }
        created = client.post("/api/v1/meetings", json=meeting, headers=tenant.headers)
        meeting_id = created.json()["data"]["id"]
        run_until(loopback_worker(runtime).run_once, lambda: len(receiver.at(path)) >= 2, 20)
        received = receiver.at(path)

    verifier = Webhook(subscription["secret"])
    bodies = [verifier.verify(r.body, r.headers) for r in received]
    assert [b["event"] for b in bodies] == events
    assert all(set(b) == {"event", "data", "timestamp"} for b in bodies)
    assert bodies[0]["data"] == {"meeting_id": meeting_id, "user_id": str(tenant.users[0])}
    reports = client.get(f"/api/v1/meetings/{meeting_id}/report", headers=tenant.headers)
    assert bodies[1]["data"]["report_id"] == reports.json()["data"][0]["id"]
    assert all(r.headers["content-type"] == "application/json" for r in received)

    log = deliveries(client, tenant, subscription)
    ids = [r.headers["webhook-id"] for r in received]
    assert sorted(ids) == sorted(log) and len(set(ids)) == 2
    for delivery in log.values():
        assert delivery["status"] == "delivered"
        assert [(a["number"], a["status_code"]) for a in delivery["attempts"]] == [(1, 200)]

    # A changed body, another secret or another event id is refused.
    first = received[0]
    with pytest.raises(WebhookVerificationError):
        verifier.verify(
            first.body.replace(b"transcript_ready", b"transcript_ready "), first.headers
        )
    other_secret = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"
    with pytest.raises(WebhookVerificationError):
        Webhook(other_secret).verify(first.body, first.headers)
    with pytest.raises(WebhookVerificationError):
        verifier.verify(first.body, {**first.headers, "webhook-id": str(uuid.uuid4())})


@pytest.mark.usefixtures("settled")
def test_a_failed_delivery_is_retried_logged_and_can_be_resent(
    client: TestClient, runtime: Runtime, tenant: Tenant
) -> None:
    with Receiver(replies(500)) as receiver:
        subscription, path = subscribe(client, tenant, receiver, ["report.completed"])
        delivery_id = queue_test_event(client, tenant, subscription)
        t0 = utcnow()
        deliver(runtime, t0)
        assert [r.headers["webhook-id"] for r in receiver.at(path)] == [delivery_id]
        pending = deliveries(client, tenant, subscription)[delivery_id]
        assert pending["status"] == "pending" and pending["delivered_at"] is None
        assert [(a["status_code"], a["error"]) for a in pending["attempts"]] == [
            (500, "receiver answered 500")
        ]
        retry_at = parse_timestamp(pending["next_attempt_at"], "next_attempt_at")
        assert retry_at is not None
        # Backoff with full jitter: within [base/2, base] after the first failure.
        assert t0 + timedelta(seconds=0.025) <= retry_at <= t0 + timedelta(seconds=0.05)

        deliver(runtime, t0)  # not due yet
        assert len(receiver.at(path)) == 1
        deliver(runtime, t0 + timedelta(seconds=1))
        delivered = deliveries(client, tenant, subscription)[delivery_id]
        assert delivered["status"] == "delivered" and delivered["next_attempt_at"] is not None
        assert delivered["delivered_at"] is not None
        assert [(a["number"], a["status_code"], a["error"]) for a in delivered["attempts"]] == [
            (1, 500, "receiver answered 500"),
            (2, 200, None),
        ]
        deliver(runtime, t0 + timedelta(seconds=2))  # delivered means done
        assert len(receiver.at(path)) == 2

        url = f"/api/v1/webhooks/deliveries/{delivery_id}/resend"
        resent = client.post(url, headers=tenant.headers)
        assert resent.status_code == 200, resent.text
        assert resent.json()["data"]["status"] == "pending"
        assert len(resent.json()["data"]["attempts"]) == 2
        deliver(runtime, utcnow() + timedelta(seconds=1))
        again = deliveries(client, tenant, subscription)[delivery_id]
        assert again["status"] == "delivered" and len(again["attempts"]) == 3

        second_event = queue_test_event(client, tenant, subscription)
        deliver(runtime, utcnow() + timedelta(seconds=1))
        received = receiver.at(path)

    # Every attempt of one event carries its id, so receivers de-duplicate; events differ.
    assert [r.headers["webhook-id"] for r in received] == [delivery_id] * 3 + [second_event]
    verifier = Webhook(subscription["secret"])
    assert {verifier.verify(r.body, r.headers)["event"] for r in received} == {"webhook.test"}


@pytest.mark.usefixtures("settled")
def test_a_delivery_that_keeps_failing_ends_failed(
    client: TestClient, runtime: Runtime, tenant: Tenant
) -> None:
    policy = RetryPolicy(max_attempts=3, base_seconds=0.05, allow_private=True)
    with Receiver(replies(503, 503, 503, 503)) as receiver:
        subscription, path = subscribe(client, tenant, receiver, ["report.completed"])
        delivery_id = queue_test_event(client, tenant, subscription)
        t0 = utcnow()
        for second in range(5):
            deliver(runtime, t0 + timedelta(seconds=second), policy)
        assert len(receiver.at(path)) == 3
    failed = deliveries(client, tenant, subscription)[delivery_id]
    assert failed["status"] == "failed" and failed["next_attempt_at"] is None
    assert [a["status_code"] for a in failed["attempts"]] == [503, 503, 503]


@pytest.mark.usefixtures("settled")
def test_unreachable_and_refused_receivers_are_recorded(
    client: TestClient, runtime: Runtime, tenant: Tenant
) -> None:
    with Receiver() as receiver:
        subscription, path = subscribe(client, tenant, receiver, ["report.completed"])
        refused = queue_test_event(client, tenant, subscription)
        # At delivery time too, a receiver on this machine is refused unless allowed.
        deliver(runtime, utcnow(), RetryPolicy(base_seconds=0.05, allow_private=False))
        assert receiver.at(path) == []
    (attempt,) = deliveries(client, tenant, subscription)[refused]["attempts"]
    assert attempt["status_code"] is None
    assert attempt["error"] == "refused: must use https"

    body = {"url": "http://127.0.0.1:9/nobody", "events": ["report.completed"]}
    response = client.post("/api/v1/webhooks/subscriptions", json=body, headers=tenant.headers)
    closed = response.json()["data"]
    unreachable = queue_test_event(client, tenant, closed)
    deliver(runtime, utcnow())
    (attempt,) = deliveries(client, tenant, closed)[unreachable]["attempts"]
    assert attempt["status_code"] is None and attempt["error"].startswith("ConnectError")


def test_emit_event_writes_one_row_per_live_matching_subscription(
    runtime: Runtime, tenant: Tenant, other_tenant: Tenant
) -> None:
    def subscription(owner: Tenant, events: list[str], **fields: Any) -> WebhookSubscription:
        row = WebhookSubscription(
            organization_id=owner.organization_id,
            url="https://hooks.example.com/mira",
            events=events,
            secret="whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldY",
            **fields,
        )
        owner.add(row)
        return row

    wanted = subscription(tenant, ["report.completed", "meeting.failed"])
    subscription(tenant, ["meeting.failed"])
    subscription(tenant, ["report.completed"], deleted_at=utcnow())
    subscription(other_tenant, ["report.completed"])
    now = utcnow()
    with runtime.sessions() as session:  # closed unflushed: nothing is left to deliver
        rows = emit_event(session, tenant.organization_id, "report.completed", {"x": 1}, now)
    assert [r.subscription_id for r in rows] == [wanted.id]
    (row,) = rows
    assert (row.event, row.next_attempt_at) == ("report.completed", now)
    assert set(row.payload) == {"event", "data", "timestamp"}
    assert (row.payload["event"], row.payload["data"]) == ("report.completed", {"x": 1})
    assert parse_timestamp(row.payload["timestamp"], "timestamp") == now


LOOPBACK_OR_PRIVATE = [
    "https://127.0.0.1/hook",
    "https://127.0.0.1:8443/hook",
    "https://10.1.2.3/hook",
    "https://192.168.0.7/hook",
    "https://172.16.5.4/hook",
    "https://169.254.169.254/latest/meta-data",
    "https://[::1]/hook",
    "https://[fe80::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://0.0.0.0/hook",
    "https://localhost/hook",
]


@pytest.mark.parametrize("url", LOOPBACK_OR_PRIVATE)
def test_private_and_loopback_receivers_are_refused(url: str) -> None:
    with pytest.raises(UnsafeReceiver, match="this machine|private or loopback"):
        check_receiver_url(url, allow_private=False)
    check_receiver_url(url, allow_private=True)


def test_localhost_names_are_refused_without_resolving() -> None:
    with pytest.raises(UnsafeReceiver, match="this machine"):
        check_receiver_url("https://api.localhost/hook", allow_private=False)


@pytest.mark.parametrize(
    "url",
    [
        *LOOPBACK_OR_PRIVATE,
        "https://localhost:8443/hook",
        "https://127.1/hook",
        "https://2130706433/hook",
    ],
)
def test_addresses_inside_are_refused_when_a_delivery_connects(url: str) -> None:
    with delivery_client(1.0, allow_private=False) as http:
        with pytest.raises(UnsafeReceiver, match="this machine|private or loopback address"):
            http.post(url)


PUBLIC = "93.184.215.14"


@pytest.fixture
def rebinding_dns(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """`rebind.example` answers a public address once, then 127.0.0.1 (a zero TTL); connecting to
    the public address is recorded and refused, so that no test reaches the internet."""
    resolve, connect = socket.getaddrinfo, httpcore.SyncBackend.connect_tcp
    answers, connected = [PUBLIC], []

    def getaddrinfo(host: str, port: Any, *args: Any, flags: int = 0, **kwargs: Any) -> Any:
        if host == "rebind.example" and not flags & socket.AI_NUMERICHOST:
            host = answers.pop() if answers else "127.0.0.1"
        return resolve(host, port, *args, flags=flags, **kwargs)

    def connect_tcp(backend: httpcore.SyncBackend, host: str, *args: Any, **kwargs: Any) -> Any:
        if host == PUBLIC:
            connected.append(host)
            raise httpcore.ConnectError("the tests reach no public address")
        return connect(backend, host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", connect_tcp)
    return connected


@pytest.mark.usefixtures("settled")
def test_a_delivery_connects_to_the_address_it_checked_not_a_rebound_one(
    client: TestClient, runtime: Runtime, tenant: Tenant, rebinding_dns: list[str]
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as inside:
        inside.settimeout(0.2)
        url = f"https://rebind.example:{inside.getsockname()[1]}/hook"
        body = {"url": url, "events": ["report.completed"]}
        response = client.post("/api/v1/webhooks/subscriptions", json=body, headers=tenant.headers)
        subscription = response.json()["data"]
        delivery_id = queue_test_event(client, tenant, subscription)
        policy = RetryPolicy(base_seconds=0.05, allow_private=False)
        with delivery_client(1.0, policy.allow_private) as http:
            deliver_due(runtime.sessions, http, utcnow(), policy, random.Random(1), "unused", 1000)
        with pytest.raises(TimeoutError):
            inside.accept()  # nothing connected to 127.0.0.1
    assert rebinding_dns == [PUBLIC]
    (attempt,) = deliveries(client, tenant, subscription)[delivery_id]["attempts"]
    assert attempt["error"].startswith("ConnectError")


def test_a_checked_delivery_keeps_the_receivers_host_name(
    monkeypatch: pytest.MonkeyPatch, rebinding_dns: list[str]
) -> None:
    """The name is resolved to a checked address, but the request still names the host."""
    connect = httpcore.SyncBackend.connect_tcp
    # The public address leads to this machine's receiver, as a route would.
    monkeypatch.setattr(
        httpcore.SyncBackend,
        "connect_tcp",
        lambda backend, host, *args, **kwargs: connect(backend, "127.0.0.1", *args, **kwargs),
    )
    with Receiver() as receiver, delivery_client(1.0, allow_private=False) as http:
        port = receiver.url.rsplit(":", 1)[1]
        assert http.post(f"http://rebind.example:{port}/hook", content=b"{}").status_code == 200
    (received,) = receiver.received
    assert received.headers["host"] == f"rebind.example:{port}"


@pytest.mark.usefixtures("settled")
def test_a_delivery_to_an_allowed_private_receiver_names_its_host(
    client: TestClient, runtime: Runtime, tenant: Tenant
) -> None:
    with Receiver() as receiver:
        subscription, path = subscribe(client, tenant, receiver, ["report.completed"])
        queue_test_event(client, tenant, subscription)
        with delivery_client(1.0, allow_private=True) as http:
            deliver_due(runtime.sessions, http, utcnow(), POLICY, random.Random(1), "unused", 1000)
        (received,) = receiver.at(path)
    assert received.headers["host"] == receiver.url.removeprefix("http://")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://93.184.215.14/hook", "must use https"),
        ("ftp://example.com/hook", "absolute https URL"),
        ("https:///hook", "absolute https URL"),
        ("hooks.example.com/mira", "absolute https URL"),
    ],
)
def test_only_absolute_https_urls(url: str, message: str) -> None:
    with pytest.raises(UnsafeReceiver, match=message):
        check_receiver_url(url, allow_private=False)


def test_public_receivers_pass() -> None:
    check_receiver_url("https://93.184.215.14/hook", allow_private=False)
    check_receiver_url("https://hooks.example.com/mira", allow_private=False)
    check_receiver_url("http://127.0.0.1:8080/hook", allow_private=True)


def test_retry_delays_grow_exponentially_with_full_jitter_and_a_cap() -> None:
    policy = RetryPolicy(base_seconds=5, cap_seconds=60)
    rng = random.Random(42)
    for attempts, ceiling in [(1, 5), (2, 10), (3, 20), (4, 40), (5, 60), (9, 60)]:
        delays = [policy.delay(attempts, rng).total_seconds() for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert max(delays) - min(delays) > ceiling / 4  # jittered, not fixed
