"""The telephony interface with carriers other than the simulator: one that reports over HTTP
(or never), one that refuses the dial, and the rule that a dial is placed only once committed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from mira.dialer.attempts import RING_TIMED_OUT, record_carrier_event
from mira.dialer.telephony import Dial, Placement
from mira.runtime import Runtime
from mira.worker import Worker
from models import Assistant, Call, CallAttempt
from tests.voice.calling import CUSTOM_REQUEST, Shop, request_for
from tests.voice.dialing import COMPLETED, Clock, drive, ended, number


@dataclass
class HttpCarrier:
    """Places a dial and reports nothing at placement: its news comes later, over HTTP."""

    runtime: Runtime
    # What another connection saw of each dial's call and attempt when it was placed.
    seen: list[tuple[str | None, str | None]] = field(default_factory=list)
    placed: dict[str, Placement] = field(default_factory=dict)

    def place(self, dial: Dial) -> Placement:
        with self.runtime.sessions.begin() as session:
            call = session.get(Call, dial.call_id)
            attempt = session.get(CallAttempt, (dial.call_id, dial.attempt_number))
            self.seen.append(
                (call and call.status, attempt and attempt.status),
            )
        placement = Placement(f"carrier-{dial.call_id}-{dial.attempt_number}")
        self.placed[dial.token] = placement
        return placement

    def find_dial(self, token: str) -> Placement | None:
        return self.placed.get(token)


class RefusingCarrier:
    def place(self, dial: Dial) -> Placement:
        raise ConnectionError("carrier API unreachable")

    def find_dial(self, token: str) -> Placement | None:
        return None


def slots_in_use(runtime: Runtime, assistant: str) -> int:
    with runtime.sessions.begin() as session:
        return session.get_one(Assistant, assistant).active_calls


def test_a_dial_is_placed_only_after_its_claim_is_committed(
    runtime: Runtime, shop: Shop, worker: Worker
) -> None:
    carrier = HttpCarrier(runtime)
    worker.telephony = carrier
    shop.initiate(request_for(CUSTOM_REQUEST, shop.assistant(), phoneNumber=number(0)))
    assert worker.dial_due_calls() == 1
    assert carrier.seen == [("initiate", "initiate")]  # visible to any other connection


def test_a_carrier_reporting_over_http_drives_the_call(
    runtime: Runtime, shop: Shop, worker: Worker, clock: Clock
) -> None:
    worker.telephony = HttpCarrier(runtime)
    call_id = shop.initiate(request_for(CUSTOM_REQUEST, shop.assistant(), phoneNumber=number(0)))[
        "callId"
    ]
    worker.run_once()
    assert shop.call(call_id)["attempts"][0]["status"] == "initiate"

    def report(event: str, seconds: float, **details: object) -> bool:
        with runtime.sessions.begin() as session:
            at = clock.now + timedelta(seconds=seconds)
            return record_carrier_event(session, call_id, 1, event, at, dict(details))

    assert report("answered", 4)
    assert report("ended", 50, conversation="completed")
    assert not report("ended", 51, conversation="completed")  # a repeat changes nothing
    worker.run_once()
    assert shop.event_types(call_id) == COMPLETED


def test_an_attempt_the_carrier_never_reports_ends_at_the_ring_timeout(
    runtime: Runtime, shop: Shop, worker: Worker, clock: Clock
) -> None:
    worker.telephony = HttpCarrier(runtime)
    assistant = shop.assistant()
    call_id = shop.initiate(request_for(CUSTOM_REQUEST, assistant, phoneNumber=number(0)))["callId"]
    worker.run_once()
    clock.advance(runtime.settings.ring_timeout_seconds - 1)
    worker.run_once()
    assert shop.call(call_id)["status"] == "initiate" and slots_in_use(runtime, assistant) == 1
    clock.advance(1)
    worker.run_once()
    first = shop.call(call_id)["attempts"][0]
    assert first["status"] == "no-answer" and first["reason"] == RING_TIMED_OUT
    assert slots_in_use(runtime, assistant) == 0
    drive(worker, clock, lambda: ended(shop, call_id))  # no pickup: retried, then given up
    call = shop.call(call_id)
    assert call["status"] == "no-answer" and len(call["attempts"]) == 3
    assert shop.event_types(call_id)[-1] == "call.lifecycle-ended"


def test_a_refused_dial_is_a_failed_attempt(
    runtime: Runtime, shop: Shop, worker: Worker, clock: Clock
) -> None:
    worker.telephony = RefusingCarrier()
    assistant = shop.assistant()
    call_id = shop.initiate(request_for(CUSTOM_REQUEST, assistant, phoneNumber=number(0)))["callId"]
    worker.run_once()
    attempt = shop.call(call_id)["attempts"][0]
    assert attempt["status"] == "failed"
    assert attempt["reason"] == "the carrier refused the dial: ConnectionError"
    assert shop.event_types(call_id) == ["call.initiate", "call.failed"]
    assert slots_in_use(runtime, assistant) == 0
