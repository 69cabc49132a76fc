"""What the dialer tests share: simulator numbers, a clock of our own, webhook checks, driving the
worker until something is done."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from standardwebhooks.webhooks import Webhook

from mira.worker import Worker
from tests.receivers import Received
from tests.voice.calling import CUSTOM_REQUEST, Shop, request_for

UPDATE = "/v1/admin/assistant/update"
# The events of an answered call that completes on its first attempt, in order.
COMPLETED = [
    "call.initiate",
    "call.in-progress",
    "call.ended",
    "call.completed",
    "end-of-call",
    "call.lifecycle-ended",
]


def number(digit: int) -> str:
    """An Indian mobile number the simulator answers by its last digit."""
    return f"+91987654321{digit}"


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def verify(shop: Shop, received: Received, clock: Clock) -> dict[str, Any]:
    """Both signatures, as in test_call_webhooks, at our clock's time: the library's replay window
    is measured against the real one."""
    body, headers = received.body, received.headers
    private_key = shop.tenant.headers["x-private-key"]
    expected = hmac.new(private_key.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-signature"], expected)
    assert headers["x-public-key"] == shop.tenant.headers["x-public-key"]
    sent_at = datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC)
    assert sent_at <= clock.now
    secret = "whsec_" + base64.b64encode(private_key.encode()).decode()
    signed = Webhook(secret).sign(headers["webhook-id"], sent_at, body.decode())
    assert hmac.compare_digest(headers["webhook-signature"], signed)
    event: dict[str, Any] = json.loads(body)
    return event


def set_call_settings(shop: Shop, assistant: str, settings: dict[str, Any]) -> None:
    response = shop.client.put(
        f"{UPDATE}/{assistant}", json={"callSettings": settings}, headers=shop.headers
    )
    assert response.status_code == 200, response.text


def ended(shop: Shop, call_id: str) -> bool:
    return "call.lifecycle-ended" in shop.event_types(call_id)


def drive(worker: Worker, clock: Clock, done: Any, step: float = 60, rounds: int = 200) -> None:
    for _ in range(rounds):
        worker.run_once()
        if done():
            return
        clock.advance(step)
    raise AssertionError(f"not done after {rounds} rounds")


def dial_each(shop: Shop, assistant: str, digits: tuple[int, ...], callback_url: str) -> list[str]:
    """One call per simulator digit, all reporting to `callback_url`: their ids."""
    return [
        shop.initiate(
            request_for(
                CUSTOM_REQUEST, assistant, phoneNumber=number(digit), callbackUrl=callback_url
            )
        )["callId"]
        for digit in digits
    ]
