"""The dialer end to end: the simulator's outcomes at a real receiver, slots, caps, order, retries,
aborts racing the dialer, archived assistants. The worker's clock is ours: no test sleeps."""

from __future__ import annotations

import copy
import dataclasses
import json
import threading
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from mira.dialer.claiming import claim_due_calls
from mira.runtime import Runtime
from mira.voice.calls import abort_call
from mira.worker import Worker
from models import Assistant, Call, CallAttempt, Workspace
from tests.receivers import Received, Receiver, Reply
from tests.voice.calling import (
    ABANDONED_CART_REQUEST,
    CUSTOM_REQUEST,
    Shop,
    request_for,
)
from tests.voice.dialing import Clock, dial_each, drive, ended, number, set_call_settings, verify

RING, LEASE = timedelta(seconds=120), timedelta(seconds=30)
DIALLED = ["call.initiate"]
TALKED = ["call.in-progress", "call.ended", "call.completed", "end-of-call"]
OUTCOMES = {
    0: ("completed", DIALLED + TALKED, 1, 0),
    1: ("completed", (DIALLED + TALKED) * 2, 2, 0),  # low engagement: one call back
    2: ("busy", ["call.initiate", "call.busy"] * 3, 3, 0),  # no pickup: two call backs
    3: ("no-answer", ["call.initiate", "call.no-answer"] * 3, 3, 0),
    4: ("failed", ["call.initiate", "call.failed"] * 3, 3, 0),
    5: ("completed", DIALLED + TALKED + ["call.rescheduled"] + DIALLED + TALKED, 2, 1),
    6: ("timeout", ["call.initiate", "call.in-progress", "call.timeout", "end-of-call"], 1, 0),
    7: ("skip", ["call.initiate", "call.skip"], 1, 0),
}


@pytest.mark.parametrize("digit", list(OUTCOMES))
def test_each_simulator_outcome_reaches_the_receiver_in_order(
    shop: Shop, worker: Worker, clock: Clock, digit: int
) -> None:
    final, expected, attempts, rescheduled = OUTCOMES[digit]
    with Receiver() as receiver:
        path = f"/hooks/{uuid.uuid4()}"
        body = request_for(
            CUSTOM_REQUEST,
            shop.assistant(),
            phoneNumber=number(digit),
            callbackUrl=receiver.url + path,
        )
        call_id = shop.initiate(body)["callId"]
        expected = [*expected, "call.lifecycle-ended"]
        drive(worker, clock, lambda: len(receiver.at(path)) >= len(expected), step=120)
        events = [verify(shop, r, clock) for r in receiver.at(path)]
    assert [e["event"]["type"] for e in events] == expected
    assert all(e["metadata"] == CUSTOM_REQUEST["metadata"] for e in events)
    last = events[-1]["event"]["data"]
    assert last["report"] == {
        "reAttemptCount": attempts - 1,
        "rescheduledCount": rescheduled,
        "finalStatus": final,
    }
    call = shop.call(call_id)
    assert call["status"] == final and call["nextAttemptAt"] is None
    assert len(call["attempts"]) == attempts
    starts = [datetime.fromisoformat(a["startedAt"]) for a in call["attempts"]]
    gaps = [(b - a).total_seconds() for a, b in zip(starts, starts[1:], strict=False)]
    assert all(gap >= 300 for gap in gaps)  # reAttemptPeriod (a reschedule: an hour)
    analyses = [e["event"]["data"] for e in events if e["event"]["type"] == "end-of-call"]
    for analysis in analyses:
        assert analysis["analysis"]["success"] is (digit == 0)
        assert analysis["credits"]["used"] > 0
    if digit in (0, 1, 5):
        assert call["attempts"][0]["transcript"][0]["role"] == "agent"
    if digit == 6:
        assert call["attempts"][0]["durationSeconds"] == 200  # maxCallDuration


def cart_request(assistant: str, receiver_url: str, **payload: Any) -> dict[str, Any]:
    body = request_for(
        ABANDONED_CART_REQUEST, assistant, phoneNumber=number(0), callbackUrl=receiver_url
    )
    body["payload"] = copy.deepcopy(body["payload"]) | payload
    return body


FULL_ADDRESS = {
    "address1": "12 Marine Drive",
    "city": "Mumbai",
    "province": "Maharashtra",
    "zip": "400001",
    "country": "India",
}


@pytest.mark.parametrize(
    ("payload", "action", "reason"),
    [
        ({"shippingAddress": FULL_ADDRESS}, "create_order", None),
        ({}, "send_whatsapp", "missing_address"),  # the example has no street
        (
            {"shippingAddress": FULL_ADDRESS, "customer": {"firstName": " "}},
            "send_whatsapp",
            "missing_first_name",
        ),
    ],
)
def test_a_completed_cart_call_ends_in_its_action(
    shop: Shop,
    worker: Worker,
    clock: Clock,
    payload: dict[str, Any],
    action: str,
    reason: str | None,
) -> None:
    with Receiver() as receiver:
        path = f"/hooks/{uuid.uuid4()}"
        body = cart_request(shop.assistant("abandoned_cart"), receiver.url + path, **payload)
        shop.initiate(body)
        drive(worker, clock, lambda: len(receiver.at(path)) >= 7)
        events = [verify(shop, r, clock)["event"] for r in receiver.at(path)]
    assert [e["type"] for e in events] == [*DIALLED, *TALKED, "action", "call.lifecycle-ended"]
    analysis, sent = events[4]["data"]["analysis"], events[5]["data"]
    assert analysis["requiredActions"] == [action] and analysis["success"] is True
    assert sent["action"] == action and sent["reason"] == reason
    if action == "create_order":
        order = sent["payload"]
        assert order["lineItems"] == body["payload"]["lineItems"]
        assert order["cartTotal"] == 1945.0 and order["shippingAddress"]["address1"]
        assert order["discount"]["code"] == body["metadata"]["discount"]["code"]
    else:
        customer = body["payload"]["customer"]  # without a phone of its own: the number called
        assert sent["payload"] == {"number": customer.get("phone", body["phoneNumber"])}


def active(runtime: Runtime, assistant: str) -> tuple[int, int]:
    """The assistant's slot counter, and its attempts under way."""
    with runtime.sessions.begin() as session:
        counter = session.get_one(Assistant, assistant).active_calls
        under_way = session.scalar(
            select(func.count())
            .select_from(CallAttempt)
            .join(Call, Call.id == CallAttempt.call_id)
            .where(
                Call.assistant_id == assistant, CallAttempt.status.in_(["initiate", "in-progress"])
            )
        )
        return counter, int(under_way or 0)


def test_the_cap_is_never_exceeded_and_excess_calls_wait(
    runtime: Runtime, shop: Shop, worker: Worker, clock: Clock
) -> None:
    assistant = shop.assistant()
    set_call_settings(shop, assistant, {"concurrentCallCount": 2})
    calls = [
        shop.initiate(request_for(CUSTOM_REQUEST, assistant, phoneNumber=number(0)))["callId"]
        for _ in range(7)
    ]
    peak = 0
    for _ in range(60):
        worker.run_once()
        counter, under_way = active(runtime, assistant)
        assert counter == under_way <= 2
        peak = max(peak, under_way)
        if all(ended(shop, call_id) for call_id in calls):
            break
        clock.advance(20)
    assert peak == 2 and all(shop.call(c)["status"] == "completed" for c in calls)
    assert active(runtime, assistant) == (0, 0)


def test_priority_calls_go_first_then_first_in_first_out(
    runtime: Runtime, shop: Shop, worker: Worker, clock: Clock
) -> None:
    assistant = shop.assistant()
    set_call_settings(shop, assistant, {"concurrentCallCount": 1})
    made = [
        shop.initiate(
            request_for(CUSTOM_REQUEST, assistant, phoneNumber=number(7), priority=priority)
        )["callId"]
        for priority in (False, False, True, False, True)
    ]
    drive(worker, clock, lambda: all(ended(shop, c) for c in made), step=10)
    with runtime.sessions.begin() as session:
        order = session.scalars(
            select(CallAttempt.call_id)
            .where(CallAttempt.call_id.in_(made))
            .order_by(CallAttempt.started_at)
        ).all()
    assert list(order) == [made[2], made[4], made[0], made[1], made[3]]


def test_a_call_outside_its_slots_is_deferred_to_the_next_opening(
    runtime: Runtime, shop: Shop, worker: Worker, clock: Clock
) -> None:
    """A slot past midnight in New York; the workspace's zone rules, not the callee's (India)."""
    with runtime.sessions.begin() as session:
        session.get_one(Workspace, shop.workspace).timezone = "America/New_York"
    assistant = shop.assistant()
    set_call_settings(shop, assistant, {"slots": [{"startTime": "22:00", "endTime": "02:00"}]})
    call_id = shop.initiate(request_for(CUSTOM_REQUEST, assistant, phoneNumber=number(7)))["callId"]
    new_york = clock.now.astimezone(ZoneInfo("America/New_York"))
    clock.now = new_york.replace(hour=21, minute=0)  # an hour before the slot opens
    worker.run_once()
    call = shop.call(call_id)
    assert call["status"] == "queued" and call["attempts"] == [] and call["events"] == []
    opening = datetime.fromisoformat(call["nextAttemptAt"])
    assert opening == new_york.replace(hour=22, minute=0)
    clock.now = opening
    drive(worker, clock, lambda: ended(shop, call_id))
    assert shop.event_types(call_id)[0] == "call.initiate"


def test_the_callee_zone_applies_when_the_workspace_has_none(
    runtime: Runtime, shop: Shop, worker: Worker, clock: Clock
) -> None:
    with runtime.sessions.begin() as session:
        session.get_one(Workspace, shop.workspace).timezone = ""
    assistant = shop.assistant()
    set_call_settings(shop, assistant, {"slots": [{"startTime": "09:00", "endTime": "17:00"}]})
    call_id = shop.initiate(request_for(CUSTOM_REQUEST, assistant, phoneNumber="+12015550127"))[
        "callId"
    ]
    worker.run_once()  # 06:00 UTC is 01:00 or 02:00 in New Jersey
    opening = datetime.fromisoformat(shop.call(call_id)["nextAttemptAt"])
    assert opening.astimezone(ZoneInfo("America/New_York")).hour == 9


def test_an_abort_before_the_dial_wins_and_after_it_is_refused(
    shop: Shop, worker: Worker, clock: Clock
) -> None:
    assistant = shop.assistant()
    first, second = (
        shop.initiate(request_for(CUSTOM_REQUEST, assistant, phoneNumber=number(0)))["callId"]
        for _ in range(2)
    )
    aborted = shop.client.post("/v2/call/abort", json={"callId": first}, headers=shop.headers)
    assert aborted.status_code == 200
    worker.dial_due_calls()
    assert shop.event_types(first) == ["call.aborted", "call.lifecycle-ended"]
    assert shop.call(first)["attempts"] == []
    refused = shop.client.post("/v2/call/abort", json={"callId": second}, headers=shop.headers)
    assert refused.json() == {"code": 400, "message": "Call is already in progress"}
    drive(worker, clock, lambda: ended(shop, second))
    assert shop.call(second)["status"] == "completed"


def test_a_pending_retry_can_be_aborted(shop: Shop, worker: Worker, clock: Clock) -> None:
    call_id = shop.initiate(request_for(CUSTOM_REQUEST, shop.assistant(), phoneNumber=number(1)))[
        "callId"
    ]
    drive(worker, clock, lambda: "end-of-call" in shop.event_types(call_id), step=30)
    assert shop.call(call_id)["status"] == "completed"  # low engagement: a retry is pending
    response = shop.client.post("/v2/call/abort", json={"callId": call_id}, headers=shop.headers)
    assert response.status_code == 200
    assert shop.event_types(call_id)[-2:] == ["call.aborted", "call.lifecycle-ended"]


def test_an_abort_racing_a_claim_on_postgresql(
    runtime: Runtime, shop: Shop, clock: Clock, database_url: str
) -> None:
    """Two transactions at once: whichever holds the row first wins, the other gives way."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite runs one writer at a time")
    assistant = shop.assistant()
    call_ids = [
        shop.initiate(request_for(CUSTOM_REQUEST, assistant, phoneNumber=number(0)))["callId"]
        for _ in range(2)
    ]
    org = shop.tenant.organization_id
    results: dict[str, Any] = {}

    def abort_in_thread(call_id: str) -> threading.Thread:
        def run() -> None:
            try:
                with runtime.sessions.begin() as session:
                    abort_call(session, org, shop.workspace, call_id, clock.now)
                results[call_id] = "aborted"
            except Exception as exc:  # the refusal
                results[call_id] = str(exc)

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    # The claim holds the call first: the abort waits for it, then is refused.
    with runtime.sessions.begin() as session:
        assert len(claim_due_calls(session, clock.now, 1, RING, LEASE)) == 1
        thread = abort_in_thread(call_ids[0])
        thread.join(0.3)
        assert thread.is_alive()
    thread.join(5)
    assert results[call_ids[0]] == "Call is already in progress"
    # The abort holds the other call first: the claim skips it and never dials it.
    with runtime.sessions.begin() as session:
        abort_call(session, org, shop.workspace, call_ids[1], clock.now)
        with runtime.sessions.begin() as other:
            assert claim_due_calls(other, clock.now, 1, RING, LEASE) == []
    with runtime.sessions.begin() as session:
        assert claim_due_calls(session, clock.now, 1, RING, LEASE) == []
    assert shop.call(call_ids[1])["status"] == "aborted"
    assert shop.call(call_ids[1])["attempts"] == []


def test_an_archived_assistants_calls_are_held_until_unarchived(
    runtime: Runtime, shop: Shop, worker: Worker, clock: Clock
) -> None:
    assistant = shop.assistant()
    call_id = shop.initiate(request_for(CUSTOM_REQUEST, assistant, phoneNumber=number(7)))["callId"]
    with runtime.sessions.begin() as session:
        session.get_one(Assistant, assistant).archived_at = clock.now
    worker.run_once()
    assert shop.call(call_id)["status"] == "queued" and shop.event_types(call_id) == []
    with runtime.sessions.begin() as session:
        session.get_one(Assistant, assistant).archived_at = None
    drive(worker, clock, lambda: ended(shop, call_id))
    assert shop.call(call_id)["status"] == "skip"


def test_a_receiver_that_fails_then_recovers_gets_every_event_in_order_per_call(
    runtime: Runtime, shop: Shop, worker: Worker, clock: Clock
) -> None:
    """Down (503) for the calls' first five minutes, then up: each call's events arrive, each id
    with the same body every time it is re-sent, and first seen in the order the call had them.

    The retry policy is the shipped one (8 attempts from 5 s): its horizon outlasts the outage.
    """
    worker.policy = dataclasses.replace(worker.policy, base_seconds=5.0)
    back_at = clock.now + timedelta(minutes=5)
    assistant = shop.assistant()
    with Receiver(lambda _r: Reply(503 if clock.now < back_at else 200)) as receiver:
        path = f"/hooks/{uuid.uuid4()}"
        # completed; busy, retried twice; rescheduled
        calls = dial_each(shop, assistant, (0, 2, 5), receiver.url + path)

        def all_acknowledged() -> bool:
            recorded = sum(len(shop.event_types(c)) for c in calls)
            return all(ended(shop, c) for c in calls) and acknowledged(shop, calls) == recorded

        drive(worker, clock, all_acknowledged, step=30)
        received = receiver.at(path)
    delivered: dict[str, Received] = {}
    by_call: dict[str, list[str]] = {c: [] for c in calls}
    for request in received:
        verify(shop, request, clock)
        first = delivered.setdefault(request.headers["webhook-id"], request)
        assert first.body == request.body  # a re-send is the same event
        if first is request:
            event = json.loads(request.body)["event"]
            by_call[event["data"]["call"]["id"]].append(event["type"])
    assert len(received) > len(delivered)  # the outage made the sender try again
    for call_id in calls:
        assert by_call[call_id] == shop.event_types(call_id)


def acknowledged(shop: Shop, calls: list[str]) -> int:
    """How many of the calls' deliveries the receiver has acknowledged."""
    total = 0
    for call_id in calls:
        response = shop.client.get(f"/v2/call/deliveries/{call_id}", headers=shop.headers)
        total += sum(d["status"] == "delivered" for d in response.json()["data"])
    return total
