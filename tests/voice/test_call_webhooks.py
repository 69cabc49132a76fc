"""A call's events at its callbackUrl: a real receiver on 127.0.0.1, both signatures, in order."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from starlette.testclient import TestClient

from mira.runtime import Runtime
from mira.webhooks import RetryPolicy, deliver_due
from models import VoiceKeyPair, WebhookAttempt, WebhookDelivery
from models.base import utcnow
from tests.receivers import (
    Receiver,
    loopback_client,
    loopback_worker,
    replies,
    run_until,
    settle_queue,
)
from tests.voice.calling import CUSTOM_REQUEST, Shop, add_workspace, open_shop, request_for

INVALID_NUMBER = "+15550100123"


@pytest.fixture
def shop(client: TestClient, runtime: Runtime) -> Shop:
    settle_queue(runtime)  # what the worker delivers is this test's
    return open_shop(client, runtime)


def deliveries(shop: Shop, call_id: str, query: str = "") -> list[dict[str, Any]]:
    response = shop.client.get(f"/v2/call/deliveries/{call_id}{query}", headers=shop.headers)
    assert response.status_code == 200, response.text
    assert response.json()["message"] == "Deliveries fetched successfully"
    found: list[dict[str, Any]] = response.json()["data"]
    return found


def verify(shop: Shop, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    """What a receiver written to the reference checks, then what a Standard Webhooks one does."""
    private_key = shop.tenant.headers["x-private-key"]
    expected = hmac.new(private_key.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-signature"], expected)
    assert headers["x-public-key"] == shop.tenant.headers["x-public-key"]
    secret = "whsec_" + base64.b64encode(private_key.encode()).decode()
    verified: dict[str, Any] = Webhook(secret).verify(body, headers)
    return verified


def test_events_reach_the_callback_signed_as_the_reference_and_standard_webhooks_say(
    runtime: Runtime, shop: Shop
) -> None:
    with Receiver() as receiver:
        path = f"/hooks/{uuid.uuid4()}"
        body = request_for(
            CUSTOM_REQUEST,
            shop.assistant(),
            phoneNumber=INVALID_NUMBER,
            callbackUrl=receiver.url + path,
        )
        call_id = shop.initiate(body)["callId"]
        queued = deliveries(shop, call_id)
        assert [(d["event"], d["status"], d["attempts"]) for d in queued] == [
            ("call.validation-failed", "pending", []),
            ("call.lifecycle-ended", "pending", []),
        ]
        run_until(loopback_worker(runtime).run_once, lambda: len(receiver.at(path)) >= 2)
        received = receiver.at(path)

    events = [verify(shop, r.body, r.headers) for r in received]
    assert [e["event"]["type"] for e in events] == [d["event"] for d in queued]
    assert [r.headers["webhook-id"] for r in received] == [d["_id"] for d in queued]
    assert events == [d["body"] for d in queued]
    assert all(e["metadata"] == CUSTOM_REQUEST["metadata"] for e in events)
    recorded = shop.call(call_id)["events"]
    assert [e["event"]["data"] for e in events] == [e["data"] for e in recorded]
    assert events[0]["event"]["data"]["call"]["validationErrors"] == [
        f"phoneNumber: {INVALID_NUMBER} is not a valid number in any numbering plan"
    ]
    assert all(r.headers["content-type"] == "application/json" for r in received)
    for delivery in deliveries(shop, call_id):
        assert delivery["status"] == "delivered" and delivery["deliveredAt"] is not None
        assert [(a["number"], a["statusCode"]) for a in delivery["attempts"]] == [(1, 200)]

    # A changed body, another key or another event id fails verification.
    first = received[0]
    tampered = first.body.replace(b"validation-failed", b"completed")
    with pytest.raises(AssertionError):
        verify(shop, tampered, first.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + base64.b64encode(b"sk_" + b"0" * 64).decode()).verify(
            first.body, first.headers
        )
    with pytest.raises(WebhookVerificationError):
        verify(shop, first.body, first.headers | {"webhook-id": "6690a1b2c3d4e5f600000002"})


def test_a_resend_goes_again_with_the_same_id_and_a_fresh_signature(
    runtime: Runtime, shop: Shop
) -> None:
    with Receiver() as receiver:
        path = f"/hooks/{uuid.uuid4()}"
        body = request_for(
            CUSTOM_REQUEST,
            shop.assistant(),
            phoneNumber=INVALID_NUMBER,
            callbackUrl=receiver.url + path,
        )
        call_id = shop.initiate(body)["callId"]
        worker = loopback_worker(runtime)
        run_until(worker.run_once, lambda: len(receiver.at(path)) >= 2)
        first = deliveries(shop, call_id)[0]
        response = shop.client.post(
            f"/v2/call/deliveries/resend/{first['_id'].upper()}", headers=shop.headers
        )
        assert response.status_code == 200, response.text
        assert response.json()["message"] == "Delivery queued"
        assert response.json()["data"]["status"] == "pending"
        assert deliveries(shop, call_id, "?status=pending") == [response.json()["data"]]
        run_until(worker.run_once, lambda: len(receiver.at(path)) >= 3)
        again = receiver.at(path)[2]
    assert again.headers["webhook-id"] == first["_id"] and again.body == receiver.at(path)[0].body
    verify(shop, again.body, again.headers)
    resent = deliveries(shop, call_id)[0]
    assert resent["status"] == "delivered" and len(resent["attempts"]) == 2


def test_a_calls_deliveries_go_out_in_order(runtime: Runtime, shop: Shop) -> None:
    """The second event waits while the first is being retried."""
    policy = RetryPolicy(base_seconds=60, allow_private=True)

    def deliver(now: datetime) -> None:
        with loopback_client() as http:
            key = runtime.settings.secret_key
            deliver_due(runtime.sessions, http, now, policy, random.Random(1), key, 1000)

    with Receiver(replies(500)) as receiver:
        path = f"/hooks/{uuid.uuid4()}"
        body = request_for(
            CUSTOM_REQUEST,
            shop.assistant(),
            phoneNumber=INVALID_NUMBER,
            callbackUrl=receiver.url + path,
        )
        call_id = shop.initiate(body)["callId"]
        now = utcnow()
        deliver(now)
        deliver(now)  # the first is not due again yet, and the second waits for it
        assert len(receiver.at(path)) == 1
        failed, waiting = deliveries(shop, call_id)
        assert [(a["number"], a["statusCode"]) for a in failed["attempts"]] == [(1, 500)]
        assert failed["attempts"][0]["error"] == "receiver answered 500"
        assert failed["status"] == waiting["status"] == "pending" and waiting["attempts"] == []
        later = now + timedelta(hours=2)
        deliver(later)
        deliver(later)
        types = [json.loads(r.body)["event"]["type"] for r in receiver.at(path)]
    assert types == ["call.validation-failed", "call.validation-failed", "call.lifecycle-ended"]


def test_an_abort_is_delivered_with_the_calls_metadata(runtime: Runtime, shop: Shop) -> None:
    with Receiver() as receiver:
        path = f"/hooks/{uuid.uuid4()}"
        body = request_for(CUSTOM_REQUEST, shop.assistant(), callbackUrl=receiver.url + path)
        call_id = shop.initiate(body)["callId"]
        assert deliveries(shop, call_id) == []  # queued: nothing has happened yet
        aborted = shop.client.post("/v2/call/abort", json={"callId": call_id}, headers=shop.headers)
        assert aborted.status_code == 200
        run_until(loopback_worker(runtime).run_once, lambda: len(receiver.at(path)) >= 2)
        events = [verify(shop, r.body, r.headers) for r in receiver.at(path)]
    assert [e["event"]["type"] for e in events] == ["call.aborted", "call.lifecycle-ended"]
    assert events[0] == {
        "metadata": {"orderId": "ORD-12345"},
        "event": {
            "type": "call.aborted",
            "data": {
                "call": {
                    "id": call_id,
                    "status": "aborted",
                    "startedAt": None,
                    "endedAt": None,
                    "recordingUrl": None,
                },
                "report": {"reAttemptCount": 0, "rescheduledCount": 0},
            },
        },
    }


def test_a_call_without_a_callback_records_its_events_and_delivers_none(shop: Shop) -> None:
    body = {k: v for k, v in CUSTOM_REQUEST.items() if k != "callbackUrl"}
    call_id = shop.initiate(request_for(body, shop.assistant(), phoneNumber=INVALID_NUMBER))[
        "callId"
    ]
    assert len(shop.call(call_id)["events"]) == 2 and deliveries(shop, call_id) == []


def test_deliveries_are_the_workspaces_own(
    client: TestClient, runtime: Runtime, shop: Shop
) -> None:
    body = request_for(CUSTOM_REQUEST, shop.assistant(), phoneNumber=INVALID_NUMBER)
    call_id = shop.initiate(body)["callId"]
    delivery_id = deliveries(shop, call_id)[0]["_id"]
    for other in [add_workspace(client, runtime, shop.tenant), open_shop(client, runtime)]:
        response = client.post(f"/v2/call/deliveries/resend/{delivery_id}", headers=other.headers)
        assert response.status_code == 404
        assert response.json() == {"code": 404, "message": "Delivery not found"}
    unknown = client.post(f"/v2/call/deliveries/resend/{'0' * 24}", headers=shop.headers)
    assert unknown.status_code == 404
    paged = client.get(f"/v2/call/deliveries/{call_id}?limit=1&page=2", headers=shop.headers)
    assert paged.json()["meta"] == {"page": 2, "limit": 1, "total": 2, "totalPages": 2}
    assert [d["event"] for d in paged.json()["data"]] == ["call.lifecycle-ended"]


def test_an_organization_without_a_live_key_pair_cannot_sign(runtime: Runtime, shop: Shop) -> None:
    with Receiver() as receiver:
        path = f"/hooks/{uuid.uuid4()}"
        body = request_for(
            CUSTOM_REQUEST,
            shop.assistant(),
            phoneNumber=INVALID_NUMBER,
            callbackUrl=receiver.url + path,
        )
        call_id = shop.initiate(body)["callId"]
        with runtime.sessions.begin() as session:
            session.execute(
                update(VoiceKeyPair)
                .where(VoiceKeyPair.organization_id == shop.tenant.organization_id)
                .values(revoked_at=utcnow())
            )
        loopback_worker(runtime).run_once()
        assert receiver.at(path) == []
    with runtime.sessions.begin() as session:
        errors = session.scalars(
            select(WebhookAttempt.error)
            .join(WebhookDelivery, WebhookDelivery.id == WebhookAttempt.delivery_id)
            .where(WebhookDelivery.call_id == call_id)
        ).all()
    assert errors == ["refused: the organization has no live key pair to sign with"]
